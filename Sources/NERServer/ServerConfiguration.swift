import BertNER
import NERServing

/// Everything `ner serve` can be told: where to listen, which model, and the limits that keep one
/// client from taking the process down. `NERService` reads its settings through this protocol, so
/// the `ner serve` command itself is the configuration (Hummingbird's `AppArguments` pattern): no
/// field is copied by hand, and a new setting does not compile until the command offers it. The
/// engine's settings (model, precision, threads, stride, batch budget and wait, dictionary) come
/// from `EngineArguments`, which `ner stream` takes too.
public protocol ServerArguments: EngineArguments {
    var host: String { get }
    var port: Int { get }
    /// Largest request body accepted, in bytes (413 beyond).
    var maxBodyBytes: Int { get }
    /// Longest single text, in Unicode code points (413 beyond).
    var maxTextCharacters: Int { get }
    /// Most texts in one `/ner/batch` request (413 beyond).
    var maxBatchItems: Int { get }
    /// Most texts waiting for the model; beyond it requests get 503 + Retry-After.
    var maxQueue: Int { get }
    /// A request still waiting for the model after this long gets 503 and its work is dropped
    /// (0: no deadline).
    var requestTimeoutSeconds: Double { get }
    /// After SIGTERM, how long `/ready` answers 503 while requests are still served, so that load
    /// balancers stop sending before the listener closes.
    var drainSeconds: Double { get }
    /// A connection with no traffic for this long is closed, so idle or stalled clients cannot
    /// hold sockets forever.
    var idleTimeoutSeconds: Double { get }
    /// Most entries one request's own `dictionary` may have (413 beyond).
    var maxDictionaryEntries: Int { get }
    /// swift-log level name (trace … critical); reported by `/info`, applied by `ner serve`.
    var logLevel: String { get }
}

/// The settings as plain values, with the documented defaults (`ner serve --help`): for embedders
/// and tests, the source of the command's defaults, and what `GET /info` reports.
public struct ServerConfiguration: ServerArguments, Codable, EngineSettingsReport {
    public var host: String = "0.0.0.0"
    public var port: Int = 8000
    public var modelDirectory: String = "Weights/default"
    public var maxBodyBytes: Int = 1 << 20
    public var maxTextCharacters: Int = 20_000
    public var maxBatchItems: Int = 64
    public var maxBatchTokens: Int = 4_096
    public var maxWaitMilliseconds: Int = 1
    public var maxQueue: Int = 512
    public var requestTimeoutSeconds: Double = 60
    public var threads: Int = 0
    public var drainSeconds: Double = 3
    public var idleTimeoutSeconds: Double = 30
    public var stride: Int = 128
    public var precision: PrecisionChoice = .auto
    public var dictionaryPath: String?
    public var maxDictionaryEntries: Int = 1_000
    public var logLevel: String = "info"

    public init() {}

    /// The values of any `ServerArguments` (the `ner serve` command, say), as a plain value.
    public init(_ arguments: some ServerArguments) {
        host = arguments.host
        port = arguments.port
        modelDirectory = arguments.modelDirectory
        maxBodyBytes = arguments.maxBodyBytes
        maxTextCharacters = arguments.maxTextCharacters
        maxBatchItems = arguments.maxBatchItems
        maxBatchTokens = arguments.maxBatchTokens
        maxWaitMilliseconds = arguments.maxWaitMilliseconds
        maxQueue = arguments.maxQueue
        requestTimeoutSeconds = arguments.requestTimeoutSeconds
        threads = arguments.threads
        drainSeconds = arguments.drainSeconds
        idleTimeoutSeconds = arguments.idleTimeoutSeconds
        stride = arguments.stride
        precision = arguments.precision
        dictionaryPath = arguments.dictionaryPath
        maxDictionaryEntries = arguments.maxDictionaryEntries
        logLevel = arguments.logLevel
    }
}
