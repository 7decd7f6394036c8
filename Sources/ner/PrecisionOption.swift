import ArgumentParser
import BertNER
import NERServing

extension PrecisionChoice {
    static let help = ArgumentHelp("Precision of the encoder's dense products: fp32 (exact), bf16 or int8 (oneDNN), or auto (the fastest on this CPU, measured at load). Default: NER_PRECISION, else fp32.")
}

/// `ner bench` times one named precision.
extension Precision: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }

    static let help = ArgumentHelp("Precision of the encoder's dense products: fp32 (exact), bf16 or int8 (oneDNN). Default: NER_PRECISION, else fp32.")
}
