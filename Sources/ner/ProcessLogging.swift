import Foundation
import Logging

/// What `ner serve` and `ner stream` share as long-running processes: logs on stderr at the
/// configured level, and one stdout line with the real port that scripts (and the tests) wait for.
enum ProcessLogging {
    static func bootstrap(level name: String) {
        let level = Logger.Level(rawValue: name) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    static func announceListening(host: String, port: Int?) {
        FileHandle.standardOutput.write(Data("listening on http://\(host):\(port.map(String.init) ?? "?")\n".utf8))
    }
}
