import Foundation

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

    init(_ options: StreamOptions, environment: [String: String]) throws(StreamError) {
        let user = try KafkaProperties(file: options.kafkaPropertiesFile, assignments: options.kafkaProperties, environment: environment)
        self.user = user
        var shared: [String: String] = ["bootstrap.servers": options.brokers, "client.id": "bertner-stream"]
        var consumer: [String: String] = [
            "group.id": options.group,
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
        if options.exactlyOnce {
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
            producer["transactional.id"] = TransactionalID.resolve(options)
            consumer["isolation.level"] = "read_committed"
        }
        self.consumer = shared.merging(consumer) { _, specific in specific }
        // Consumer-only properties would only make librdkafka warn on the producer.
        self.producer = shared.merging(producer) { _, specific in specific }
    }
}
