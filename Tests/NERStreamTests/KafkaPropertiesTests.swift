import Foundation
import Testing
@testable import NERStream

/// Properties pass through to librdkafka; secrets come from the environment or a file and are
/// never shown.
@Suite struct KafkaPropertiesTests {
    @Test func fileThenAssignmentsWithSecretReferences() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bertner-props-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let secret = directory.appendingPathComponent("password")
        try "s3cret-from-file\n".write(to: secret, atomically: true, encoding: .utf8)
        let file = directory.appendingPathComponent("client.properties")
        try """
        # a comment
        security.protocol = SASL_SSL
        sasl.mechanisms=PLAIN
        sasl.password=${file:\(secret.path)}
        linger.ms=1
        """.write(to: file, atomically: true, encoding: .utf8)
        let properties = try KafkaProperties(file: file.path, assignments: ["linger.ms=20", "sasl.username=${env:KAFKA_USER}"],
                                             environment: ["KAFKA_USER": "svc"])
        #expect(properties.values == ["security.protocol": "SASL_SSL", "sasl.mechanisms": "PLAIN", "sasl.password": "s3cret-from-file",
                                      "linger.ms": "20", "sasl.username": "svc"])
        #expect(properties.redacted["sasl.password"] == "***")
        #expect(properties.redacted["sasl.username"] == "svc")
        #expect(properties.scrub("Invalid value \"s3cret-from-file\" for sasl.password") == "Invalid value \"***\" for sasl.password")
    }

    @Test func errorsNameTheProblem() {
        #expect(throws: StreamError.invalidProperty(key: "linger.ms", reason: "expected key=value")) {
            try KafkaProperties(file: nil, assignments: ["linger.ms"])
        }
        #expect(throws: StreamError.invalidProperty(key: "sasl.password", reason: "environment variable NOPE is not set")) {
            try KafkaProperties(file: nil, assignments: ["sasl.password=${env:NOPE}"], environment: [:])
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bertner-bad-\(UUID().uuidString).properties")
        try? "a=1\nno equals here\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(throws: StreamError.propertiesFile(path: file.path, line: 2, reason: "Kafka property '?': expected key=value")) {
            try KafkaProperties(file: file.path, assignments: [])
        }
    }

    @Test func managedPropertiesCannotBeChanged() throws {
        var configuration: StreamOptions = StreamTestSupport.options([])
        configuration.kafkaProperties = ["enable.auto.commit=true"]
        #expect(throws: StreamError.self) { try KafkaClientProperties(configuration, environment: [:]) }
        configuration.kafkaProperties = ["group.id=other"]
        #expect(throws: StreamError.invalidProperty(key: "group.id", reason: "set the group with --group")) {
            try KafkaClientProperties(configuration, environment: [:])
        }
        configuration.kafkaProperties = ["consumer.fetch.wait.max.ms=50", "producer.linger.ms=0", "client.id=mine"]
        let clients = try KafkaClientProperties(configuration, environment: [:])
        #expect(clients.consumer["fetch.wait.max.ms"] == "50" && clients.producer["fetch.wait.max.ms"] == nil)
        #expect(clients.producer["linger.ms"] == "0" && clients.consumer["linger.ms"] == nil)
        #expect(clients.consumer["client.id"] == "mine" && clients.producer["client.id"] == "mine")
        #expect(clients.consumer["enable.auto.commit"] == "false" && clients.consumer["group.id"] == configuration.group)
        #expect(clients.producer["enable.idempotence"] == "true")
    }

    /// `--exactly-once` sets the transactional id and read_committed, and refuses settings that
    /// would silently undo them.
    @Test func exactlyOnceProperties() throws {
        var configuration: StreamOptions = StreamTestSupport.options([])
        configuration.group = "g"
        configuration.transactionalId = "ignored-without-exactly-once"
        #expect(try KafkaClientProperties(configuration, environment: [:]).producer["transactional.id"] == nil)
        configuration.exactlyOnce = true
        configuration.transactionalId = nil
        let clients = try KafkaClientProperties(configuration, environment: [:])
        #expect(clients.producer["transactional.id"] == "g-\(TransactionalID.hostname)")
        #expect(clients.consumer["transactional.id"] == nil)
        #expect(clients.consumer["isolation.level"] == "read_committed")
        #expect(clients.producer["enable.idempotence"] == "true")
        configuration.transactionalId = "worker-7"
        #expect(try KafkaClientProperties(configuration, environment: [:]).producer["transactional.id"] == "worker-7")
        for (property, key) in [("transactional.id=mine", "transactional.id"), ("producer.transactional.id=mine", "transactional.id"),
                                ("enable.idempotence=false", "enable.idempotence"), ("consumer.isolation.level=read_uncommitted", "isolation.level")] {
            configuration.kafkaProperties = [property]
            do {
                _ = try KafkaClientProperties(configuration, environment: [:])
                Issue.record("\(property) accepted under --exactly-once")
            } catch {
                guard case .invalidProperty(let named, let reason) = error else { Issue.record("\(error)"); continue }
                #expect(named == key)
                #expect(reason.contains("--exactly-once"), "\(reason)")
            }
        }
    }

    @Test func librdkafkaRejectionsAreScrubbed() {
        // A secret-looking value of a property librdkafka rejects: the error names the property, not the value.
        let properties = try? KafkaProperties(file: nil, assignments: ["ssl.key.password=hunter2-secret"])
        #expect(throws: StreamError.self) {
            _ = try KafkaConfigurationHandle(["ssl.key.password": "hunter2-secret", "no.such.property": "hunter2-secret"],
                                             scrubbing: properties ?? KafkaProperties())
        }
        do {
            _ = try KafkaConfigurationHandle(["no.such.property": "hunter2-secret", "ssl.key.password": "hunter2-secret"],
                                             scrubbing: properties ?? KafkaProperties())
        } catch {
            #expect(!error.description.contains("hunter2"), "\(error)")
            #expect(error.description.contains("no.such.property"))
        }
    }

    @Test func redactedConfiguration() {
        var configuration: StreamOptions = StreamTestSupport.options([])
        configuration.kafkaProperties = ["sasl.password=plain-secret", "linger.ms=3"]
        #expect(configuration.redacted.kafkaProperties == ["sasl.password=***", "linger.ms=3"])
    }
}
