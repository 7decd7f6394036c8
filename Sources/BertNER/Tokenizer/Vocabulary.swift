import Foundation

/// A WordPiece vocabulary (`vocab.txt`): one token per line, the line number is the id.
struct Vocabulary: Sendable {
    let tokens: [String]
    private let ids: [String: Int32]
    /// The ids of one-character tokens, and of `##` + one character, by code point: a Chinese text
    /// is almost only such pieces, and looking them up by scalar skips building and hashing a
    /// String per character, most of a sentence's tokenizing time otherwise. Exact code points, as
    /// Hugging Face's byte-exact lookup (String keys also match canonically equivalent spellings).
    private let characterIDs: [UInt32: Int32]
    private let continuationIDs: [UInt32: Int32]

    init(tokens: [String]) {
        self.tokens = tokens
        var ids: [String: Int32] = [:]
        // A token listed twice keeps its last id, as Hugging Face's vocabulary loading does.
        for (id, token) in tokens.enumerated() { ids[token] = Int32(id) }
        self.ids = ids
        var characters: [UInt32: Int32] = [:], continuations: [UInt32: Int32] = [:]
        for (token, id) in ids {
            let scalars = token.unicodeScalars
            if scalars.count == 1, let scalar = scalars.first {
                characters[scalar.value] = id
            } else if scalars.count == 3, token.hasPrefix("##"), let scalar = scalars.last {
                continuations[scalar.value] = id
            }
        }
        characterIDs = characters
        continuationIDs = continuations
    }

    init(contentsOf path: String) throws {
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

    var count: Int { tokens.count }

    func id(of token: String) -> Int32? { ids[token] }

    /// The id of the one-character token `character`, or of `##character` when `continuation`.
    func id(of character: Unicode.Scalar, continuation: Bool) -> Int32? {
        continuation ? continuationIDs[character.value] : characterIDs[character.value]
    }
}
