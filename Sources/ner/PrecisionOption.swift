import ArgumentParser
import BertNER

extension PrecisionChoice: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }

    /// `--precision`, else `NER_PRECISION`, else `fallback`; a misspelt variable is an error, not fp32.
    static func resolve(_ flag: PrecisionChoice?, default fallback: PrecisionChoice) throws -> PrecisionChoice {
        if let flag { return flag }
        guard let value = Environment.string("NER_PRECISION") else { return fallback }
        guard let choice = PrecisionChoice(rawValue: value) else {
            throw ValidationError("NER_PRECISION must be one of \(PrecisionChoice.names.joined(separator: ", ")), not '\(value)'")
        }
        return choice
    }

    /// `NER_PRECISION` when it names a precision (`resolve` reports one that does not).
    static var environment: PrecisionChoice? { Environment.string("NER_PRECISION").flatMap(PrecisionChoice.init(rawValue:)) }

    static let help = ArgumentHelp("Precision of the encoder's dense products: fp32 (exact), bf16 or int8 (oneDNN), or auto (the fastest on this CPU, measured at load). Default: NER_PRECISION, else fp32.")
}

/// `ner bench` times one named precision.
extension Precision: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }

    static let help = ArgumentHelp("Precision of the encoder's dense products: fp32 (exact), bf16 or int8 (oneDNN). Default: NER_PRECISION, else fp32.")
}
