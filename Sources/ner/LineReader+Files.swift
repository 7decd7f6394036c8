import ArgumentParser
import BertNER
import Foundation

extension LineReader {
    /// Each line of a file (or `/dev/stdin`) for the commands that read texts line by line;
    /// `displayName` names the input in errors.
    static func forEachLine(path: String, displayName: String? = nil, _ body: (String) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ValidationError("cannot open \(path)")
        }
        try forEachLine(in: handle.readDataToEndOfFile(), path: displayName ?? path) { try body($1) }
    }
}
