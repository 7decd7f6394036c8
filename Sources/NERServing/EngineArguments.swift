import BertNER

/// The engine settings every serving adapter takes (`ner serve` and `ner stream` offer the same
/// flags for them); `ServerArguments` and `StreamArguments` refine it, so the core reads them
/// without copying a field.
public protocol EngineArguments: Sendable {
    var modelDirectory: String { get }
    /// Precision of the encoder's dense products; `auto` (the default) measures which is fastest at load.
    var precision: PrecisionChoice { get }
    /// Cores one forward pass uses (0: every active processor).
    var threads: Int { get }
    /// Overlap between windows of texts longer than the model's positions, in word pieces.
    var stride: Int { get }
    /// Word pieces in one dynamic batch, which is also the bound of one forward pass.
    var maxBatchTokens: Int { get }
    /// How long the batch policy holds a batch for the requests it expects before running it.
    var maxWaitMilliseconds: Int { get }
    /// A dictionary file (`word<TAB>TYPE` lines) applied to every text; reloaded on SIGHUP.
    var dictionaryPath: String? { get }
}
