/// Problems with the token ids handed to the model, caught before any computation.
enum ModelInputError: Error, Equatable, Sendable, CustomStringConvertible {
    case tokenIDOutOfRange(id: Int32, vocabularySize: Int)
    case tokenTypeOutOfRange(type: Int32, typeVocabularySize: Int)
    case sequenceTooLong(length: Int, maximum: Int)

    var description: String {
        switch self {
        case .tokenIDOutOfRange(let id, let size):
            return "token id \(id) is outside the vocabulary (0..<\(size))"
        case .tokenTypeOutOfRange(let type, let size):
            return "token type id \(type) is outside 0..<\(size)"
        case .sequenceTooLong(let length, let maximum):
            return "sequence of \(length) tokens exceeds max_position_embeddings \(maximum); split it into windows"
        }
    }
}
