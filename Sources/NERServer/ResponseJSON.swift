/// The recognition responses written by hand, so that keys come in the documented order
/// (`text`, `entities`; `word`, `start`, `end`, `type`, `score`, `source`, `color`) — Foundation's
/// JSONEncoder on Linux does not keep declaration order, and this is the API's most read output.
package enum ResponseJSON {
    static func recognize(_ response: RecognizeResponse) -> String {
        var out = ""
        write(response, into: &out)
        return out
    }

    static func batch(_ response: BatchRecognizeResponse) -> String {
        var out = #"{"results":["#
        for (index, result) in response.results.enumerated() {
            if index > 0 { out += "," }
            write(result, into: &out)
        }
        return out + "]}"
    }

    private static func write(_ response: RecognizeResponse, into out: inout String) {
        out += #"{"text":"#
        writeString(response.text, into: &out)
        out += #","entities":"#
        writeEntities(response.entities, into: &out)
        out += "}"
    }

    /// `[{"word", "start", "end", "type", "score", "source", "color"}, …]`: what `/ner` and
    /// `ner stream` results hold.
    package static func writeEntities(_ entities: [EntityPayload], into out: inout String) {
        out += "["
        for (index, e) in entities.enumerated() {
            if index > 0 { out += "," }
            out += #"{"word":"#
            writeString(e.word, into: &out)
            out += #","start":\#(e.start),"end":\#(e.end),"type":"#
            writeString(e.type, into: &out)
            out += #","score":\#(e.score),"source":"#
            writeString(e.source, into: &out)
            out += #","color":"#
            writeString(e.color, into: &out)
            out += "}"
        }
        out += "]"
    }

    /// A JSON string literal (RFC 8259): quotes, backslashes and control characters escaped,
    /// everything else as UTF-8.
    package static func writeString(_ string: String, into out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
