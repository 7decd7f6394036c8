import ArgumentParser

@main
struct NER: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ner",
        abstract: "BertNER: Chinese named-entity recognition with a BERT + CRF engine in Swift.",
        subcommands: [Serve.self, Stream.self, Tag.self, Eval.self, Tokenize.self, Info.self, Bench.self]
    )
}
