import ArgumentParser
import BertNER
import Foundation
import Logging
import NERStream

/// `ner stream`: the Kafka worker. Every option also reads an `NER_*` environment variable (the
/// flag wins), as `ner serve` does.
struct Stream: AsyncParsableCommand, StreamArguments {
    static let configuration = CommandConfiguration(
        abstract: "Tag a Kafka topic into another as a consumer-group member (at-least-once, or exactly-once with transactions).",
        discussion: """
        Input messages: UTF-8 text, or JSON {"id"?: string|integer, "text": string}. Output: JSON
        {"id", "text"?, "entities", "model", "version"} with the input's key and headers, in input
        order per key. Offsets commit only after the broker acknowledged the results (with --exactly-once,
        in the same transaction as the results). Bad messages go
        to --dead-letter-topic with the reason and source partition/offset.
        Any librdkafka property passes with --kafka-property key=value (prefix consumer. or producer.
        for one client); ${env:NAME} and ${file:PATH} values keep secrets off the command line.
        Probes on --port: /health, /ready, /metrics, /info. SIGHUP reloads --dictionary. SIGTERM:
        stop fetching, finish the messages in flight, commit, leave the group, exit 0.
        """
    )

    private static let defaults = StreamConfiguration()

    @Option(help: "Bootstrap brokers host:port[,host:port…] (env NER_BROKERS).")
    var brokers: String = Environment.string("NER_BROKERS") ?? defaults.brokers
    @Option(help: "Topic to read texts from (env NER_INPUT_TOPIC).")
    var inputTopic: String = Environment.string("NER_INPUT_TOPIC") ?? defaults.inputTopic
    @Option(help: "Topic to write results to (env NER_OUTPUT_TOPIC).")
    var outputTopic: String = Environment.string("NER_OUTPUT_TOPIC") ?? defaults.outputTopic
    @Option(help: "Consumer group (env NER_GROUP).")
    var group: String = Environment.string("NER_GROUP") ?? defaults.group
    @Option(help: "Topic for messages that cannot be tagged; without it they are logged and skipped (env NER_DEAD_LETTER_TOPIC).")
    var deadLetterTopic: String? = Environment.string("NER_DEAD_LETTER_TOPIC")
    @Option(name: .customLong("kafka-property"), help: "A librdkafka property key=value, repeatable (env NER_KAFKA_PROPERTIES, comma-separated).")
    var kafkaProperties: [String] = Environment.string("NER_KAFKA_PROPERTIES")?.split(separator: ",").map(String.init) ?? []
    @Option(help: "A file of key=value librdkafka properties (env NER_KAFKA_PROPERTIES_FILE).")
    var kafkaPropertiesFile: String? = Environment.string("NER_KAFKA_PROPERTIES_FILE")
    @Flag(inversion: .prefixedNo, help: "Repeat the input text in each result (env NER_INCLUDE_TEXT=1).")
    var includeText: Bool = Environment.bool("NER_INCLUDE_TEXT") ?? defaults.includeText
    @Option(name: .customLong("model"), help: "Model bundle folder (env NER_MODEL).")
    var modelDirectory: String = ModelLocation.defaultBundle
    @Option(help: "Precision of the encoder's dense products: auto (default: the fastest on this CPU, measured at load), int8, bf16 or fp32 (exact) (env NER_PRECISION).")
    var precision: PrecisionChoice = PrecisionChoice.environment ?? defaults.precision
    @Option(help: "Cores one forward pass uses; 0 uses every active processor (env NER_THREADS).")
    var threads: Int = Environment.int("NER_THREADS") ?? defaults.threads
    @Option(help: "Overlap of windows for long texts, in word pieces (env NER_STRIDE).")
    var stride: Int = Environment.int("NER_STRIDE") ?? defaults.stride
    @Option(name: .customLong("dictionary"), help: "Dictionary file applied to every message; SIGHUP reloads it (env NER_DICTIONARY).")
    var dictionaryPath: String? = Environment.string("NER_DICTIONARY")
    @Option(help: "Word pieces in one dynamic batch / forward pass (env NER_MAX_BATCH_TOKENS).")
    var maxBatchTokens: Int = Environment.int("NER_MAX_BATCH_TOKENS") ?? defaults.maxBatchTokens
    @Option(name: .customLong("max-wait-ms"), help: "Longest a batch waits, in milliseconds, for as many messages as the previous batch answered and left queued; it starts as soon as they are in (env NER_MAX_WAIT_MS).")
    var maxWaitMilliseconds: Int = Environment.int("NER_MAX_WAIT_MS") ?? defaults.maxWaitMilliseconds
    @Option(help: "Messages consumed but not yet acknowledged before the consumer waits (env NER_MAX_IN_FLIGHT).")
    var maxInFlight: Int = Environment.int("NER_MAX_IN_FLIGHT") ?? defaults.maxInFlight
    @Option(help: "Longest text in characters; longer goes to the dead-letter topic (env NER_MAX_TEXT_CHARACTERS).")
    var maxTextCharacters: Int = Environment.int("NER_MAX_TEXT_CHARACTERS") ?? defaults.maxTextCharacters
    @Option(name: .customLong("commit-interval-ms"), help: "Milliseconds between commits of acknowledged offsets (env NER_COMMIT_INTERVAL_MS).")
    var commitIntervalMilliseconds: Int = Environment.int("NER_COMMIT_INTERVAL_MS") ?? defaults.commitIntervalMilliseconds
    @Flag(inversion: .prefixedNo, help: """
        Exactly-once: a transactional producer commits results, dead letters and input offsets together \
        every --commit-interval-ms; read the output with isolation.level=read_committed (env NER_EXACTLY_ONCE=1).
        """)
    var exactlyOnce: Bool = Environment.bool("NER_EXACTLY_ONCE") ?? defaults.exactlyOnce
    @Option(help: "transactional.id under --exactly-once, unique per worker; default <group>-<hostname> (env NER_TRANSACTIONAL_ID).")
    var transactionalId: String? = Environment.string("NER_TRANSACTIONAL_ID")
    @Option(help: "Seconds in-flight messages may take to finish after SIGTERM or a revoke (env NER_DRAIN_TIMEOUT_SECONDS).")
    var drainTimeoutSeconds: Double = Environment.double("NER_DRAIN_TIMEOUT_SECONDS") ?? defaults.drainTimeoutSeconds
    @Option(help: "Address of the probe port (env NER_HOST).")
    var host: String = Environment.string("NER_HOST") ?? defaults.host
    @Option(help: "Probe port (/health, /ready, /metrics, /info); 0 picks a free one and prints it (env NER_PORT).")
    var port: Int = Environment.int("NER_PORT") ?? defaults.port
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env NER_LOG_LEVEL).")
    var logLevel: String = Environment.string("NER_LOG_LEVEL") ?? defaults.logLevel

    func validate() throws {
        _ = try PrecisionChoice.resolve(nil, default: Self.defaults.precision)
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
        for (name, value) in [("--input-topic", inputTopic), ("--output-topic", outputTopic), ("--group", group), ("--brokers", brokers)]
        where value.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("\(name) must not be empty")
        }
        if deadLetterTopic == inputTopic || outputTopic == inputTopic {
            throw ValidationError("--output-topic and --dead-letter-topic must differ from --input-topic (results would be consumed again)")
        }
        for (name, value) in [("--max-batch-tokens", maxBatchTokens), ("--max-in-flight", maxInFlight),
                              ("--max-text-characters", maxTextCharacters), ("--commit-interval-ms", commitIntervalMilliseconds)] where value < 1 {
            throw ValidationError("\(name) must be at least 1 (got \(value))")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535 (got \(port))") }
        guard maxWaitMilliseconds >= 0, threads >= 0, (0.001...86_400).contains(drainTimeoutSeconds) else {
            throw ValidationError("--max-wait-ms and --threads must not be negative; --drain-timeout-seconds must be 0.001…86400")
        }
    }

    func run() async throws {
        ProcessLogging.bootstrap(level: logLevel)
        let worker = StreamWorker(configuration: self, logger: Logger(label: "bertner.stream"))
        let host = host
        try await worker.runApplication(onServerRunning: { port in
            ProcessLogging.announceListening(host: host, port: port)
        })
    }
}
