/// Why `ner stream` cannot start or had to stop. Messages never contain a secret property's value.
public enum StreamError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A `key=value` property that is malformed, unknown to librdkafka, or whose secret is missing.
    case invalidProperty(key: String, reason: String)
    /// A line of `--kafka-properties-file` (line 0: the file itself).
    case propertiesFile(path: String, line: Int, reason: String)
    /// librdkafka refused to create a client.
    case client(String)
    /// A Kafka call failed (`operation`, librdkafka's error name and text).
    case kafka(operation: String, error: String)
    /// A result or dead letter the broker did not take after librdkafka's own retries
    /// (`message.timeout.ms`): the worker stops without committing it, so it is consumed again.
    case deliveryFailed(topic: String, error: String)

    public var description: String {
        switch self {
        case .invalidProperty(let key, let reason): "Kafka property '\(key)': \(reason)"
        case .propertiesFile(let path, let line, let reason): line > 0 ? "\(path):\(line): \(reason)" : "\(path): \(reason)"
        case .client(let message): "cannot create a Kafka client: \(message)"
        case .kafka(let operation, let error): "\(operation): \(error)"
        case .deliveryFailed(let topic, let error): "delivery to '\(topic)' failed: \(error)"
        }
    }
}
