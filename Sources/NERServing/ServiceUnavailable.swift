/// Why the service does not take work now — still loading, draining, or without a model — in
/// words both adapters answer with: a stable `code`, a message that says what to do, and when to
/// retry. HTTP-free; each adapter renders it (HTTP: 503 with `Retry-After`).
package struct ServiceUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    package var code: String
    package var message: String
    /// Seconds after which a retry may succeed (nil: retrying here will not help).
    package var retryAfter: Int?

    package static let notReady = ServiceUnavailable(code: "not_ready", message: "the model is still loading; retry shortly", retryAfter: 1)
    package static let draining = ServiceUnavailable(code: "draining",
                                                     message: "the server is shutting down; send the request to another replica", retryAfter: 1)
    package static func modelFailed(_ reason: String) -> ServiceUnavailable {
        ServiceUnavailable(code: "model_failed", message: "the model failed to load: \(reason)")
    }

    package var description: String { message }

    /// `{"error": {"code", "message"}}`, the error body of every adapter.
    package var json: String { JSONEncoding.string(ErrorBody(code: code, message: message)) }
}
