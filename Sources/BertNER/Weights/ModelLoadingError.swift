/// Everything that can be wrong with model files, each naming what it found and what it expected.
/// `description` is the message users see (CLI, HTTP `/info`, logs); tests assert it verbatim.
public enum ModelLoadingError: Error, Equatable, Sendable, CustomStringConvertible {
    case fileNotFound(path: String)
    case unreadableFile(path: String, reason: String)
    case truncatedFile(path: String, reason: String)
    case invalidHeader(path: String, reason: String)
    case missingTensor(name: String, path: String)
    case wrongShape(name: String, expected: [Int], found: [Int])
    case unsupportedDType(name: String, dtype: String)
    case invalidConfig(path: String, reason: String)
    case vocabularyMismatch(path: String, tokens: Int, vocabSize: Int, configPath: String)
    /// This CPU (or oneDNN build) has no fast kernel for `precision`.
    case precisionUnavailable(precision: Precision, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "model file not found: \(path)"
        case .unreadableFile(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .truncatedFile(let path, let reason):
            return "truncated safetensors file \(path): \(reason)"
        case .invalidHeader(let path, let reason):
            return "invalid safetensors header in \(path): \(reason)"
        case .missingTensor(let name, let path):
            return "missing tensor '\(name)' in \(path)"
        case .wrongShape(let name, let expected, let found):
            return "tensor '\(name)' has shape \(found), expected \(expected)"
        case .unsupportedDType(let name, let dtype):
            return "tensor '\(name)' has dtype \(dtype), expected one of F32, F16, BF16"
        case .invalidConfig(let path, let reason):
            return "invalid model config \(path): \(reason)"
        case .vocabularyMismatch(let path, let tokens, let vocabSize, let configPath):
            return "\(path) has \(tokens) tokens but \(configPath) says vocab_size \(vocabSize): ids from \(vocabSize) on have no embedding"
        case .precisionUnavailable(let precision, let reason):
            return "precision \(precision) is not available on this machine (\(reason)); use fp32"
        }
    }
}
