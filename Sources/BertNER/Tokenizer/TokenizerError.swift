/// Problems with tokenizer files, each naming the file and what is wrong.
public enum TokenizerError: Error, Equatable, Sendable, CustomStringConvertible {
    case fileNotFound(path: String)
    case invalidUTF8(path: String)
    case emptyVocabulary(path: String)
    case missingSpecialToken(token: String, path: String)
    case invalidTokenizerConfig(path: String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path): return "tokenizer file not found: \(path)"
        case .invalidUTF8(let path): return "vocabulary \(path) is not valid UTF-8"
        case .emptyVocabulary(let path): return "vocabulary \(path) has no tokens"
        case .missingSpecialToken(let token, let path): return "vocabulary \(path) lacks the special token \(token)"
        case .invalidTokenizerConfig(let path, let reason): return "invalid tokenizer config \(path): \(reason)"
        }
    }
}
