import Foundation

enum Progress {
    /// A one-line progress bar on standard error.
    static func show(done: Int, total: Int, seconds: Double) {
        let width = 30
        let filled = total == 0 ? width : width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let rate = Double(done) / max(seconds, 1e-9)
        FileHandle.standardError.write(Data(String(format: "\r[%@] %d/%d sentences  %.0f/s", bar, done, total, rate).utf8))
    }
}
