import BertNER
import Foundation
import Testing
@testable import NERStream

/// The worker against a mock Kafka cluster in this process (the real protocol on localhost):
/// results and dead letters, key order, identical entities to the engine, commits only after
/// acknowledgement, broker failures retried without loss, and the drain on stop.
@Suite(.serialized) struct StreamWorkerTests {
    typealias Support = StreamTestSupport

    static let sentences = [
        "新华社北京电，国家主席江泽民今天在人民大会堂会见了美国总统克林顿。",
        "马云在杭州阿里巴巴总部发表演讲",
        "国务院总理在人民大会堂会见了外宾。",
        "上海浦东新区的发展令人瞩目。",
        "微软公司董事长比尔·盖茨访问中国。",
    ]

    @Test func tagsDeadLettersAndCommitsThroughProduceErrors() async throws {
        let cluster = try Support.cluster(topics: ["in": 3, "out": 2, "dlq": 1])
        let bootstrap = cluster.bootstrapServers
        // 30 texts on 3 keys, with a bad message of every kind in between.
        var messages: [(key: String?, value: [UInt8]?, partition: Int32?)] = []
        let bad: [Int: ([UInt8]?, DeadLetterReason.Code)] = [
            4: ([0xE4, 0xB8, 0xFF], .invalidUTF8), 9: (Array(#"{"text": "北京""#.utf8), .invalidJSON),
            13: (nil, .empty), 17: (Array(String(repeating: "长", count: 81).utf8), .textTooLong),
            22: (Array(#"{"text": "北京", "lang": "zh"}"#.utf8), .invalidFields),
        ]
        var good = 0
        for index in 0..<35 {
            if let (value, _) = bad[index] {
                messages.append((key: "bad", value: value, partition: nil))
            } else {
                let text = Self.sentences[good % Self.sentences.count]
                messages.append((key: "k\(good % 3)", value: Array(#"{"id": \#(good), "text": "\#(text)"}"#.utf8), partition: nil))
                good += 1
            }
        }
        let placed = try await Support.produce(bootstrap, topic: "in", messages, headers: [(name: "trace", value: Array("abc".utf8))])
        // Every produce of the worker's first ones fails with retriable errors first: idempotent
        // retries must neither lose nor duplicate nor reorder.
        cluster.pushRequestErrors(apiKey: 0, errors: [6, 7, 6, 19, 7, 6])

        let configuration = Support.configuration(cluster, group: "tags") {
            $0.deadLetterTopic = "dlq"
            $0.maxTextCharacters = 80
        }
        let worker = Support.worker(configuration)
        let run = Task { try await worker.run() }

        let results = try await Support.read(bootstrap, topic: "out", partitions: 2) { $0.count >= 30 }
        let deadLetters = try await Support.read(bootstrap, topic: "dlq", partitions: 1) { $0.count >= 5 }
        // Every text once.
        let ids = results.compactMap { $0.json?["id"] as? Int }
        #expect(ids.sorted() == Array(0..<30))
        // A key's results keep its order (one key, one output partition).
        for key in ["k0", "k1", "k2"] {
            let keyed = results.filter { $0.key == key }.sorted { $0.offset < $1.offset }.compactMap { $0.json?["id"] as? Int }
            #expect(keyed == keyed.sorted(), "\(key): \(keyed)")
            #expect(Set(results.filter { $0.key == key }.map(\.partition)).count == 1)
        }
        // The same entities as the engine gives directly, with the seed's fields, and headers kept.
        let pipeline = try Support.pipeline.get()
        for record in results {
            let object = try #require(record.json)
            let id = try #require(object["id"] as? Int)
            let text = Self.sentences[id % Self.sentences.count]
            let expected = try pipeline.recognize(text)
            let entities = try #require(object["entities"] as? [[String: Any]])
            #expect(entities.map { $0["word"] as? String } == expected.map(\.word))
            #expect(entities.map { $0["start"] as? Int } == expected.map(\.start))
            #expect(entities.map { $0["type"] as? String } == expected.map(\.type))
            #expect(object["model"] as? String == "default")
            #expect(object["text"] == nil, "no --include-text")
            #expect(record.headers["trace"] == "abc")
        }
        // Each bad message once, with its reason and where it came from.
        #expect(deadLetters.count == 5)
        for record in deadLetters {
            let object = try #require(record.json)
            let source = try #require(object["source"] as? [String: Any])
            let partition = try #require(source["partition"] as? Int), offset = try #require(source["offset"] as? Int)
            let index = try #require(placed.firstIndex { $0.0 == Int32(partition) && $0.1 == Int64(offset) })
            let code = (object["error"] as? [String: Any])?["code"] as? String
            #expect(code == bad[index]?.1.rawValue, "message \(index)")
            #expect(record.headers["ner-error"] == code)
            #expect(record.key == "bad")
        }
        // Everything acknowledged is committed: each input partition up to its end.
        var highs: [Int32: Int64] = [:]
        for (partition, offset) in placed { highs[partition] = max(highs[partition] ?? 0, offset + 1) }
        try await Support.eventually("commits up to the end of every partition") {
            let committed = try await Support.committed(bootstrap, group: "tags", topic: "in", partitions: 3)
            return highs.allSatisfy { committed[$0.key] == .some($0.value) }
        }
        let metrics = worker.renderMetrics()
        #expect(metrics.contains(#"ner_stream_messages_total{outcome="result"} 30"#))
        #expect(metrics.contains(#"ner_stream_messages_total{outcome="dead_letter"} 5"#))
        #expect(metrics.contains(#"ner_stream_dead_letters_total{reason="invalid_utf8"} 1"#))
        #expect(metrics.contains("ner_stream_consumer_lag{"))
        // The texts were batched together (the same request queue as `ner serve`): fewer forward passes than texts.
        let batches = metrics.split(separator: "\n").first { $0.hasPrefix("ner_batch_texts_count") }
            .flatMap { $0.split(separator: " ").last }.flatMap { Int($0) }
        #expect(batches.map { $0 >= 1 && $0 < 30 } == true, "forward passes: \(String(describing: batches))")
        worker.stop()
        try await run.value
        #expect(worker.state.current == .draining)
    }

    /// Nothing is committed while results wait for a broker that is down; they are retried until it
    /// is back, and a stop in the meantime waits for them (then commits and leaves). The consumer
    /// holds at `--max-in-flight`.
    @Test func commitsWaitForAcknowledgementAndStopDrains() async throws {
        let cluster = try Support.cluster(topics: ["in": 2, "out": 1])
        for partition in Int32(0)..<2 { cluster.setLeader(topic: "in", partition: partition, broker: 1) }
        cluster.setLeader(topic: "out", partition: 0, broker: 3)
        cluster.setGroupCoordinator("held", broker: 2)
        let bootstrap = cluster.bootstrapServers
        _ = try await Support.produce(bootstrap, topic: "in", (0..<20).map { (key: nil, value: Array(Self.sentences[$0 % 5].utf8), partition: Int32($0 % 2)) })
        cluster.setDown(broker: 3)

        let worker = Support.worker(Support.configuration(cluster, group: "held") {
            $0.maxInFlight = 8
            $0.includeText = true
        })
        let run = Task { try await worker.run() }
        try await Support.eventually("8 messages consumed") { worker.progress.inFlight == 8 }
        let before = try await Support.committed(bootstrap, group: "held", topic: "in", partitions: 2)
        #expect(before.values.allSatisfy { ($0 ?? 0) == 0 }, "committed before any result was acknowledged: \(before)")

        worker.stop()
        #expect(worker.state.current == .draining)
        #expect(worker.progress.inFlight == 8, "stop does not drop what is in flight")
        cluster.setUp(broker: 3)
        try await run.value

        // Exactly the 8 in flight were finished and committed; the consumer never took more.
        let results = try await Support.read(bootstrap, topic: "out", partitions: 1) { $0.count >= 8 }
        #expect(results.count == 8)
        #expect(Set(results.compactMap { $0.json?["id"] as? String }).count == 8)
        #expect(results.allSatisfy { ($0.json?["text"] as? String).map(Self.sentences.contains) ?? false }, "--include-text")
        let committed = try await Support.committed(bootstrap, group: "held", topic: "in", partitions: 2)
        #expect(committed.values.reduce(0) { $0 + (($1 ?? 0) ?? 0) } == 8, "\(committed)")
    }

    /// A drain that cannot finish (the output broker stays down) gives up after
    /// `--drain-timeout-seconds` and commits nothing it did not deliver.
    @Test func drainTimeoutGivesUpWithoutCommitting() async throws {
        let cluster = try Support.twoBrokerCluster(group: "timeout")
        let bootstrap = cluster.bootstrapServers
        _ = try await Support.produce(bootstrap, topic: "in", (0..<3).map { _ in (key: nil, value: Array("北京".utf8), partition: 0) })
        cluster.setDown(broker: 2)
        let worker = Support.worker(Support.configuration(cluster, group: "timeout") { $0.drainTimeoutSeconds = 0.5 })
        let run = Task { try await worker.run() }
        try await Support.eventually("3 messages consumed") { worker.progress.inFlight == 3 }
        worker.stop()
        try await run.value
        let committed = try await Support.committed(bootstrap, group: "timeout", topic: "in", partitions: 1)
        #expect((committed[0] ?? 0) ?? 0 == 0, "\(committed)")
    }

    /// A result the broker never takes (librdkafka's retries exhausted) stops the worker with a
    /// clear error, and its offset is not committed: the message is consumed again later.
    @Test func undeliverableResultStopsWithoutCommitting() async throws {
        let cluster = try Support.twoBrokerCluster(group: "lost")
        let bootstrap = cluster.bootstrapServers
        _ = try await Support.produce(bootstrap, topic: "in", [(key: nil, value: Array("北京".utf8), partition: 0)])
        cluster.setDown(broker: 2)
        let worker = Support.worker(Support.configuration(cluster, group: "lost") {
            $0.kafkaProperties = ["producer.message.timeout.ms=1500"]
        })
        await #expect(throws: StreamError.self) { try await worker.run() }
        if case .failed(let reason) = worker.state.current {
            #expect(reason.contains("delivery to 'out' failed"), "\(reason)")
        } else {
            Issue.record("state is \(worker.state.current)")
        }
        let committed = try await Support.committed(bootstrap, group: "lost", topic: "in", partitions: 1)
        #expect((committed[0] ?? 0) ?? 0 == 0, "\(committed)")
    }
}
