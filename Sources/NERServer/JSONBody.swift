import Hummingbird
import NERServing

/// JSON responses, encoded as every adapter encodes them (`JSONEncoding`).
enum JSONBody {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        response(ByteBuffer(bytes: JSONEncoding.data(value)), status: status)
    }

    static func response(_ json: String, status: HTTPResponse.Status = .ok) -> Response {
        response(ByteBuffer(string: json), status: status)
    }

    static func response(_ body: ByteBuffer, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: body))
    }
}
