import ArgumentParser
import BertNER

/// The engine's settings, which `ner serve` and `ner stream` take alike (`@OptionGroup`): each one
/// declared once, with its flag, help, `NER_*` variable and default. Embedders and tests build one
/// with `try EngineOptions.parse([...])` and may then assign fields.
public struct EngineOptions: ParsableArguments, Encodable, Sendable {
    @Option(name: .customLong("model"), help: "Model bundle folder (env NER_MODEL).")
    public var modelDirectory: String = ModelLocation.defaultBundle

    @Option(help: "Precision of the encoder's dense products: auto (default: the fastest on this CPU, measured at load), int8, bf16 or fp32 (exact) (env NER_PRECISION).")
    public var precision: PrecisionChoice = PrecisionChoice.environment ?? .auto

    @Option(help: "Cores one forward pass uses; 0 uses every active processor (env NER_THREADS).")
    public var threads: Int = Environment.int("NER_THREADS") ?? 0

    @Option(help: "Overlap of windows for texts longer than the model's positions, in word pieces (env NER_STRIDE).")
    public var stride: Int = Environment.int("NER_STRIDE") ?? 128

    @Option(help: "Word pieces in one dynamic batch, also the bound of one forward pass (env NER_MAX_BATCH_TOKENS).")
    public var maxBatchTokens: Int = Environment.int("NER_MAX_BATCH_TOKENS") ?? 4_096

    @Option(name: .customLong("dictionary"), help: "Dictionary file applied to every text: 'word<TAB>TYPE' forces, 'word<TAB>O' blocks; SIGHUP reloads it (env NER_DICTIONARY).")
    public var dictionaryPath: String? = Environment.string("NER_DICTIONARY")

    public init() {}

    public func validate() throws {
        _ = try PrecisionChoice.resolve(nil, default: .auto)  // a misspelt NER_PRECISION is an error
        guard maxBatchTokens >= 1 else { throw ValidationError("--max-batch-tokens must be at least 1 (got \(maxBatchTokens))") }
        guard threads >= 0 else { throw ValidationError("--threads must not be negative (got \(threads))") }
    }

    /// The settings a loaded pipeline decides, read back from it, so `/info` reports what the engine
    /// uses (`--threads 0` becomes the cores in use); without a pipeline (still loading) as configured.
    package func inForce(in pipeline: NERPipeline?) -> EngineOptions {
        guard let pipeline else { return self }
        var options = self
        options.threads = pipeline.threads
        options.maxBatchTokens = pipeline.maxTokensPerForward
        options.stride = pipeline.windowing.stride
        return options
    }
}
