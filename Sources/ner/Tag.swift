import ArgumentParser
import BertNER
import NERServing
import Foundation

/// `ner tag`: texts → JSON lines `{"text": …, "entities": [...]}`.
struct Tag: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recognise entities; prints one JSON line {text, entities} per input text.",
        discussion: """
        Texts come from the arguments, else from --file (one text per line), else from standard input
        (one text per line). Offsets are Unicode code points, end exclusive.
        """)

    @Option(name: .long, help: "Model bundle folder.")
    var model: String = ModelLocation.defaultBundle

    @Option(name: .long, help: "Read texts from this file, one per line (repeatable).")
    var file: [String] = []

    @Option(name: .long, help: "Overlap in word pieces between windows of long texts.")
    var stride: Int = 128

    @Option(name: .long, help: "Texts per forward pass.")
    var batchSize: Int = 32

    @Option(name: .long, help: PrecisionChoice.help)
    var precision: PrecisionChoice?

    @Option(name: .long, help: DictionaryOption.help)
    var dictionary: String?

    @Argument(help: "Texts to tag.")
    var texts: [String] = []

    func run() throws {
        var pipeline = try NERPipeline(modelDirectory: model, stride: stride,
                                       precision: try PrecisionChoice.resolve(precision, default: .fixed(.fp32)))
        if let dictionary { pipeline.dictionary = try EntityDictionary(contentsOfFile: dictionary, for: pipeline) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var pending: [String] = []
        func flush() throws {
            guard !pending.isEmpty else { return }
            for (text, entities) in zip(pending, try pipeline.recognize(batch: pending)) {
                let line = try encoder.encode(TaggedText(text: text, entities: entities))
                FileHandle.standardOutput.write(line + Data("\n".utf8))
            }
            pending.removeAll()
        }
        let add: (String) throws -> Void = { text in
            pending.append(text)
            if pending.count >= max(1, batchSize) { try flush() }
        }
        if !texts.isEmpty {
            for text in texts { try add(text) }
        } else if !file.isEmpty {
            for path in file { try LineReader.forEachLine(path: path, add) }
        } else {
            try LineReader.forEachLine(path: "/dev/stdin", displayName: "<stdin>", add)
        }
        try flush()
    }
}

struct TaggedText: Encodable {
    let text: String
    let entities: [Entity]
}
