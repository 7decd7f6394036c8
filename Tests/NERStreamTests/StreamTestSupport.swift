import BertNER
import Foundation
import Logging
import Synchronization
import CRdKafka
import Testing
@testable import NERStream
import NERServing
import ArgumentParser

/// A mock Kafka cluster in the test process, a producer and a reader for its topics, and a
/// worker configuration pointing at it.
enum StreamTestSupport {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let modelDirectory = repository.appendingPathComponent("Weights/default").path
    static let binary = repository.appendingPathComponent(".build/debug/ner")

    /// A committed dictionary file of Tests/Fixtures/dictionaries.
    static func dictionary(_ name: String) -> String {
        repository.appendingPathComponent("Tests/Fixtures/dictionaries/\(name)").path
    }
    /// The worker's default precision; loaded once per test process.
    static let pipeline: Result<NERPipeline, any Error> = Result { try NERPipeline(modelDirectory: modelDirectory, precision: .int8) }

    struct Record: Sendable {
        var partition: Int32
        var offset: Int64
        var key: String?
        var value: [UInt8]
        var headers: [String: String]

        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any] }
    }

    static func configuration(_ cluster: KafkaMockCluster, group: String, _ adjust: (inout StreamOptions) -> Void = { _ in }) -> StreamOptions {
        var configuration: StreamOptions = options([
            "--brokers", cluster.bootstrapServers, "--input-topic", "in", "--output-topic", "out", "--group", group,
            "--host", "127.0.0.1", "--port", "0", "--commit-interval-ms", "50",
        ])
        adjust(&configuration)
        return configuration
    }

    static func worker(_ configuration: StreamOptions) -> StreamWorker {
        var logger = Logger(label: "bertner.stream.test")
        logger.logLevel = .warning
        return StreamWorker(engine: options(["--model", modelDirectory]), options: configuration, logger: logger,
                            loader: { try pipeline.get() })
    }

    /// An option group as the command line `arguments` give it (defaults for the rest).
    static func options<Options: ParsableArguments>(_ arguments: [String]) -> Options {
        do {
            return try Options.parse(arguments)
        } catch {
            fatalError("\(arguments): \(Options.message(for: error))")
        }
    }

    /// Produces `messages` in order and waits for every acknowledgement; returns each one's
    /// (partition, offset). `partition` nil: chosen by key.
    static func produce(_ bootstrap: String, topic: String, _ messages: [(key: String?, value: [UInt8]?, partition: Int32?)],
                        headers: [(name: String, value: [UInt8]?)] = []) async throws -> [(Int32, Int64)] {
        try await offPool { try produceBlocking(bootstrap, topic: topic, messages, headers: headers) }
    }

    private static func produceBlocking(_ bootstrap: String, topic: String, _ messages: [(key: String?, value: [UInt8]?, partition: Int32?)],
                                        headers: [(name: String, value: [UInt8]?)]) throws -> [(Int32, Int64)] {
        let placed = Mutex([UInt64: (Int32, Int64)]())
        let failures = Mutex([String]())
        let producer = try KafkaProducer(properties: ["bootstrap.servers": bootstrap, "enable.idempotence": "true", "log_level": "3"],
                                         scrubbing: KafkaProperties(), log: { _, _, _ in }) { delivery in
            if let error = delivery.error { failures.withLock { $0.append(error) } }
            placed.withLock { $0[delivery.token] = (delivery.partition, delivery.offset) }
        }
        for (index, message) in messages.enumerated() {
            try producer.produce(topic: topic, key: message.key.map { Array($0.utf8) }, value: message.value,
                                 partition: message.partition, headers: headers, token: UInt64(index + 1))
        }
        while placed.withLock({ $0.count }) < messages.count { _ = producer.flush(timeout: .milliseconds(100)) }
        #expect(failures.withLock { $0 }.isEmpty)
        return (1...messages.count).map { token in placed.withLock { $0[UInt64(token)] ?? (-1, -1) } }
    }

    /// A mock cluster with `topics` (name and partitions).
    static func cluster(brokers: Int = 3, topics: KeyValuePairs<String, Int>) throws -> KafkaMockCluster {
        let cluster = try KafkaMockCluster(brokers: brokers)
        for (name, partitions) in topics { try cluster.createTopic(name, partitions: partitions) }
        return cluster
    }

    /// A mock cluster of two brokers with one-partition topics `in` (led by broker 1, as is
    /// `group`'s coordinator) and `out` (led by broker 2, which tests take down).
    static func twoBrokerCluster(group: String) throws -> KafkaMockCluster {
        let cluster = try self.cluster(brokers: 2, topics: ["in": 1, "out": 1])
        cluster.setLeader(topic: "in", partition: 0, broker: 1)
        cluster.setLeader(topic: "out", partition: 0, broker: 2)
        cluster.setGroupCoordinator(group, broker: 1)
        return cluster
    }

    /// Reads `topic` from the beginning until `done` holds for what was read (a failure after
    /// `deadline` is the bound on a broken worker, not a way to order events). `read_committed`,
    /// as consumers of an exactly-once worker's output read.
    static func read(_ bootstrap: String, topic: String, partitions: Int32, deadline: Duration = .seconds(600),
                     until done: @escaping @Sendable ([Record]) -> Bool) async throws -> [Record] {
        try await offPool { try readBlocking(bootstrap, topic: topic, partitions: partitions, deadline: deadline, until: done) }
    }

    private static func readBlocking(_ bootstrap: String, topic: String, partitions: Int32, deadline: Duration,
                                     until done: ([Record]) -> Bool) throws -> [Record] {
        let consumer = try KafkaConsumer(properties: ["bootstrap.servers": bootstrap, "group.id": "reader-\(UUID().uuidString)",
                                                      "enable.auto.commit": "false", "isolation.level": "read_committed", "log_level": "3"],
                                         scrubbing: KafkaProperties(),
                                         callbacks: .init(assigned: { _ in }, revoked: { _ in }, log: { _, _, _ in }))
        try consumer.assign((0..<partitions).map { (TopicPartition(topic: topic, partition: $0), Int64(RD_KAFKA_OFFSET_BEGINNING)) })
        var records: [Record] = []
        let started = ContinuousClock.now
        while !done(records) {
            guard ContinuousClock.now - started < deadline else {
                Issue.record("\(topic): gave up after \(deadline) with \(records.count) records")
                break
            }
            if case .message(let message) = consumer.poll(timeoutMilliseconds: 100) {
                records.append(Record(partition: message.partition.partition, offset: message.offset,
                                      key: message.key.map { String(decoding: $0, as: UTF8.self) }, value: message.value ?? [],
                                      headers: Dictionary(message.headers.map { ($0.name, String(decoding: $0.value ?? [], as: UTF8.self)) },
                                                          uniquingKeysWith: { $1 })))
            }
        }
        consumer.close()
        return records
    }

    /// The group's committed offset per partition (nil: none).
    static func committed(_ bootstrap: String, group: String, topic: String, partitions: Int32) async throws -> [Int32: Int64?] {
        try await offPool { try committedBlocking(bootstrap, group: group, topic: topic, partitions: partitions) }
    }

    private static func committedBlocking(_ bootstrap: String, group: String, topic: String, partitions: Int32) throws -> [Int32: Int64?] {
        let consumer = try KafkaConsumer(properties: ["bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": "false", "log_level": "3"],
                                         scrubbing: KafkaProperties(),
                                         callbacks: .init(assigned: { _ in }, revoked: { _ in }, log: { _, _, _ in }))
        let offsets = try consumer.committed((0..<partitions).map { TopicPartition(topic: topic, partition: $0) }, timeout: .seconds(30))
        consumer.close()
        return Dictionary(uniqueKeysWithValues: offsets.map { ($0.key.partition, $0.value) })
    }

    /// Messages in `topic`, summed over its partitions (high watermarks, asked of the brokers).
    static func messageCount(_ bootstrap: String, topic: String, partitions: Int32) async throws -> Int64 {
        try await offPool {
            let consumer = try KafkaConsumer(properties: ["bootstrap.servers": bootstrap, "group.id": "count-\(UUID().uuidString)", "log_level": "3"],
                                             scrubbing: KafkaProperties(), callbacks: .init(assigned: { _ in }, revoked: { _ in }, log: { _, _, _ in }))
            defer { consumer.close() }
            return try (0..<partitions).reduce(Int64(0)) { total, partition in
                try total + consumer.queryHighWatermark(TopicPartition(topic: topic, partition: partition), timeout: .seconds(30))
            }
        }
    }

    /// A sample's value in a metrics exposition (`name{labels}` as written), 0 if absent.
    static func metric(_ exposition: String, _ series: String) -> Double {
        exposition.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) } ?? 0
    }

    /// Polls `condition` until it holds; the gate tests use instead of sleeping. The deadline only
    /// bounds a broken worker (the debug build on a loaded machine takes what it takes).
    static func eventually(_ what: String, deadline: Duration = .seconds(600), _ condition: () async throws -> Bool) async rethrows {
        let started = ContinuousClock.now
        while try await !condition() {
            if ContinuousClock.now - started > deadline {
                Issue.record("timed out waiting for \(what)")
                return
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Runs blocking librdkafka calls on a thread of their own: blocking the Swift pool (2 threads
    /// on 2 cores) would starve the worker under test, and every other test in the process.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}
