import ArgumentParser
import BertNER

/// `--precision` of every command, here because `EngineOptions` declares it.
extension PrecisionChoice: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }

    /// `--precision`, else `NER_PRECISION`, else `fallback`; a misspelt variable is an error, not fp32.
    package static func resolve(_ flag: PrecisionChoice?, default fallback: PrecisionChoice) throws -> PrecisionChoice {
        if let flag { return flag }
        guard let value = Environment.string("NER_PRECISION") else { return fallback }
        guard let choice = PrecisionChoice(rawValue: value) else {
            throw ValidationError("NER_PRECISION must be one of \(PrecisionChoice.names.joined(separator: ", ")), not '\(value)'")
        }
        return choice
    }

    /// `NER_PRECISION` when it names a precision (`resolve` reports one that does not).
    package static var environment: PrecisionChoice? { Environment.string("NER_PRECISION").flatMap(PrecisionChoice.init(rawValue:)) }
}
