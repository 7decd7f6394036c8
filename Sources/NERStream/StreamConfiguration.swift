import BertNER
import NERServing

/// Everything `ner stream` can be told. As with `ServerArguments`, the command itself is the
/// configuration: the worker reads its settings through this protocol, the engine's (model,
/// precision, threads, stride, batch budget and wait, dictionary) through `EngineArguments`.
public protocol StreamArguments: EngineArguments {
    /// `host:port[,host:port…]`: librdkafka's `bootstrap.servers`.
    var brokers: String { get }
    var inputTopic: String { get }
    var outputTopic: String { get }
    var group: String { get }
    /// Where messages that cannot be tagged go, with the reason; nil: logged, counted and skipped.
    var deadLetterTopic: String? { get }
    /// `key=value` librdkafka properties for both clients; `consumer.`/`producer.` prefixes
    /// address one. Values may be `${env:NAME}` or `${file:PATH}`.
    var kafkaProperties: [String] { get }
    var kafkaPropertiesFile: String? { get }
    /// Results repeat the input text.
    var includeText: Bool { get }
    /// Messages consumed but not yet acknowledged; the consumer waits beyond it.
    var maxInFlight: Int { get }
    /// Longer texts are dead-lettered (`text_too_long`).
    var maxTextCharacters: Int { get }
    /// How often acknowledged offsets are committed.
    var commitIntervalMilliseconds: Int { get }
    /// Transactions instead of commits: results, dead letters and input offsets of one commit
    /// interval become visible to `read_committed` consumers together, or not at all.
    var exactlyOnce: Bool { get }
    /// The producer's `transactional.id` with `exactlyOnce`; nil: `<group>-<hostname>` (the pod
    /// name in Kubernetes), see `TransactionalID`.
    var transactionalId: String? { get }
    /// After SIGTERM (or on a rebalance), how long in-flight messages may take to be produced and
    /// acknowledged before the worker gives up on them (they are then consumed again elsewhere).
    var drainTimeoutSeconds: Double { get }
    /// The probe port: `/health`, `/ready`, `/metrics`, `/info`.
    var host: String { get }
    var port: Int { get }
    var logLevel: String { get }
}

/// The settings as plain values with the documented defaults; what `GET /info` reports (secret
/// property values redacted).
public struct StreamConfiguration: StreamArguments, Codable, Equatable, EngineSettingsReport {
    public var brokers = "localhost:9092"
    public var inputTopic = "ner-input"
    public var outputTopic = "ner-output"
    public var group = "bertner"
    public var deadLetterTopic: String?
    public var kafkaProperties: [String] = []
    public var kafkaPropertiesFile: String?
    public var includeText = false
    public var modelDirectory = "Weights/default"
    public var precision = PrecisionChoice.auto
    public var threads = 0
    public var stride = 128
    public var dictionaryPath: String?
    public var maxBatchTokens = 4_096
    public var maxWaitMilliseconds = 5
    public var maxInFlight = 256
    public var maxTextCharacters = 20_000
    public var commitIntervalMilliseconds = 200
    public var exactlyOnce = false
    public var transactionalId: String?
    public var drainTimeoutSeconds = 30.0
    public var host = "0.0.0.0"
    public var port = 8080
    public var logLevel = "info"

    public init() {}

    public init(_ arguments: some StreamArguments) {
        brokers = arguments.brokers
        inputTopic = arguments.inputTopic
        outputTopic = arguments.outputTopic
        group = arguments.group
        deadLetterTopic = arguments.deadLetterTopic
        kafkaProperties = arguments.kafkaProperties
        kafkaPropertiesFile = arguments.kafkaPropertiesFile
        includeText = arguments.includeText
        modelDirectory = arguments.modelDirectory
        precision = arguments.precision
        threads = arguments.threads
        stride = arguments.stride
        dictionaryPath = arguments.dictionaryPath
        maxBatchTokens = arguments.maxBatchTokens
        maxWaitMilliseconds = arguments.maxWaitMilliseconds
        maxInFlight = arguments.maxInFlight
        maxTextCharacters = arguments.maxTextCharacters
        commitIntervalMilliseconds = arguments.commitIntervalMilliseconds
        exactlyOnce = arguments.exactlyOnce
        transactionalId = arguments.transactionalId
        drainTimeoutSeconds = arguments.drainTimeoutSeconds
        host = arguments.host
        port = arguments.port
        logLevel = arguments.logLevel
    }

