import Foundation
import NERServing

/// A consumed message made into work: the text to tag and the id its result carries.
public struct StreamInput: Sendable, Equatable {
    /// The JSON message's `id` (a string or an integer, kept as given), or for a plain-text
    /// message `"topic/partition/offset"` — stable across redeliveries.
    public enum ID: Sendable, Equatable {
        case string(String)
        case integer(Int64)
    }

    public var id: ID
    public var text: String
}

/// Why a message went to the dead-letter topic instead of being tagged.
public struct DeadLetterReason: Error, Sendable, Equatable {
    public enum Code: String, Sendable, CaseIterable {
        /// No value, an empty value, or an empty `text`.
        case empty
        case invalidUTF8 = "invalid_utf8"
        case invalidJSON = "invalid_json"
        /// A JSON object without a string `text`, with a wrongly typed `id`, or with other fields.
        case invalidFields = "invalid_fields"
        /// Longer than `--max-text-characters` code points.
        case textTooLong = "text_too_long"
        /// The engine failed on this text (not expected; kept so one text cannot stop a partition).
        case recognitionFailed = "recognition_failed"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// The input contract of `ner stream`: a message value is UTF-8 text, or — when its first
/// non-blank character is `{` — a JSON object `{"id"?: string | integer, "text": string}`.
/// Unknown fields are refused as they are by `POST /ner` (metadata belongs in Kafka headers, which
/// results keep).
public enum MessageDecoding {
    public static func decode(_ value: [UInt8]?, fallbackID: String, maxTextCharacters: Int) -> Result<StreamInput, DeadLetterReason> {
        guard let value, !value.isEmpty else { return .failure(.init(.empty, "the message has no value")) }
        if let offset = UTF8Validation.firstInvalidOffset(value) {
            return .failure(.init(.invalidUTF8, "the value is not valid UTF-8 (byte \(offset))"))
        }
        let input: StreamInput
        if value.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{") {
            do {
                let message = try JSONDecoder().decode(JSONMessage.self, from: Data(value))
                input = StreamInput(id: message.id ?? .string(fallbackID), text: message.text)
            } catch let reason as DeadLetterReason {
                return .failure(reason)
            } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
                let detail = context.underlyingError.map { String(describing: $0) } ?? context.debugDescription
                return .failure(.init(.invalidJSON, "invalid JSON: \(detail)"))
            } catch let DecodingError.keyNotFound(key, _) {
                return .failure(.init(.invalidFields, "missing field '\(key.stringValue)'"))
            } catch let DecodingError.typeMismatch(_, context) {
                return .failure(.init(.invalidFields, "field '\(context.codingPath.last?.stringValue ?? "?")' must be a string"))
            } catch let DecodingError.valueNotFound(_, context) {
                return .failure(.init(.invalidFields, "field '\(context.codingPath.last?.stringValue ?? "?")' must be a string"))
            } catch {
                return .failure(.init(.invalidJSON, "invalid JSON: \(error)"))
            }
        } else {
            input = StreamInput(id: .string(fallbackID), text: String(decoding: value, as: UTF8.self))
        }
        if input.text.isEmpty { return .failure(.init(.empty, "field 'text' is empty")) }
        let characters = input.text.unicodeScalars.count
        guard characters <= maxTextCharacters else {
            return .failure(.init(.textTooLong, "the text has \(characters) characters; the limit is \(maxTextCharacters)"))
        }
        return .success(input)
    }
}

private struct JSONMessage: Decodable {
    var id: StreamInput.ID?
    var text: String

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        if let unknown = container.allKeys.map(\.stringValue).filter({ $0 != "id" && $0 != "text" }).sorted().first {
            throw DeadLetterReason(.invalidFields, "unknown field '\(unknown)'; allowed: 'id', 'text'")
        }
        text = try container.decode(String.self, forKey: Key(stringValue: "text"))
        let idKey = Key(stringValue: "id")
        guard container.contains(idKey) else { return }
        if let string = try? container.decode(String.self, forKey: idKey) {
            id = .string(string)
        } else if let integer = try? container.decode(Int64.self, forKey: idKey) {
            id = .integer(integer)
        } else {
            throw DeadLetterReason(.invalidFields, "field 'id' must be a string or an integer")
        }
    }
}
