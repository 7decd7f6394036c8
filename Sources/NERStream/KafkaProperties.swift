import Foundation

/// librdkafka configuration properties as the user gave them: a properties file, then
/// `--kafka-property key=value` (later wins). A value `${env:NAME}` is read from the environment
/// and `${file:PATH}` from a file (trailing newline dropped), so secrets come from a Kubernetes
/// Secret and never sit on a command line. Values of secret properties are never shown: `redacted`
/// is what logs and `/info` print, and `scrub(_:)` cleans librdkafka's own messages.
public struct KafkaProperties: Sendable, Equatable {
    public private(set) var values: [String: String] = [:]

    public init() {}

    /// `file` (may be nil) is read first; `assignments` are `key=value` strings.
    public init(file: String?, assignments: [String], environment: [String: String] = ProcessInfo.processInfo.environment) throws(StreamError) {
        if let file {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw .propertiesFile(path: file, line: 0, reason: "cannot read: \(error.localizedDescription)")
            }
            for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
                if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("!") { continue }
                do {
                    let (key, value) = try Self.split(line)
                    try set(key, value, environment: environment)
                } catch {
                    throw .propertiesFile(path: file, line: index + 1, reason: error.description)
                }
            }
        }
        for assignment in assignments {
            let (key, value) = try Self.split(assignment)
            try set(key, value, environment: environment)
        }
    }

    public subscript(key: String) -> String? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// Properties whose values must not be shown: passwords, keys, tokens and OAuth/SASL secrets.
    public static func isSecret(_ key: String) -> Bool {
        let key = key.lowercased()
        return ["password", "secret", "sasl.oauthbearer.config", "sasl.jaas", "ssl.key.pem", "ssl_key", "keystore", "token"]
            .contains { key.contains($0) }
    }

    /// Every property, with secret values replaced by `***`.
    public var redacted: [String: String] {
        values.reduce(into: [:]) { $0[$1.key] = Self.isSecret($1.key) ? "***" : $1.value }
    }

    /// `message` with every secret value (and the secret part of any value) replaced by `***`:
    /// librdkafka quotes a rejected value in its error text.
    public func scrub(_ message: String) -> String {
        var message = message
        for (key, value) in values where Self.isSecret(key) && !value.isEmpty {
            message = message.replacingOccurrences(of: value, with: "***")
        }
        return message
    }

    private static func split(_ assignment: String) throws(StreamError) -> (String, String) {
        guard let equals = assignment.firstIndex(of: "=") else {
            throw .invalidProperty(key: assignment.contains(where: \.isWhitespace) ? "?" : assignment, reason: "expected key=value")
        }
        let key = assignment[..<equals].trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty else { throw .invalidProperty(key: "", reason: "empty property name") }
        return (key, assignment[assignment.index(after: equals)...].trimmingCharacters(in: .whitespaces))
    }

    private mutating func set(_ key: String, _ value: String, environment: [String: String]) throws(StreamError) {
        values[key] = try Self.expand(value, key: key, environment: environment)
    }

    /// `${env:NAME}` / `${file:PATH}` → the secret; anything else as given.
    static func expand(_ value: String, key: String, environment: [String: String]) throws(StreamError) -> String {
        guard value.hasPrefix("${"), value.hasSuffix("}") else { return value }
        let reference = value.dropFirst(2).dropLast()
        if reference.hasPrefix("env:") {
            let name = String(reference.dropFirst(4))
            guard let found = environment[name], !found.isEmpty else {
                throw .invalidProperty(key: key, reason: "environment variable \(name) is not set")
            }
            return found
        }
        if reference.hasPrefix("file:") {
            let path = String(reference.dropFirst(5))
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw .invalidProperty(key: key, reason: "cannot read \(path)")
            }
            return text.hasSuffix("\n") ? String(text.dropLast()) : text
        }
        return value
    }
}
