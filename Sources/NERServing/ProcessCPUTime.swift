import Foundation

/// User + system CPU seconds of a process, from `/proc/<pid>/stat` (Linux; nil elsewhere): what
/// `process_cpu_seconds_total` exports, and what the tests measure a server's core use with.
package enum ProcessCPUTime {
    package static func seconds(pid: String = "self") -> Double? {
        #if os(Linux)
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let afterName = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name; utime and stime are the 14th and 15th of the line.
        let fields = stat[stat.index(after: afterName)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
        #else
        return nil
        #endif
    }
}
