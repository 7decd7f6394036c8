import BertNER
import Foundation

extension BLASKernels {
    /// Writes `warning`, if any, to stderr: `ner info` and `ner bench` report the kernels they timed on.
    func warnOnStandardError() {
        if let warning { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
    }
}
