import BertNER
import Foundation
import NERServing
import Testing

/// The entity JSON both adapters write by hand: documented key order, rounding, colours, escaping.
struct EntityJSONTests {
    @Test("entities keep the documented key order, four-decimal scores and the colour of their type")
    func entities() {
        let entities = [Entity(word: "马云", start: 0, end: 2, type: "PER", score: 0.987654),
                        Entity(word: "杭州", start: 3, end: 5, type: "LOC", score: 1, source: .dictionary),
                        Entity(word: "x", start: 6, end: 7, type: "MISC", score: 0.5)]
        var out = ""
        EntityJSON.writeEntities(entities.map(EntityPayload.init), into: &out)
        #expect(out == #"[{"word":"马云","start":0,"end":2,"type":"PER","score":0.9877,"source":"model","color":"red"},"#
            + #"{"word":"杭州","start":3,"end":5,"type":"LOC","score":1.0,"source":"dictionary","color":"cyan"},"#
            + #"{"word":"x","start":6,"end":7,"type":"MISC","score":0.5,"source":"model","color":"magenta"}]"#)
    }

    @Test("strings escape quotes, backslashes and control characters, and nothing else")
    func strings() throws {
        let text = "a\"b\\c\nd\re\tf\u{01}g/h 中文 😀"
        var out = ""
        EntityJSON.writeString(text, into: &out)
        #expect(out == #""a\"b\\c\nd\re\tf\u0001g/h 中文 😀""#)
        #expect(try JSONDecoder().decode(String.self, from: Data(out.utf8)) == text)
    }

    @Test("the first ill-formed UTF-8 byte is found at its offset")
    func utf8() {
        #expect(UTF8Validation.firstInvalidOffset(Array("中文".utf8)) == nil)
        #expect(UTF8Validation.firstInvalidOffset([0x61, 0xE4, 0xB8, 0xFF]) == 1)
        #expect(UTF8Validation.firstInvalidOffset([0xC0, 0x80]) == 0)
    }
}
