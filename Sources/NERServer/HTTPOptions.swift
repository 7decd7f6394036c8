import ArgumentParser
import Logging
import NERServing

/// The settings of `ner serve` beyond the engine's (`EngineOptions`): where to listen, and the
/// limits that keep one client from taking the process down. Each is declared once, with its flag,
/// help, `NER_*` variable and default; the command takes the group with `@OptionGroup`, `NERService`
/// takes it as a value, and `/info` reports it. Tests build one with `try HTTPOptions.parse([])`.
public struct HTTPOptions: ParsableArguments, Encodable, Sendable {
    @Option(help: "Address to bind (env NER_HOST).")
    public var host: String = Environment.string("NER_HOST") ?? "0.0.0.0"

    @Option(help: "Port to listen on; 0 picks a free one and prints it (env NER_PORT).")
    public var port: Int = Environment.int("NER_PORT") ?? 8000

    @Option(help: "Largest request body in bytes; larger gets 413 (env NER_MAX_BODY_BYTES).")
    public var maxBodyBytes: Int = Environment.int("NER_MAX_BODY_BYTES") ?? 1 << 20

    @Option(help: "Longest text in characters (code points); longer gets 413 (env NER_MAX_TEXT_CHARACTERS).")
    public var maxTextCharacters: Int = Environment.int("NER_MAX_TEXT_CHARACTERS") ?? 20_000

    @Option(help: "Most texts in one /ner/batch request; more gets 413 (env NER_MAX_BATCH_ITEMS).")
    public var maxBatchItems: Int = Environment.int("NER_MAX_BATCH_ITEMS") ?? 64

    /// Short by default: an HTTP client waits for its answer, so a batch should not.
    @Option(name: .customLong("max-wait-ms"), help: "Longest a batch waits, in milliseconds, for the requests the batch policy expects (those the previous batch answered, and those queued when it ended); it starts as soon as they are in (env NER_MAX_WAIT_MS).")
    public var maxWaitMilliseconds: Int = Environment.int("NER_MAX_WAIT_MS") ?? 1

    @Option(help: "Most texts waiting for the model; beyond, 503 + Retry-After (env NER_MAX_QUEUE).")
    public var maxQueue: Int = Environment.int("NER_MAX_QUEUE") ?? 512

    @Option(help: "Seconds a request may wait for the model before 503 and its work is dropped; 0: no limit (env NER_REQUEST_TIMEOUT_SECONDS).")
    public var requestTimeoutSeconds: Double = Environment.double("NER_REQUEST_TIMEOUT_SECONDS") ?? 60

    @Option(help: "Seconds /ready reports 503 before the listener closes after SIGTERM (env NER_DRAIN_SECONDS).")
    public var drainSeconds: Double = Environment.double("NER_DRAIN_SECONDS") ?? 3

    @Option(help: "Seconds without traffic before a connection is closed (env NER_IDLE_TIMEOUT_SECONDS).")
    public var idleTimeoutSeconds: Double = Environment.double("NER_IDLE_TIMEOUT_SECONDS") ?? 30

    @Option(help: "Most entries a request's own dictionary may have; more gets 413 (env NER_MAX_DICTIONARY_ENTRIES).")
    public var maxDictionaryEntries: Int = Environment.int("NER_MAX_DICTIONARY_ENTRIES") ?? 1_000

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env NER_LOG_LEVEL).")
    public var logLevel: String = Environment.string("NER_LOG_LEVEL") ?? "info"

    public init() {}

    public func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
        for (name, value) in [("--max-body-bytes", maxBodyBytes), ("--max-text-characters", maxTextCharacters),
                              ("--max-batch-items", maxBatchItems), ("--max-queue", maxQueue),
                              ("--max-dictionary-entries", maxDictionaryEntries)] where value < 1 {
            throw ValidationError("\(name) must be at least 1 (got \(value))")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535 (got \(port))") }
        guard maxWaitMilliseconds >= 0, drainSeconds >= 0, requestTimeoutSeconds >= 0, idleTimeoutSeconds > 0 else {
            throw ValidationError("--max-wait-ms, --drain-seconds and --request-timeout-seconds must not be negative; --idle-timeout-seconds must be positive")
        }
        // Seconds become whole milliseconds (a day at most): no overflow, and no deadline that
        // rounds to zero and fails every request.
        for (name, value) in [("--drain-seconds", drainSeconds), ("--request-timeout-seconds", requestTimeoutSeconds),
                              ("--idle-timeout-seconds", idleTimeoutSeconds)] where value != 0 && !(0.001...86_400).contains(value) {
            throw ValidationError("\(name) must be 0.001…86400 seconds (got \(value))")
        }
    }
}
