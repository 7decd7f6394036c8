import Foundation
import Testing
@testable import NERStream

/// The input contract: plain UTF-8 text or `{"id"?, "text"}`; everything else is a dead letter
/// with a precise reason.
@Suite struct MessageDecodingTests {
    private func decode(_ bytes: [UInt8]?, limit: Int = 100) -> Result<StreamInput, DeadLetterReason> {
        MessageDecoding.decode(bytes, fallbackID: "in/0/7", maxTextCharacters: limit)
    }

    private func decode(_ text: String, limit: Int = 100) -> Result<StreamInput, DeadLetterReason> {
        decode(Array(text.utf8), limit: limit)
    }

    private func reason(_ result: Result<StreamInput, DeadLetterReason>) -> DeadLetterReason? {
        if case .failure(let reason) = result { return reason }
        return nil
    }

    @Test func plainText() {
        #expect(decode("马云在杭州") == .success(StreamInput(id: .string("in/0/7"), text: "马云在杭州")))
        // Not JSON unless it starts with "{": a text that merely contains braces is a text.
        #expect(decode("他说{不}") == .success(StreamInput(id: .string("in/0/7"), text: "他说{不}")))
    }

    @Test func jsonMessages() {
        #expect(decode(#"{"id": 42, "text": "北京"}"#) == .success(StreamInput(id: .integer(42), text: "北京")))
        #expect(decode(#" {"id": "doc-1", "text": "上海"}"#) == .success(StreamInput(id: .string("doc-1"), text: "上海")))
        #expect(decode(#"{"text": "上海"}"#) == .success(StreamInput(id: .string("in/0/7"), text: "上海")))
    }

    @Test func deadLetters() {
        let cases: [([UInt8]?, DeadLetterReason.Code, String)] = [
            (nil, .empty, "the message has no value"),
            ([], .empty, "the message has no value"),
            (Array(#"{"text": ""}"#.utf8), .empty, "field 'text' is empty"),
            ([0xE5, 0x8C, 0x97, 0xFF, 0x41], .invalidUTF8, "the value is not valid UTF-8 (byte 3)"),
            (Array(#"{"text": "a""#.utf8), .invalidJSON, "invalid JSON"),
            (Array(#"{"id": 1}"#.utf8), .invalidFields, "missing field 'text'"),
            (Array(#"{"text": 3}"#.utf8), .invalidFields, "field 'text' must be a string"),
            (Array(#"{"text": null}"#.utf8), .invalidFields, "field 'text' must be a string"),
            (Array(#"{"text": "a", "id": 1.5}"#.utf8), .invalidFields, "field 'id' must be a string or an integer"),
            (Array(#"{"text": "a", "id": [1]}"#.utf8), .invalidFields, "field 'id' must be a string or an integer"),
            (Array(#"{"text": "a", "url": "x", "lang": "zh"}"#.utf8), .invalidFields, "unknown field 'lang'; allowed: 'id', 'text'"),
            (Array(String(repeating: "中", count: 101).utf8), .textTooLong, "the text has 101 characters; the limit is 100"),
        ]
        for (bytes, code, message) in cases {
            let found = reason(decode(bytes))
            #expect(found?.code == code, "\(String(describing: bytes))")
            #expect(found?.message.hasPrefix(message) == true, "\(found?.message ?? "accepted")")
        }
        // The limit counts code points, not bytes: 100 Chinese characters are 300 bytes and pass.
        #expect(reason(decode(String(repeating: "中", count: 100))) == nil)
    }
}

@Suite struct StreamRecordsTests {
    @Test func resultKeepsKeyOrderAndEscapes() throws {
        let record = StreamRecords.result(id: .integer(7), text: "a\"b", entities: [], model: "default", version: "1.0")
        #expect(String(decoding: record, as: UTF8.self) == #"{"id":7,"text":"a\"b","entities":[],"model":"default","version":"1.0"}"#)
        let withoutText = StreamRecords.result(id: .string("x"), text: nil, entities: [], model: "m", version: "v")
        #expect(String(decoding: withoutText, as: UTF8.self) == #"{"id":"x","entities":[],"model":"m","version":"v"}"#)
    }

    @Test func deadLetterCarriesReasonSourceAndValue() throws {
        let source = TopicPartition(topic: "in", partition: 3)
        let text = StreamRecords.deadLetter(.init(.invalidJSON, "invalid JSON: x"), source: source, offset: 12, value: Array("{oops".utf8))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text)) as? [String: Any])
        #expect((object["error"] as? [String: String]) == ["code": "invalid_json", "message": "invalid JSON: x"])
        #expect((object["source"] as? [String: Any])?["offset"] as? Int == 12)
        #expect((object["source"] as? [String: Any])?["partition"] as? Int == 3)
        #expect(object["value"] as? String == "{oops")
        // Bytes that are not UTF-8 travel exactly, as base64.
        let binary = StreamRecords.deadLetter(.init(.invalidUTF8, "bad"), source: source, offset: 1, value: [0xFF, 0x00])
        let binaryObject = try #require(try JSONSerialization.jsonObject(with: Data(binary)) as? [String: Any])
        #expect(binaryObject["value_base64"] as? String == "/wA=")
        #expect(binaryObject["value"] == nil)
    }
}