    /// For `/info` and logs: `--kafka-property` values of secret properties become `***`.
    public var redacted: StreamConfiguration {
        var copy = self
        copy.kafkaProperties = kafkaProperties.map { assignment in
            guard let equals = assignment.firstIndex(of: "=") else { return assignment }
            let key = assignment[..<equals].trimmingCharacters(in: .whitespaces)
            return KafkaProperties.isSecret(key) ? "\(key)=***" : assignment
        }
        return copy
    }
}

/// The two clients' librdkafka properties: what the worker requires, then the user's.
struct KafkaClientProperties: Sendable {
    var consumer: [String: String]
    var producer: [String: String]
    /// Everything the user gave (for scrubbing secrets out of messages).
    var user: KafkaProperties

    /// Properties the worker's delivery guarantee depends on: the user may not change them.
    static let managed: [String: String] = [
        "enable.auto.commit": "false",
        "enable.auto.offset.store": "false",
    ]

    init(_ arguments: some StreamArguments, environment: [String: String]) throws(StreamError) {
        let user = try KafkaProperties(file: arguments.kafkaPropertiesFile, assignments: arguments.kafkaProperties, environment: environment)
        self.user = user
        var shared: [String: String] = ["bootstrap.servers": arguments.brokers, "client.id": "bertner-stream"]
        var consumer: [String: String] = [
            "group.id": arguments.group,
            "auto.offset.reset": "earliest",
            // librdkafka 2.0's default: a dead worker's partitions move after this long without heartbeats.
            "session.timeout.ms": "45000",
        ]
        var producer: [String: String] = ["enable.idempotence": "true", "linger.ms": "5"]
        for (key, value) in user.values {
            if key.hasPrefix("consumer.") {
                consumer[String(key.dropFirst("consumer.".count))] = value
            } else if key.hasPrefix("producer.") {
                producer[String(key.dropFirst("producer.".count))] = value
            } else if key == "group.id" {
                throw .invalidProperty(key: key, reason: "set the group with --group")
            } else {
                shared[key] = value
            }
        }
        for (key, value) in Self.managed where (consumer[key] ?? shared[key]).map({ $0 != value }) ?? false {
            throw .invalidProperty(key: key, reason: "must stay \(value): ner stream commits offsets itself, after results are acknowledged")
        }
        consumer.merge(Self.managed) { _, managed in managed }
        if arguments.exactlyOnce {
            // Exactly-once depends on these: refused rather than overridden, so nobody believes a
            // setting that is not in force. (A prefixed value counts as much as a shared one.)
            func given(_ key: String, _ client: String) -> String? { user.values["\(client).\(key)"] ?? user.values[key] }
            if given("transactional.id", "producer") != nil {
                throw .invalidProperty(key: "transactional.id", reason: "set it with --transactional-id (NER_TRANSACTIONAL_ID) under --exactly-once")
            }
            if let idempotence = given("enable.idempotence", "producer"), idempotence != "true" {
                throw .invalidProperty(key: "enable.idempotence", reason: "must stay true under --exactly-once (transactions need the idempotent producer)")
            }
            // Inputs written by transactional producers are read only once committed.
            if let isolation = given("isolation.level", "consumer"), isolation != "read_committed" {
                throw .invalidProperty(key: "isolation.level", reason: "must stay read_committed under --exactly-once")
            }
            producer["transactional.id"] = TransactionalID.resolve(arguments)
            consumer["isolation.level"] = "read_committed"
        }
        self.consumer = shared.merging(consumer) { _, specific in specific }
        // Consumer-only properties would only make librdkafka warn on the producer.
        self.producer = shared.merging(producer) { _, specific in specific }
    }
}
