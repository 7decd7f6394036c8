import NERServing

/// The recognition responses written by hand, so that keys come in the documented order (`text`,
/// `entities`, then `EntityJSON`'s) — Foundation's JSONEncoder on Linux does not keep declaration
/// order, and this is the API's most read output.
enum ResponseJSON {
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
        EntityJSON.writeString(response.text, into: &out)
        out += #","entities":"#
        EntityJSON.writeEntities(response.entities, into: &out)
        out += "}"
    }
}
