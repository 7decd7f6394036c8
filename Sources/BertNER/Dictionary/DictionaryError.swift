/// Why a user dictionary could not be built. Errors of a file carry the file and the 1-based line
/// (`description` reads `file:line: reason`), so that a 1,000,000-line dictionary can be fixed in
/// an editor; entries given in code count their index + 1 as the line.
public enum DictionaryError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case invalidUTF8(path: String, line: Int)
    case missingTab(path: String, line: Int)
    case emptyWord(path: String, line: Int)
    case unknownType(path: String, line: Int, type: String, known: [String])
    /// The same word (after the tokenizer's case folding) with two different decisions.
    case conflictingDuplicate(path: String, line: Int, word: String, type: String, firstLine: Int, firstType: String)
    /// A word longer than a caller's bound (the service limits what one request may send).
    case wordTooLong(path: String, line: Int, characters: Int, limit: Int)
    case tooManyEntries(path: String, count: Int, limit: Int)

    /// The file (or the `source` the entries were given under).
    var path: String {
        switch self {
        case .unreadable(let path, _), .invalidUTF8(let path, _), .missingTab(let path, _), .emptyWord(let path, _),
             .unknownType(let path, _, _, _), .conflictingDuplicate(let path, _, _, _, _, _), .wordTooLong(let path, _, _, _),
             .tooManyEntries(let path, _, _):
            return path
        }
    }

    /// The 1-based line, for errors of one line.
    package var line: Int? {
        switch self {
        case .invalidUTF8(_, let line), .missingTab(_, let line), .emptyWord(_, let line), .unknownType(_, let line, _, _),
             .conflictingDuplicate(_, let line, _, _, _, _), .wordTooLong(_, let line, _, _):
            return line
        case .unreadable, .tooManyEntries:
            return nil
        }
    }

    /// What is wrong, without the location.
    package var reason: String {
        switch self {
        case .unreadable(_, let reason):
            return "cannot read the dictionary: \(reason)"
        case .invalidUTF8:
            return "the line is not valid UTF-8"
        case .missingTab:
            return "expected 'word<TAB>TYPE' (TYPE an entity type, or O to block the word), found no tab"
        case .emptyWord:
            return "the word is empty"
        case .unknownType(_, _, let type, let known):
            return "unknown type '\(type)'; the model's types are \(known.joined(separator: ", ")), and O blocks a word"
        case .conflictingDuplicate(_, _, let word, let type, let firstLine, let firstType):
            return "'\(word)' is \(type) here but \(firstType) on line \(firstLine)"
        case .wordTooLong(_, _, let characters, let limit):
            return "the word has \(characters) characters; at most \(limit) are allowed"
        case .tooManyEntries(_, let count, let limit):
            return "\(count) entries; at most \(limit) are allowed"
        }
    }

    public var description: String {
        line.map { "\(path):\($0): \(reason)" } ?? "\(path): \(reason)"
    }
}
