/// Entities as both adapters write them, by hand, so that keys come in the documented order
/// (`word`, `start`, `end`, `type`, `score`, `source`, `color`) — Foundation's JSONEncoder on Linux
/// does not keep declaration order, and this is the most read output of `/ner` and `ner stream`.
package enum EntityJSON {
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
