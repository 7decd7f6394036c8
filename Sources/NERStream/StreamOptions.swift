import ArgumentParser
import Foundation
import Logging
import NERServing

/// The settings of `ner stream` beyond the engine's (`EngineOptions`): the brokers, topics and
/// group, the librdkafka properties, delivery, and the probe port. Each is declared once, with its
/// flag, help, `NER_*` variable and default; the command takes the group with `@OptionGroup`,
/// `StreamWorker` takes it as a value, and `/info` reports it (`redacted`). Tests build one with
/// `try StreamOptions.parse([])`.
public struct StreamOptions: ParsableArguments, Encodable, Sendable {
    /// `host:port[,host:port…]`: librdkafka's `bootstrap.servers`.
    @Option(help: "Bootstrap brokers host:port[,host:port…] (env NER_BROKERS).")
    public var brokers: String = Environment.string("NER_BROKERS") ?? "localhost:9092"

    @Option(help: "Topic to read texts from (env NER_INPUT_TOPIC).")
    public var inputTopic: String = Environment.string("NER_INPUT_TOPIC") ?? "ner-input"

    @Option(help: "Topic to write results to (env NER_OUTPUT_TOPIC).")
    public var outputTopic: String = Environment.string("NER_OUTPUT_TOPIC") ?? "ner-output"

    @Option(help: "Consumer group (env NER_GROUP).")
    public var group: String = Environment.string("NER_GROUP") ?? "bertner"

    /// nil: messages that cannot be tagged are logged, counted and skipped.
    @Option(help: "Topic for messages that cannot be tagged; without it they are logged and skipped (env NER_DEAD_LETTER_TOPIC).")
    public var deadLetterTopic: String? = Environment.string("NER_DEAD_LETTER_TOPIC")

    /// `consumer.`/`producer.` prefixes address one client; values may be `${env:NAME}` or `${file:PATH}`.
    @Option(name: .customLong("kafka-property"), help: "A librdkafka property key=value, repeatable (env NER_KAFKA_PROPERTIES, comma-separated).")
    public var kafkaProperties: [String] = Environment.string("NER_KAFKA_PROPERTIES")?.split(separator: ",").map(String.init) ?? []

    @Option(help: "A file of key=value librdkafka properties (env NER_KAFKA_PROPERTIES_FILE).")
    public var kafkaPropertiesFile: String? = Environment.string("NER_KAFKA_PROPERTIES_FILE")

    @Flag(inversion: .prefixedNo, help: "Repeat the input text in each result (env NER_INCLUDE_TEXT=1).")
    public var includeText: Bool = Environment.bool("NER_INCLUDE_TEXT") ?? false

    /// Longer than `ner serve`'s default: nobody waits on one message, and fuller batches are faster.
    @Option(name: .customLong("max-wait-ms"), help: "Longest a batch waits, in milliseconds, for as many messages as the previous batch answered and left queued; it starts as soon as they are in (env NER_MAX_WAIT_MS).")
    public var maxWaitMilliseconds: Int = Environment.int("NER_MAX_WAIT_MS") ?? 5

    /// Also the request queue's bound: the queue never refuses a consumed message.
    @Option(help: "Messages consumed but not yet acknowledged before the consumer waits (env NER_MAX_IN_FLIGHT).")
    public var maxInFlight: Int = Environment.int("NER_MAX_IN_FLIGHT") ?? 256

    @Option(help: "Longest text in characters; longer goes to the dead-letter topic (env NER_MAX_TEXT_CHARACTERS).")
    public var maxTextCharacters: Int = Environment.int("NER_MAX_TEXT_CHARACTERS") ?? 20_000

    @Option(name: .customLong("commit-interval-ms"), help: "Milliseconds between commits of acknowledged offsets (env NER_COMMIT_INTERVAL_MS).")
    public var commitIntervalMilliseconds: Int = Environment.int("NER_COMMIT_INTERVAL_MS") ?? 200

    /// Transactions instead of commits: results, dead letters and input offsets of one commit
    /// interval become visible to `read_committed` consumers together, or not at all.
    @Flag(inversion: .prefixedNo, help: """
        Exactly-once: a transactional producer commits results, dead letters and input offsets together \
        every --commit-interval-ms; read the output with isolation.level=read_committed (env NER_EXACTLY_ONCE=1).
        """)
    public var exactlyOnce: Bool = Environment.bool("NER_EXACTLY_ONCE") ?? false

    /// nil: `<group>-<hostname>` (the pod name in Kubernetes), see `TransactionalID`.
    @Option(help: "transactional.id under --exactly-once, unique per worker; default <group>-<hostname> (env NER_TRANSACTIONAL_ID).")
    public var transactionalId: String? = Environment.string("NER_TRANSACTIONAL_ID")

    /// After it, in-flight messages are given up (and consumed again elsewhere).
    @Option(help: "Seconds in-flight messages may take to finish after SIGTERM or a revoke (env NER_DRAIN_TIMEOUT_SECONDS).")
    public var drainTimeoutSeconds: Double = Environment.double("NER_DRAIN_TIMEOUT_SECONDS") ?? 30

    @Option(help: "Address of the probe port (env NER_HOST).")
    public var host: String = Environment.string("NER_HOST") ?? "0.0.0.0"

    @Option(help: "Probe port (/health, /ready, /metrics, /info); 0 picks a free one and prints it (env NER_PORT).")
    public var port: Int = Environment.int("NER_PORT") ?? 8080

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env NER_LOG_LEVEL).")
    public var logLevel: String = Environment.string("NER_LOG_LEVEL") ?? "info"

    public init() {}

    public func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
        for (name, value) in [("--input-topic", inputTopic), ("--output-topic", outputTopic), ("--group", group), ("--brokers", brokers)]
        where value.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("\(name) must not be empty")
        }
        if deadLetterTopic == inputTopic || outputTopic == inputTopic {
            throw ValidationError("--output-topic and --dead-letter-topic must differ from --input-topic (results would be consumed again)")
        }
        for (name, value) in [("--max-in-flight", maxInFlight), ("--max-text-characters", maxTextCharacters),
                              ("--commit-interval-ms", commitIntervalMilliseconds)] where value < 1 {
            throw ValidationError("\(name) must be at least 1 (got \(value))")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535 (got \(port))") }
        guard maxWaitMilliseconds >= 0, (0.001...86_400).contains(drainTimeoutSeconds) else {
            throw ValidationError("--max-wait-ms must not be negative; --drain-timeout-seconds must be 0.001…86400")
        }
    }

    /// For `/info` and logs: `--kafka-property` values of secret properties become `***`.
    public var redacted: StreamOptions {
        var copy = self
        copy.kafkaProperties = kafkaProperties.map { assignment in
            guard let equals = assignment.firstIndex(of: "=") else { return assignment }
            let key = assignment[..<equals].trimmingCharacters(in: .whitespaces)
            return KafkaProperties.isSecret(key) ? "\(key)=***" : assignment
        }
        return copy
    }
}
