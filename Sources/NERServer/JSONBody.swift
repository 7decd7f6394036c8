import Foundation
import Hummingbird

/// JSON responses with one encoder configuration for every route.
package enum JSONBody {
    package static func encode(_ value: some Encodable) -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        // Encoding our own plain structs cannot fail; an empty object keeps the reply valid JSON anyway.
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return ByteBuffer(bytes: data)
    }

    package static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        response(encode(value), status: status)
    }

    package static func response(_ json: String, status: HTTPResponse.Status = .ok) -> Response {
        response(ByteBuffer(string: json), status: status)
    }

    package static func response(_ body: ByteBuffer, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: body))
    }
}
