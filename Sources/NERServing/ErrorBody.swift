/// `{"error": {"code", "message"}}`: how every adapter reports an error.
package struct ErrorBody: Codable, Equatable, Sendable {
    struct Detail: Codable, Equatable, Sendable {
        var code: String
        var message: String
    }

    var error: Detail

    package init(code: String, message: String) {
        error = Detail(code: code, message: message)
    }
}
