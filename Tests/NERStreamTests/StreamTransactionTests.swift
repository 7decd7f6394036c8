import Foundation
import Testing
@testable import NERStream

/// `--exactly-once` against the in-process mock cluster: results and offsets in transactions, an
/// abortable error aborts and the messages are processed again, a revoke commits the open
/// transaction, a fatal error stops the worker.
///
/// librdkafka 2.0.2's mock runs the transactional protocol (InitProducerId, AddPartitionsToTxn,
/// AddOffsetsToTxn, TxnOffsetCommit, EndTxn, error injection) but does not isolate: its fetches
/// report the last stable offset as the high watermark with no aborted transactions, and it does not
/// store transactional offsets. So these tests check what the worker does (transactions committed or
/// aborted, messages processed again, every extra record accounted to an aborted transaction), and
/// cannot show a `read_committed` consumer skipping aborted records; Docs/STREAM.md has the details.
@Suite(.serialized) struct StreamTransactionTests {
    typealias Support = StreamTestSupport

    /// JSON texts with ids `first..<first+count`, round-robin over `partitions`.
    static func texts(_ count: Int, partitions: Int32, first: Int = 0) -> [(key: String?, value: [UInt8]?, partition: Int32?)] {
        (first..<first + count).map { index in
            let text = StreamWorkerTests.sentences[index % StreamWorkerTests.sentences.count]
            // One key per input partition: a key's order is its partition's.
            return (key: "k\(Int32(index) % partitions)", value: Array(#"{"id": \#(index), "text": "\#(text)"}"#.utf8), partition: Int32(index) % partitions)
        }
    }

    static func exactlyOnce(_ cluster: KafkaMockCluster, group: String, id: String, _ adjust: (inout StreamOptions) -> Void = { _ in }) -> StreamWorker {
        Support.worker(Support.configuration(cluster, group: group) {
            $0.exactlyOnce = true
            $0.transactionalId = id
            adjust(&$0)
        })
    }

    @Test func resultsAndDeadLettersOnceInTransactions() async throws {
        let cluster = try Support.cluster(topics: ["in": 3, "out": 2, "dlq": 1])
        let bootstrap = cluster.bootstrapServers
        var messages = Self.texts(24, partitions: 3)
        messages.insert((key: "bad", value: [0xE4, 0xB8, 0xFF], partition: 1), at: 7)
        messages.insert((key: "bad", value: nil, partition: 2), at: 15)
        _ = try await Support.produce(bootstrap, topic: "in", messages)
        let worker = Self.exactlyOnce(cluster, group: "eos", id: "eos-1") { $0.deadLetterTopic = "dlq" }
        let run = Task { try await worker.run() }

        let results = try await Support.read(bootstrap, topic: "out", partitions: 2) { $0.count >= 24 }
        let deadLetters = try await Support.read(bootstrap, topic: "dlq", partitions: 1) { $0.count >= 2 }
        await Support.eventually("every message done and committed in a transaction") {
            let metrics = worker.renderMetrics()
            return Support.metric(metrics, #"ner_stream_messages_total{outcome="result"}"#) == 24
                && Support.metric(metrics, #"ner_stream_messages_total{outcome="dead_letter"}"#) == 2 && worker.progress.inFlight == 0
        }
        worker.stop()
        try await run.value
        #expect(results.compactMap { $0.json?["id"] as? Int }.sorted() == Array(0..<24))
        #expect(deadLetters.count == 2)
        // Nothing else was written: each result once (read_committed, and without any abort).
        #expect(try await Support.messageCount(bootstrap, topic: "out", partitions: 2) == 24)
        #expect(try await Support.messageCount(bootstrap, topic: "dlq", partitions: 1) == 2)
        for key in ["k0", "k1", "k2"] {
            let keyed = results.filter { $0.key == key }.sorted { $0.offset < $1.offset }.compactMap { $0.json?["id"] as? Int }
            #expect(keyed == keyed.sorted(), "\(key): \(keyed)")
        }
        let metrics = worker.renderMetrics()
        #expect(Support.metric(metrics, #"ner_stream_transactions_total{result="committed"}"#) >= 1)
        #expect(Support.metric(metrics, #"ner_stream_transactions_total{result="aborted"}"#) == 0)
        // The consumer committed nothing itself: the offsets went into the transactions only
        // (which this mock does not store, so the group has none).
        let committed = try await Support.committed(bootstrap, group: "eos", topic: "in", partitions: 3)
        #expect(committed.values.allSatisfy { $0 == nil }, "\(committed)")
    }

    /// A produce the broker refuses (MESSAGE_TOO_LARGE), and later an EndTxn that times out, each
    /// make the transaction abortable: it is aborted, the consumer seeks back, and the messages are
    /// produced again in a later transaction. Nothing is lost; the committed transactions hold each
    /// message once (the worker's own count); every record beyond one per message was written in an
    /// aborted transaction (which a real broker hides from read_committed).
    @Test func abortableErrorsAbortAndProcessAgain() async throws {
        let cluster = try Support.cluster(topics: ["in": 2, "out": 2])
        let bootstrap = cluster.bootstrapServers
        _ = try await Support.produce(bootstrap, topic: "in", Self.texts(20, partitions: 2))
        cluster.pushRequestErrors(apiKey: 0, errors: [10])   // Produce: MESSAGE_TOO_LARGE
        let worker = Self.exactlyOnce(cluster, group: "abort", id: "abort-1")
        let run = Task { try await worker.run() }
        /// Every message produced in a transaction that committed: none open, none aborted since.
        @Sendable func settled(aborts: Double, messages: Double) -> Bool {
            guard worker.transaction?.open == false, worker.progress.inFlight == 0 else { return false }
            let metrics = worker.renderMetrics()
            return Support.metric(metrics, #"ner_stream_transactions_total{result="aborted"}"#) >= aborts && worker.progress.inFlight == 0
                && Support.metric(metrics, #"ner_stream_messages_total{outcome="result"}"#) - Support.metric(metrics, "ner_stream_aborted_messages_total") == messages
        }
        await Support.eventually("an abort, then the 20 messages committed") { settled(aborts: 1, messages: 20) }

        let abortsBefore = Support.metric(worker.renderMetrics(), #"ner_stream_transactions_total{result="aborted"}"#)
        cluster.pushRequestErrors(apiKey: 26, errors: [7])   // EndTxn: REQUEST_TIMED_OUT
        _ = try await Support.produce(bootstrap, topic: "in", Self.texts(10, partitions: 2, first: 20))
        await Support.eventually("another abort, then 30 messages committed") { settled(aborts: abortsBefore + 1, messages: 30) }
        worker.stop()
        try await run.value

        let metrics = worker.renderMetrics()
        // At least one abort per injected error (an abort can leave the idempotent producer's
        // sequence behind the broker's, which aborts the next transaction once more).
        #expect(Support.metric(metrics, #"ner_stream_transactions_total{result="aborted"}"#) >= 2)
        #expect(Support.metric(metrics, #"ner_stream_transactions_total{result="committed"}"#) >= 2)
        let aborted = Int64(Support.metric(metrics, "ner_stream_aborted_messages_total"))
        let written = try await Support.messageCount(bootstrap, topic: "out", partitions: 2)
        let results = try await Support.read(bootstrap, topic: "out", partitions: 2) { $0.count >= written }
        #expect(Set(results.compactMap { $0.json?["id"] as? Int }) == Set(0..<30), "nothing lost")
        #expect(written >= 30 && written - 30 <= aborted, "written \(written), produced in aborted transactions \(aborted)")
        #expect(worker.state.current == .draining, "an abortable error does not stop the worker")
    }

    /// With a commit interval far beyond the test, the only commit before the stop is the one a
    /// revoke makes: a second worker joining takes partitions, and the first commits its open
    /// transaction before handing them over.
    @Test func revokeCommitsTheOpenTransaction() async throws {
        let cluster = try Support.cluster(topics: ["in": 2, "out": 1])
        let bootstrap = cluster.bootstrapServers
        _ = try await Support.produce(bootstrap, topic: "in", Self.texts(10, partitions: 2))
        let hour = 3_600_000
        let first = Self.exactlyOnce(cluster, group: "handover", id: "handover-1") { $0.commitIntervalMilliseconds = hour }
        let firstRun = Task { try await first.run() }
        await Support.eventually("all 10 produced into the first worker's open transaction") {
            Support.metric(first.renderMetrics(), #"ner_stream_messages_total{outcome="result"}"#) == 10 && first.progress.inFlight == 0
        }
        #expect(Support.metric(first.renderMetrics(), #"ner_stream_transactions_total{result="committed"}"#) == 0)

        let second = Self.exactlyOnce(cluster, group: "handover", id: "handover-2") { $0.commitIntervalMilliseconds = hour }
        let secondRun = Task { try await second.run() }
        await Support.eventually("the first worker's revoke") {
            Support.metric(first.renderMetrics(), #"ner_stream_rebalances_total{kind="revoke"}"#) >= 1
        }
        // Recorded after the revoke's commit returned.
        let metrics = first.renderMetrics()
        #expect(Support.metric(metrics, #"ner_stream_transactions_total{result="committed"}"#) == 1)
        #expect(Support.metric(metrics, #"ner_stream_transactions_total{result="aborted"}"#) == 0)
        let results = try await Support.read(bootstrap, topic: "out", partitions: 1) { $0.count >= 10 }
        #expect(Set(results.compactMap { $0.json?["id"] as? Int }) == Set(0..<10))
        second.stop()
        first.stop()
        try await secondRun.value
        try await firstRun.value
    }

    /// A fenced producer (INVALID_PRODUCER_EPOCH on EndTxn: a newer instance took the id) cannot
    /// go on: the worker stops with the error, and its results stay uncommitted.
    @Test func fatalErrorStopsTheWorker() async throws {
        let cluster = try Support.cluster(brokers: 1, topics: ["in": 1, "out": 1])
        _ = try await Support.produce(cluster.bootstrapServers, topic: "in", Self.texts(3, partitions: 1))
        cluster.pushRequestErrors(apiKey: 26, errors: [47])
        let worker = Self.exactlyOnce(cluster, group: "fenced", id: "fenced-1")
        await #expect(throws: StreamError.self) { try await worker.run() }
        guard case .failed(let reason) = worker.state.current else {
            Issue.record("state is \(worker.state.current)")
            return
        }
        #expect(reason.contains("commit transaction") && reason.contains("FENCED"), "\(reason)")
        #expect(Support.metric(worker.renderMetrics(), #"ner_stream_transactions_total{result="committed"}"#) == 0)
    }
}
