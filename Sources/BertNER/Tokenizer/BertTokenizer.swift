import Foundation

/// Text → word pieces with ids and exact offsets, identical to Hugging Face `BertTokenizerFast`
/// for the same `vocab.txt` and options. Offsets are Unicode code-point indices into the input,
/// `end` exclusive; [CLS]/[SEP] are not added (see `clsID`, `sepID`).
public struct BertTokenizer: Sendable {
    public struct Token: Sendable, Equatable {
        public let id: Int32
        public let start: Int
        public let end: Int
    }

    let vocabulary: Vocabulary
    let options: TokenizerOptions
    public let clsID: Int32
    public let sepID: Int32
    let unknownID: Int32
    private let basic: BasicTokenizer
    private let wordPiece: WordPieceTokenizer
    /// Special tokens written literally in the input are matched before normalisation, as
    /// Hugging Face's added tokens are ("你好[SEP]" gives the [SEP] id).
    private let specialTokens: [(scalars: [Unicode.Scalar], id: Int32)]

    init(vocabulary: Vocabulary, options: TokenizerOptions = TokenizerOptions()) throws {
        func special(_ token: String) throws -> Int32 {
            guard let id = vocabulary.id(of: token) else { throw TokenizerError.missingSpecialToken(token: token, path: "vocabulary") }
            return id
        }
        self.vocabulary = vocabulary
        self.options = options
        clsID = try special("[CLS]")
        sepID = try special("[SEP]")
        unknownID = try special("[UNK]")
        basic = BasicTokenizer(options: options)
        wordPiece = WordPieceTokenizer(vocabulary: vocabulary, unknownID: unknownID, maxCharactersPerWord: options.maxCharactersPerWord)
        specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap { token in
            vocabulary.id(of: token).map { (Array(token.unicodeScalars), $0) }
        }
    }

    /// Reads `vocab.txt` and, when present, `tokenizer_config.json` from a bundle folder.
    public init(bundleDirectory: String) throws {
        let folder = URL(fileURLWithPath: bundleDirectory)
        let vocabulary = try Vocabulary(contentsOf: folder.appendingPathComponent("vocab.txt").path)
        let configPath = folder.appendingPathComponent("tokenizer_config.json").path
        let options = FileManager.default.fileExists(atPath: configPath) ? try TokenizerOptions(contentsOf: configPath) : TokenizerOptions()
        try self.init(vocabulary: vocabulary, options: options)
    }

    public func encode(_ text: String) -> [Token] {
        let scalars = Array(text.unicodeScalars)
        var tokens: [Token] = []
        var segmentStart = 0
        var position = 0
        while position < scalars.count {
            if scalars[position] == "[", let match = specialToken(at: position, in: scalars) {
                appendPieces(of: scalars[segmentStart..<position], offset: segmentStart, to: &tokens)
                tokens.append(Token(id: match.id, start: position, end: position + match.length))
                position += match.length
                segmentStart = position
            } else {
                position += 1
            }
        }
        appendPieces(of: scalars[segmentStart..<scalars.count], offset: segmentStart, to: &tokens)
        return tokens
    }

    private func specialToken(at position: Int, in scalars: [Unicode.Scalar]) -> (id: Int32, length: Int)? {
        for special in specialTokens where scalars[position...].starts(with: special.scalars) {
            return (special.id, special.scalars.count)
        }
        return nil
    }

    private func appendPieces(of segment: ArraySlice<Unicode.Scalar>, offset: Int, to tokens: inout [Token]) {
        let words = basic.words(segment, offset: offset)
        var pieces: [(id: Int32, range: Range<Int>)] = []
        pieces.reserveCapacity(words.scalars.count)
        for index in words.ranges.indices { wordPiece.appendPieces(of: words[index], to: &pieces) }
        for piece in pieces {
            tokens.append(Token(id: piece.id, start: words.origins[piece.range.lowerBound],
                                end: words.origins[piece.range.upperBound - 1] + 1))
        }
    }
}
