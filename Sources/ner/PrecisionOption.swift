import ArgumentParser
import BertNER

extension Precision: ExpressibleByArgument {
    /// `--precision`, else `NER_PRECISION`, else `fallback`; a misspelt variable is an error, not fp32.
    static func resolve(_ flag: Precision?, default fallback: Precision) throws -> Precision {
        if let flag { return flag }
        guard let value = Environment.string("NER_PRECISION") else { return fallback }
        guard let precision = Precision(argument: value) else {
            throw ValidationError("NER_PRECISION must be one of \(Precision.allCases.map(\.rawValue).joined(separator: ", ")), not '\(value)'")
        }
        return precision
    }

    /// `NER_PRECISION` when it names a precision (`resolve` reports one that does not).
    static var environment: Precision? { Environment.string("NER_PRECISION").flatMap(Precision.init(argument:)) }

    static let help = ArgumentHelp("Precision of the encoder's dense products: fp32 (exact), bf16 or int8 (oneDNN). Default: NER_PRECISION, else fp32.")
}
