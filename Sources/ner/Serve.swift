import ArgumentParser
import BertNER
import Foundation
import Logging
import NERServer

/// `ner serve`: the HTTP service. Every option also reads an `NER_*` environment variable (the
/// flag wins), which is how containers configure it.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the REST API, probes, metrics and the web page.",
        discussion: """
        Routes: POST /ner, POST /ner/batch, GET /health, /ready, /metrics, /info, /openapi.json, /docs, /.
        The port opens at once; the model loads in the background and /ready turns 200 when it is warm.
        SIGTERM/SIGINT: /ready turns 503, requests are still served for --drain-seconds, in-flight
        requests finish, and the process exits 0.
        """
    )

    @Option(help: "Model bundle folder (env NER_MODEL).")
    var model: String = ModelLocation.defaultBundle
    @Option(help: "Address to bind (env NER_HOST).")
    var host: String = Environment.string("NER_HOST") ?? "0.0.0.0"
    @Option(help: "Port to listen on; 0 picks a free one and prints it (env NER_PORT).")
    var port: Int = Environment.int("NER_PORT") ?? 8000
    @Option(help: "Largest request body in bytes; larger gets 413 (env NER_MAX_BODY_BYTES).")
    var maxBodyBytes: Int = Environment.int("NER_MAX_BODY_BYTES") ?? ServerConfiguration().maxBodyBytes
    @Option(help: "Longest text in characters (code points); longer gets 413 (env NER_MAX_TEXT_CHARACTERS).")
    var maxTextCharacters: Int = Environment.int("NER_MAX_TEXT_CHARACTERS") ?? ServerConfiguration().maxTextCharacters
    @Option(help: "Most texts in one /ner/batch request; more gets 413 (env NER_MAX_BATCH_ITEMS).")
    var maxBatchItems: Int = Environment.int("NER_MAX_BATCH_ITEMS") ?? ServerConfiguration().maxBatchItems
    @Option(help: "Token budget of one dynamic batch (env NER_MAX_BATCH_TOKENS).")
    var maxBatchTokens: Int = Environment.int("NER_MAX_BATCH_TOKENS") ?? ServerConfiguration().maxBatchTokens
    @Option(help: "Milliseconds a lone request waits for others to batch with (env NER_MAX_WAIT_MS).")
    var maxWaitMs: Int = Environment.int("NER_MAX_WAIT_MS") ?? ServerConfiguration().maxWaitMilliseconds
    @Option(help: "Most texts waiting for the model; beyond, 503 + Retry-After (env NER_MAX_QUEUE).")
    var maxQueue: Int = Environment.int("NER_MAX_QUEUE") ?? ServerConfiguration().maxQueue
    @Option(help: "Cores one forward pass uses; 0 uses every active processor (env NER_THREADS).")
    var threads: Int = Environment.int("NER_THREADS") ?? 0
    @Option(help: "Seconds /ready reports 503 before the listener closes after SIGTERM (env NER_DRAIN_SECONDS).")
    var drainSeconds: Double = Environment.double("NER_DRAIN_SECONDS") ?? ServerConfiguration().drainSeconds
    @Option(help: "Seconds without traffic before a connection is closed (env NER_IDLE_TIMEOUT_SECONDS).")
    var idleTimeoutSeconds: Double = Environment.double("NER_IDLE_TIMEOUT_SECONDS") ?? ServerConfiguration().idleTimeoutSeconds
    @Option(help: "Overlap of windows for texts longer than the model's positions, in word pieces (env NER_STRIDE).")
    var stride: Int = Environment.int("NER_STRIDE") ?? ServerConfiguration().stride
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env NER_LOG_LEVEL).")
    var logLevel: String = Environment.string("NER_LOG_LEVEL") ?? "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
        for (name, value) in [("--max-body-bytes", maxBodyBytes), ("--max-text-characters", maxTextCharacters),
                              ("--max-batch-items", maxBatchItems), ("--max-batch-tokens", maxBatchTokens), ("--max-queue", maxQueue)] where value < 1 {
            throw ValidationError("\(name) must be at least 1 (got \(value))")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535 (got \(port))") }
        guard maxWaitMs >= 0, drainSeconds >= 0, threads >= 0, idleTimeoutSeconds > 0 else {
            throw ValidationError("--max-wait-ms, --drain-seconds and --threads must not be negative; --idle-timeout-seconds must be positive")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.modelDirectory = model
        configuration.maxBodyBytes = maxBodyBytes
        configuration.maxTextCharacters = maxTextCharacters
        configuration.maxBatchItems = maxBatchItems
        configuration.maxBatchTokens = maxBatchTokens
        configuration.maxWaitMilliseconds = maxWaitMs
        configuration.maxQueue = maxQueue
        configuration.drainSeconds = drainSeconds
        configuration.stride = stride
        configuration.idleTimeoutSeconds = idleTimeoutSeconds
        let service = NERService(configuration: configuration, logger: Logger(label: "bertner"))
        let host = host
        try await service.run(onServerRunning: { port in
            // One line on stdout that scripts (and the tests) wait for, with the real port.
            FileHandle.standardOutput.write(Data("listening on http://\(host):\(port.map(String.init) ?? "?")\n".utf8))
        })
    }
}

/// `NER_*` environment variables as option defaults.
enum Environment {
    static func string(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }
    static func int(_ name: String) -> Int? { string(name).flatMap { Int($0) } }
    static func double(_ name: String) -> Double? { string(name).flatMap { Double($0) } }
}
