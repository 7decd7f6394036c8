/// Everything `ner serve` can be told: where to listen, which model, and the limits that keep one
/// client from taking the process down. Defaults are the documented ones (`ner serve --help`).
public struct ServerConfiguration: Sendable {
    public var host: String = "0.0.0.0"
    public var port: Int = 8000
    public var modelDirectory: String = "Weights/default"
    /// Largest request body accepted, in bytes (413 beyond).
    public var maxBodyBytes: Int = 1 << 20
    /// Longest single text, in Unicode code points (413 beyond).
    public var maxTextCharacters: Int = 20_000
    /// Most texts in one `/ner/batch` request (413 beyond).
    public var maxBatchItems: Int = 64
    /// Token budget of one dynamic batch (texts are packed up to this many characters).
    public var maxBatchTokens: Int = 4_096
    /// How long the batcher waits for company before running a lone request.
    public var maxWaitMilliseconds: Int = 0
    /// Most texts waiting for the model; beyond it requests get 503 + Retry-After.
    public var maxQueue: Int = 512
    /// Cores one forward pass uses (0: every active processor).
    public var threads: Int = 0
    /// After SIGTERM, how long `/ready` answers 503 while requests are still served, so that load
    /// balancers stop sending before the listener closes.
    public var drainSeconds: Double = 3
    /// A connection with no traffic for this long is closed, so idle or stalled clients cannot
    /// hold sockets forever.
    public var idleTimeoutSeconds: Double = 30
    /// Overlap between windows of texts longer than the model's positions, in word pieces.
    public var stride: Int = 128

    public init() {}
}
