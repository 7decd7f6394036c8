import Foundation

/// The lines of a UTF-8 text file, for every reader of line-based input (tagged corpora, `ner tag
/// --file`, standard input): `\n` or `\r\n` endings, a final newline does not make an empty last
/// line, and invalid UTF-8 is an error naming the line rather than a replaced character.
package enum LineReader {
    struct InvalidUTF8: Error, Equatable, CustomStringConvertible {
        let path: String
        let line: Int
        var description: String { "\(path):\(line): invalid UTF-8" }
    }

    /// Calls `body` with each line's 1-based number and text. `path` only names the input in errors.
    package static func forEachLine(in data: Data, path: String, _ body: (Int, String) throws -> Void) throws {
        var number = 0
        for raw in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            var bytes = raw
            if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
            if bytes.isEmpty && raw.endIndex == data.endIndex && number > 1 { break }  // after the final newline
            guard let line = String(validating: bytes, as: UTF8.self) else {
                throw InvalidUTF8(path: path, line: number)
            }
            try body(number, line)
        }
    }
}
