import BertNER
import Hummingbird
import NERServing

/// An error the API answers with: an HTTP status, a stable machine-readable `code`, and a message
/// that tells the caller exactly what to fix. Rendered as `{"error": {"code", "message"}}`.
public struct APIError: Error, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// Seconds for the `Retry-After` header (503 only).
    public var retryAfter: Int?
    /// The `Allow` header (405 only).
    public var allow: String?

    public init(status: HTTPResponse.Status, code: String, message: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    static func invalidUTF8(offset: Int) -> APIError {
        APIError(status: .badRequest, code: "invalid_utf8", message: "request body is not valid UTF-8 (bad byte sequence at byte offset \(offset))")
    }
    static func invalidJSON(_ detail: String) -> APIError {
        APIError(status: .badRequest, code: "invalid_json", message: "request body is not valid JSON: \(detail)")
    }
    static func invalidField(_ message: String) -> APIError {
        APIError(status: .badRequest, code: "invalid_field", message: message)
    }
    static func bodyTooLarge(limit: Int) -> APIError {
        APIError(status: .contentTooLarge, code: "body_too_large", message: "request body exceeds the limit of \(limit) bytes")
    }
    static func textTooLong(field: String, characters: Int, limit: Int) -> APIError {
        APIError(status: .contentTooLarge, code: "text_too_long",
                 message: "\(field) has \(characters) characters; the limit is \(limit) (split the text or raise --max-text-characters)")
    }
    static func batchTooLarge(count: Int, limit: Int) -> APIError {
        APIError(status: .contentTooLarge, code: "batch_too_large",
                 message: "texts has \(count) items; the limit is \(limit) per request")
    }
    static func dictionaryTooLarge(_ message: String) -> APIError {
        APIError(status: .contentTooLarge, code: "dictionary_too_large", message: message)
    }
    /// A request dictionary entry the model cannot honour: `dictionary[2]: unknown type …`.
    static func invalidDictionary(_ error: DictionaryError) -> APIError {
        let reason: String
        if case .conflictingDuplicate(_, _, let word, let type, let firstLine, let firstType) = error {
            reason = "'\(word)' is \(type) here but \(firstType) in dictionary[\(firstLine - 1)]"
        } else {
            reason = error.reason
        }
        return APIError(status: .unprocessableContent, code: "invalid_dictionary", message: "dictionary[\((error.line ?? 1) - 1)]: \(reason)")
    }
    static func invalidTypes(_ message: String) -> APIError {
        APIError(status: .unprocessableContent, code: "invalid_types", message: message)
    }
    static func queueFull(limit: Int) -> APIError {
        APIError(status: .serviceUnavailable, code: "overloaded",
                 message: "the server is at capacity (\(limit) texts queued); retry shortly", retryAfter: 1)
    }
    static func deadlineExceeded(seconds: Double) -> APIError {
        APIError(status: .serviceUnavailable, code: "deadline_exceeded",
                 message: "the request waited \(seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)) s for the model without being served (--request-timeout-seconds); retry shortly",
                 retryAfter: 1)
    }
    /// The client closed the connection before its answer was ready (nginx's 499); nobody reads
    /// this response, it exists for the access metrics.
    static let clientGone = APIError(status: .init(code: 499, reasonPhrase: "Client Closed Request"), code: "client_gone",
                                     message: "the client closed the connection before the answer was ready")
    /// The serving core's refusals (loading, draining, no model) are all 503.
    init(_ unavailable: ServiceUnavailable) {
        self.init(status: .serviceUnavailable, code: unavailable.code, message: unavailable.message, retryAfter: unavailable.retryAfter)
    }
    static func notFound(path: String) -> APIError {
        APIError(status: .notFound, code: "not_found", message: "no route for \(path); see /docs")
    }
    static func methodNotAllowed(method: String, path: String, allowed: String?) -> APIError {
        var error = APIError(status: .methodNotAllowed, code: "method_not_allowed",
                             message: "\(method) is not allowed on \(path)\(allowed.map { "; use \($0)" } ?? ""); see /docs")
        error.allow = allowed
        return error
    }
    static let internalError = APIError(status: .internalServerError, code: "internal",
                                        message: "the server failed to process the request; it has been logged")

    var body: ErrorBody { ErrorBody(code: code, message: message) }

    func response() -> Response {
        var response = JSONBody.response(body, status: status)
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        if let allow { response.headers[.allow] = allow }
        return response
    }
}
