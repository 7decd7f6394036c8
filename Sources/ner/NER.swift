import ArgumentParser

@main
struct NER: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ner",
        abstract: "BertNER: Chinese named-entity recognition with a BERT + CRF engine in Swift.",
        subcommands: [Info.self, Bench.self]
    )
}
