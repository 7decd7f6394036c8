import Foundation

/// One encoder configuration for every JSON body the adapters write with `Codable` (`/info`,
/// errors, probes): keys sorted, slashes unescaped.
package enum JSONEncoding {
    package static func data(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        // Encoding our own plain structs cannot fail; an empty object keeps the reply valid JSON anyway.
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }

    package static func string(_ value: some Encodable) -> String {
        String(decoding: data(value), as: UTF8.self)
    }
}
