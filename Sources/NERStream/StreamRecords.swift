import BertNER
import Foundation
import NERServing

/// What `ner stream` produces, written by hand so keys come in the documented order.
enum StreamRecords {
    /// `{"id", "text"?, "entities", "model", "version"}` on the output topic.
    static func result(id: StreamInput.ID, text: String?, entities: [Entity], model: String, version: String) -> [UInt8] {
        var out = #"{"id":"#
        write(id, into: &out)
        if let text {
            out += #","text":"#
            EntityJSON.writeString(text, into: &out)
        }
        out += #","entities":"#
        EntityJSON.writeEntities(entities.map(EntityPayload.init), into: &out)
        out += #","model":"#
        EntityJSON.writeString(model, into: &out)
        out += #","version":"#
        EntityJSON.writeString(version, into: &out)
        out += "}"
        return Array(out.utf8)
    }

    /// `{"error": {"code", "message"}, "source": {"topic", "partition", "offset"}, "value" | "value_base64"}`
    /// on the dead-letter topic: enough to find, fix and replay the message (the original key and
    /// headers travel with it).
    static func deadLetter(_ reason: DeadLetterReason, source: TopicPartition, offset: Int64, value: [UInt8]?) -> [UInt8] {
        var out = #"{"error":{"code":"#
        EntityJSON.writeString(reason.code.rawValue, into: &out)
        out += #","message":"#
        EntityJSON.writeString(reason.message, into: &out)
        out += #"},"source":{"topic":"#
        EntityJSON.writeString(source.topic, into: &out)
        out += #","partition":\#(source.partition),"offset":\#(offset)}"#
        if let value {
            if reason.code != .invalidUTF8, let text = String(validating: value, as: UTF8.self) {
                out += #","value":"#
                EntityJSON.writeString(text, into: &out)
            } else {
                out += #","value_base64":"\#(Data(value).base64EncodedString())""#
            }
        }
        out += "}"
        return Array(out.utf8)
    }

    private static func write(_ id: StreamInput.ID, into out: inout String) {
        switch id {
        case .string(let string): EntityJSON.writeString(string, into: &out)
        case .integer(let integer): out += String(integer)
        }
    }
}
