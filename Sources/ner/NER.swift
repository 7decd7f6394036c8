import ArgumentParser

@main
struct NER: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ner",
        abstract: "BertNER: Chinese named-entity recognition with a BERT + CRF engine in Swift.",
        subcommands: [Tag.self, Eval.self, Tokenize.self, Info.self, Bench.self]
    )
}
