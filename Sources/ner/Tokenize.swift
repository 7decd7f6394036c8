import ArgumentParser
import BertNER
import NERServing
import Foundation

/// `ner tokenize`: word pieces with ids and code-point offsets, one JSON line per input line.
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the word pieces of texts: [[id, start, end], ...] per line (offsets in code points).")

    @Option(name: .long, help: "Model bundle folder (its vocab.txt and tokenizer_config.json).")
    var model: String = ModelLocation.defaultBundle

    @Option(name: .long, help: "Read texts from this file, one per line.")
    var file: String?

    @Argument(help: "Texts to tokenize.")
    var texts: [String] = []

    func run() throws {
        let tokenizer = try BertTokenizer(bundleDirectory: model)
        let emit: (String) throws -> Void = { text in
            let pieces = tokenizer.encode(text).map { "[\($0.id),\($0.start),\($0.end)]" }
            print("[" + pieces.joined(separator: ",") + "]")
        }
        if let file {
            try LineReader.forEachLine(path: file, emit)
        } else if !texts.isEmpty {
            for text in texts { try emit(text) }
        } else {
            try LineReader.forEachLine(path: "/dev/stdin", displayName: "<stdin>", emit)
        }
    }
}
