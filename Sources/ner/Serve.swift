import ArgumentParser
import BertNER
import Foundation
import Logging
import NERServer

/// `ner serve`: the HTTP service. Every option also reads an `NER_*` environment variable (the
/// flag wins), which is how containers configure it.
struct Serve: AsyncParsableCommand, ServerArguments {
    static let configuration = CommandConfiguration(
        abstract: "Serve the REST API, probes, metrics and the web page.",
        discussion: """
        Routes: POST /ner, POST /ner/batch, GET /health, /ready, /metrics, /info, /openapi.json, /docs, /.
        The port opens at once; the model loads in the background and /ready turns 200 when it is warm.
        SIGHUP reloads --dictionary (an invalid file keeps the old one and is logged with its line).
        SIGTERM/SIGINT: /ready turns 503, requests are still served for --drain-seconds, in-flight
        requests finish, and the process exits 0.
        """
    )

    private static let defaults = ServerConfiguration()

    @Option(name: .customLong("model"), help: "Model bundle folder (env NER_MODEL).")
    var modelDirectory: String = ModelLocation.defaultBundle
    @Option(help: "Address to bind (env NER_HOST).")
    var host: String = Environment.string("NER_HOST") ?? defaults.host
    @Option(help: "Port to listen on; 0 picks a free one and prints it (env NER_PORT).")
    var port: Int = Environment.int("NER_PORT") ?? defaults.port
    @Option(help: "Largest request body in bytes; larger gets 413 (env NER_MAX_BODY_BYTES).")
    var maxBodyBytes: Int = Environment.int("NER_MAX_BODY_BYTES") ?? defaults.maxBodyBytes
    @Option(help: "Longest text in characters (code points); longer gets 413 (env NER_MAX_TEXT_CHARACTERS).")
    var maxTextCharacters: Int = Environment.int("NER_MAX_TEXT_CHARACTERS") ?? defaults.maxTextCharacters
    @Option(help: "Most texts in one /ner/batch request; more gets 413 (env NER_MAX_BATCH_ITEMS).")
    var maxBatchItems: Int = Environment.int("NER_MAX_BATCH_ITEMS") ?? defaults.maxBatchItems
    @Option(help: "Word pieces in one dynamic batch, also the bound of one forward pass (env NER_MAX_BATCH_TOKENS).")
    var maxBatchTokens: Int = Environment.int("NER_MAX_BATCH_TOKENS") ?? defaults.maxBatchTokens
    @Option(name: .customLong("max-wait-ms"), help: "Longest a batch waits, in milliseconds, for the requests the batch policy expects (those the previous batch answered, and those queued when it ended); it starts as soon as they are in (env NER_MAX_WAIT_MS).")
    var maxWaitMilliseconds: Int = Environment.int("NER_MAX_WAIT_MS") ?? defaults.maxWaitMilliseconds
    @Option(help: "Most texts waiting for the model; beyond, 503 + Retry-After (env NER_MAX_QUEUE).")
    var maxQueue: Int = Environment.int("NER_MAX_QUEUE") ?? defaults.maxQueue
    @Option(help: "Seconds a request may wait for the model before 503 and its work is dropped; 0: no limit (env NER_REQUEST_TIMEOUT_SECONDS).")
    var requestTimeoutSeconds: Double = Environment.double("NER_REQUEST_TIMEOUT_SECONDS") ?? defaults.requestTimeoutSeconds
    @Option(help: "Cores one forward pass uses; 0 uses every active processor (env NER_THREADS).")
    var threads: Int = Environment.int("NER_THREADS") ?? defaults.threads
    @Option(help: "Seconds /ready reports 503 before the listener closes after SIGTERM (env NER_DRAIN_SECONDS).")
    var drainSeconds: Double = Environment.double("NER_DRAIN_SECONDS") ?? defaults.drainSeconds
    @Option(help: "Seconds without traffic before a connection is closed (env NER_IDLE_TIMEOUT_SECONDS).")
    var idleTimeoutSeconds: Double = Environment.double("NER_IDLE_TIMEOUT_SECONDS") ?? defaults.idleTimeoutSeconds
    @Option(help: "Overlap of windows for texts longer than the model's positions, in word pieces (env NER_STRIDE).")
    var stride: Int = Environment.int("NER_STRIDE") ?? defaults.stride
    @Option(help: "Precision of the encoder's dense products: auto (default: the fastest on this CPU, measured at load), int8, bf16 or fp32 (exact) (env NER_PRECISION).")
    var precision: PrecisionChoice = PrecisionChoice.environment ?? defaults.precision
    @Option(name: .customLong("dictionary"), help: "Dictionary file applied to every request: 'word<TAB>TYPE' forces, 'word<TAB>O' blocks; SIGHUP reloads it (env NER_DICTIONARY).")
    var dictionaryPath: String? = Environment.string("NER_DICTIONARY")
    @Option(help: "Most entries a request's own dictionary may have; more gets 413 (env NER_MAX_DICTIONARY_ENTRIES).")
    var maxDictionaryEntries: Int = Environment.int("NER_MAX_DICTIONARY_ENTRIES") ?? defaults.maxDictionaryEntries
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env NER_LOG_LEVEL).")
    var logLevel: String = Environment.string("NER_LOG_LEVEL") ?? defaults.logLevel

    func validate() throws {
        _ = try PrecisionChoice.resolve(nil, default: Self.defaults.precision)  // a misspelt NER_PRECISION is an error
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
        for (name, value) in [("--max-body-bytes", maxBodyBytes), ("--max-text-characters", maxTextCharacters),
                              ("--max-batch-items", maxBatchItems), ("--max-batch-tokens", maxBatchTokens), ("--max-queue", maxQueue),
                              ("--max-dictionary-entries", maxDictionaryEntries)] where value < 1 {
            throw ValidationError("\(name) must be at least 1 (got \(value))")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535 (got \(port))") }
        guard maxWaitMilliseconds >= 0, drainSeconds >= 0, threads >= 0, requestTimeoutSeconds >= 0, idleTimeoutSeconds > 0 else {
            throw ValidationError("--max-wait-ms, --drain-seconds, --request-timeout-seconds and --threads must not be negative; --idle-timeout-seconds must be positive")
        }
        // Seconds become whole milliseconds (a day at most): no overflow, and no deadline that
        // rounds to zero and fails every request.
        for (name, value) in [("--drain-seconds", drainSeconds), ("--request-timeout-seconds", requestTimeoutSeconds),
                              ("--idle-timeout-seconds", idleTimeoutSeconds)] where value != 0 && !(0.001...86_400).contains(value) {
            throw ValidationError("\(name) must be 0.001…86400 seconds (got \(value))")
        }
    }

    func run() async throws {
        ProcessLogging.bootstrap(level: logLevel)
        let service = NERService(configuration: self, logger: Logger(label: "bertner"))
        let host = host
        try await service.run(onServerRunning: { port in
            ProcessLogging.announceListening(host: host, port: port)
        })
    }
}
