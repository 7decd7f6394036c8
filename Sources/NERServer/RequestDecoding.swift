import Foundation
import Hummingbird
import NERServing

/// Turns a request body into a validated request, or an `APIError` that names the problem:
/// invalid UTF-8 (with the byte offset), invalid JSON, a non-object body, unknown, missing or
/// wrongly typed fields, and texts or batches over the configured limits. Public so that
/// embedders (and the fuzz target in Fuzz/) can validate bodies exactly as the routes do.
public struct RequestDecoding: Sendable {
    public let configuration: HTTPOptions

    public init(configuration: HTTPOptions) {
        self.configuration = configuration
    }

    /// The longest word a request's dictionary entry may have, in code points.
    public static let maxDictionaryWordCharacters = 64

    public func recognizeRequest(from body: ByteBuffer) throws(APIError) -> RecognizeRequest {
        let request: RecognizeRequest = try decode(body)
        try checkLength(request.text, field: "text")
        try check(request.options)
        return request
    }

    public func batchRequest(from body: ByteBuffer) throws(APIError) -> BatchRecognizeRequest {
        let request: BatchRecognizeRequest = try decode(body)
        guard request.texts.count <= configuration.maxBatchItems else {
            throw .batchTooLarge(count: request.texts.count, limit: configuration.maxBatchItems)
        }
        for (index, text) in request.texts.enumerated() {
            try checkLength(text, field: "texts[\(index)]")
        }
        try check(request.options)
        return request
    }

    /// The bounds on a request's dictionary; what its entries mean is checked against the model.
    private func check(_ options: RecognizeOptions) throws(APIError) {
        guard let entries = options.dictionary else { return }
        guard entries.count <= configuration.maxDictionaryEntries else {
            throw .dictionaryTooLarge("dictionary has \(entries.count) entries; the limit is \(configuration.maxDictionaryEntries) per request (load large dictionaries with --dictionary)")
        }
        for (index, entry) in entries.enumerated() where entry.word.unicodeScalars.count > Self.maxDictionaryWordCharacters {
            throw .dictionaryTooLarge("dictionary[\(index)].word has \(entry.word.unicodeScalars.count) characters; the limit is \(Self.maxDictionaryWordCharacters)")
        }
    }

    private func checkLength(_ text: String, field: String) throws(APIError) {
        let characters = text.unicodeScalars.count
        guard characters <= configuration.maxTextCharacters else {
            throw .textTooLong(field: field, characters: characters, limit: configuration.maxTextCharacters)
        }
    }

    private func decode<T: Decodable>(_ body: ByteBuffer) throws(APIError) -> T {
        let bytes = body.readableBytesView
        if let offset = UTF8Validation.firstInvalidOffset(bytes) { throw .invalidUTF8(offset: offset) }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let error as APIError {
            throw error
        } catch let error as DecodingError {
            throw Self.apiError(for: error)
        } catch {
            throw .invalidJSON(String(describing: error))
        }
    }

    private static func apiError(for error: DecodingError) -> APIError {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            let detail = (context.underlyingError.map { String(describing: $0) }) ?? context.debugDescription
            return .invalidJSON(detail)
        case .typeMismatch(_, let context) where context.codingPath.isEmpty:
            return .invalidField("request body must be a JSON object")
        case .typeMismatch(let expected, let context), .valueNotFound(let expected, let context):
            let field = path(context.codingPath)
            let what: String
            if expected == String.self {
                what = "a string"
            } else if field.hasPrefix("dictionary") {
                what = field.hasSuffix("]") ? #"an object {"word": …, "type": …}"# : #"an array of {"word": …, "type": …} objects"#
            } else if String(describing: expected).hasPrefix("Array") {
                what = "an array of strings"
            } else {
                what = "\(expected)"
            }
            return .invalidField("field '\(field)' must be \(what)")
        case .keyNotFound(let key, let context):
            return .invalidField("missing field '\(path(context.codingPath + [key]))'")
        case .dataCorrupted(let context):
            return .invalidField("field '\(path(context.codingPath))': \(context.debugDescription)")
        @unknown default:
            return .invalidJSON(String(describing: error))
        }
    }

    /// `texts[3]` style paths for messages.
    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.reduce("") { path, key in
            if let index = key.intValue { return path + "[\(index)]" }
            return path.isEmpty ? key.stringValue : path + "." + key.stringValue
        }
    }
}

/// Keys of a request object, so that unknown ones can be named in the error.
private struct FieldKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Rejects fields other than `allowed`: a misspelt field must not be silently ignored.
private func checkFields(_ container: KeyedDecodingContainer<FieldKey>, allowed: [String]) throws {
    if let unknown = container.allKeys.map(\.stringValue).filter({ !allowed.contains($0) }).sorted().first {
        let path = (container.codingPath.last?.intValue).map { "dictionary[\($0)]." } ?? ""
        throw APIError.invalidField("unknown field '\(path)\(unknown)'; allowed: \(allowed.map { "'\($0)'" }.joined(separator: ", "))")
    }
}

extension RecognizeOptions {
    static let fields = ["dictionary", "types"]

    /// Absent fields are nil; `null` is a wrongly typed field, as the schema says.
    fileprivate init(from container: KeyedDecodingContainer<FieldKey>) throws {
        func field<T: Decodable>(_ name: String) throws -> T? {
            let key = FieldKey(stringValue: name)
            return container.contains(key) ? try container.decode(T.self, forKey: key) : nil
        }
        dictionary = try field("dictionary")
        types = try field("types")
    }
}

extension RecognizeRequest: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: FieldKey.self)
        try checkFields(container, allowed: ["text"] + RecognizeOptions.fields)
        text = try container.decode(String.self, forKey: FieldKey(stringValue: "text"))
        options = try RecognizeOptions(from: container)
    }
}

extension BatchRecognizeRequest: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: FieldKey.self)
        try checkFields(container, allowed: ["texts"] + RecognizeOptions.fields)
        texts = try container.decode([String].self, forKey: FieldKey(stringValue: "texts"))
        options = try RecognizeOptions(from: container)
    }
}

extension DictionaryEntryPayload: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: FieldKey.self)
        try checkFields(container, allowed: ["word", "type"])
        word = try container.decode(String.self, forKey: FieldKey(stringValue: "word"))
        type = try container.decode(String.self, forKey: FieldKey(stringValue: "type"))
    }
}
