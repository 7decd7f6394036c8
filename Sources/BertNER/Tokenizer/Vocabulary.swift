import Foundation

/// A WordPiece vocabulary (`vocab.txt`): one token per line, the line number is the id.
public struct Vocabulary: Sendable {
    public let tokens: [String]
    private let ids: [String: Int32]

    public init(tokens: [String]) {
        self.tokens = tokens
        var ids: [String: Int32] = [:]
        // A token listed twice keeps its last id, as Hugging Face's vocabulary loading does.
        for (id, token) in tokens.enumerated() { ids[token] = Int32(id) }
        self.ids = ids
    }

    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw TokenizerError.fileNotFound(path: path) }
        guard let text = String(validating: data, as: UTF8.self) else { throw TokenizerError.invalidUTF8(path: path) }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.hasSuffix("\r") ? $0.dropLast() : $0)
        }
        if lines.last == "" { lines.removeLast() }
        guard !lines.isEmpty else { throw TokenizerError.emptyVocabulary(path: path) }
        self.init(tokens: lines)
        for special in ["[UNK]", "[CLS]", "[SEP]"] where id(of: special) == nil {
            throw TokenizerError.missingSpecialToken(token: special, path: path)
        }
    }

    public var count: Int { tokens.count }

    public func id(of token: String) -> Int32? { ids[token] }
}
