import Foundation
import Testing
@_spi(Benchmarks) @testable import BertNER

/// The tokenizer against Hugging Face `BertTokenizerFast` (`tools/make_tokenizer_fixtures.py`):
/// ids and code-point offsets must be identical on every committed string.
@Suite("Tokenizer parity with Hugging Face")
struct TokenizerTests {
    struct Case: Decodable {
        let options: Int
        let text: String
        let pieces: [[Int]]
    }

    struct Options: Decodable {
        let do_lower_case: Bool
        let strip_accents: Bool?
        let tokenize_chinese_chars: Bool
    }

    static let folder = EngineFixture.root.appendingPathComponent("tokenizer")

    /// The cases are gzip-compressed to stay small; Foundation on Linux has no inflate, gzip does.
    static func cases() throws -> [Case] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", folder.appendingPathComponent("cases.jsonl.gz").path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let decoder = JSONDecoder()
        return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(Case.self, from: Data($0)) }
    }

    static func tokenizers() throws -> [BertTokenizer] {
        let vocabulary = try Vocabulary(contentsOf: folder.appendingPathComponent("vocab.txt").path)
        let options = try JSONDecoder().decode([Options].self, from: Data(contentsOf: folder.appendingPathComponent("options.json")))
        return try options.map {
            try BertTokenizer(vocabulary: vocabulary, options: TokenizerOptions(
                lowercase: $0.do_lower_case, tokenizeChineseCharacters: $0.tokenize_chinese_chars, stripAccents: $0.strip_accents))
        }
    }

    @Test("identical ids and offsets on every fixture string (≥ 10,000)")
    func parity() throws {
        let cases = try Self.cases()
        let tokenizers = try Self.tokenizers()
        #expect(cases.count >= 10_000)
        var mismatches: [String] = []
        for item in cases {
            let ours = tokenizers[item.options].encode(item.text).map { [Int($0.id), $0.start, $0.end] }
            if ours != item.pieces { mismatches.append("options \(item.options) \(item.text.debugDescription): HF \(item.pieces.prefix(8)) ours \(ours.prefix(8))") }
        }
        #expect(mismatches.count == 0, "\(mismatches.count) of \(cases.count) differ; first: \(mismatches.prefix(5).joined(separator: "\n"))")
        print("tokenizer parity: \(cases.count - mismatches.count) / \(cases.count) strings identical")
    }

    /// The shipped model's vocabulary is pruned (`tools/prune_vocab.py`: 13,583 of bert-base-chinese's
    /// 21,128 tokens, renumbered). Its pieces and offsets must still be Hugging Face's on every
    /// fixture string made with the same options, compared as token strings.
    @Test("the default model's pruned vocabulary gives Hugging Face's pieces on every fixture string")
    func prunedVocabulary() throws {
        let full = try Self.tokenizers()[0]
        let defaultModel = EngineFixture.root.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Weights/default").path
        let pruned = try BertTokenizer(bundleDirectory: defaultModel)
        try #require(pruned.vocabulary.count < full.vocabulary.count, "Weights/default's vocabulary is not pruned")
        let cases = try Self.cases().filter { $0.options == 0 }  // lower-cased, CJK split: the default's options
        #expect(cases.count >= 3_000)
        var mismatches: [String] = []
        for item in cases {
            let expected = item.pieces.map { [full.vocabulary.tokens[$0[0]], "\($0[1])", "\($0[2])"] }
            let ours = pruned.encode(item.text).map { [pruned.vocabulary.tokens[Int($0.id)], "\($0.start)", "\($0.end)"] }
            if ours != expected { mismatches.append("\(item.text.debugDescription): HF \(expected.prefix(6)) ours \(ours.prefix(6))") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(cases.count) differ; first: \(mismatches.prefix(5).joined(separator: "\n"))")
    }

    @Test("offsets of hard cases")
    func hardCases() throws {
        let tokenizer = try Self.tokenizers()[0]
        func spans(_ text: String) -> [[Int]] { tokenizer.encode(text).map { [$0.start, $0.end] } }
        #expect(spans("马云😀在") == [[0, 1], [1, 2], [2, 3], [3, 4]])   // emoji is its own word → [UNK] keeps its span
        #expect(spans("a\u{200D}b\u{200B}c\u{FEFF}d") == [[0, 5], [6, 7]])     // zero-width characters vanish inside words
        #expect(spans("e\u{301}") == [[0, 1]])                                 // the stripped accent is not part of the span
        #expect(spans("你好[SEP]世界").map { $0 } == [[0, 1], [1, 2], [2, 7], [7, 8], [8, 9]])
        #expect(tokenizer.encode("你好[SEP]")[2].id == tokenizer.sepID)
        #expect(spans("") == [] && spans(" \u{3000}\t\n") == [])
        #expect(tokenizer.encode(String(repeating: "a", count: 101)).map(\.id) == [tokenizer.unknownID])
    }

    @Test("bad tokenizer files give precise errors")
    func errors() throws {
        let directory = try temporaryDirectory()
        #expect(throws: TokenizerError.fileNotFound(path: directory.appendingPathComponent("vocab.txt").path)) {
            try BertTokenizer(bundleDirectory: directory.path)
        }
        let vocab = directory.appendingPathComponent("vocab.txt")
        try Data([0x61, 0xFF, 0x0A]).write(to: vocab)
        #expect(throws: TokenizerError.invalidUTF8(path: vocab.path)) { try Vocabulary(contentsOf: vocab.path) }
        try Data("[PAD]\n[UNK]\n[SEP]\n".utf8).write(to: vocab)
        #expect(throws: TokenizerError.missingSpecialToken(token: "[CLS]", path: vocab.path)) { try Vocabulary(contentsOf: vocab.path) }
        try Data("".utf8).write(to: vocab)
        #expect(throws: TokenizerError.emptyVocabulary(path: vocab.path)) { try Vocabulary(contentsOf: vocab.path) }
        let config = directory.appendingPathComponent("tokenizer_config.json")
        try Data(#"{"do_lower_case": "yes"}"#.utf8).write(to: config)
        #expect(throws: TokenizerError.invalidTokenizerConfig(
            path: config.path, reason: "do_lower_case, tokenize_chinese_chars and strip_accents must be true, false or null")) {
            try TokenizerOptions(contentsOf: config.path)
        }
    }
}
