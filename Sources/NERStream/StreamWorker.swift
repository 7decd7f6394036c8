import BertNER
import Foundation
import Logging
import NERServing
import ServiceLifecycle

/// `ner stream`: a consumer-group member that tags the input topic into the output topic.
///
/// A consumer thread polls messages, decodes them and hands each text to the serving core's
/// request queue, as `ner serve` does (dynamic batches on word pieces); a result task produces
/// results (or dead letters) in consumption order, so a key's results keep its order; delivery
/// reports mark messages done; and only offsets below the first message not done are committed
/// (at-least-once: a worker that dies loses nothing, the next owner of its partitions re-tags what
/// was not committed).
/// On a revoke the worker finishes and commits the partitions' messages before letting them go;
/// on SIGTERM it stops polling, finishes what is in flight, commits and leaves the group.
/// The delivery guarantee is a `DeliveryMode`: with `ExactlyOnceDelivery` the commits are transactions
/// instead (see StreamWorker+Transactions.swift).
public final class StreamWorker: Service, Sendable {
    public let engine: EngineOptions
    public let options: StreamOptions
    /// At-least-once or exactly-once, from `options.exactlyOnce`: everything the two guarantees do
    /// differently.
    let delivery: any DeliveryMode
    /// Loading, readiness, the request queue, the dictionary, and the batch, inference and process
    /// metrics (the same series as `ner serve`'s), beside which `streamMetrics` adds `ner_stream_*`.
    package let core: ServingCore
    let streamMetrics: StreamMetrics
    let logger: Logger
    private let environment: [String: String]
    let shared = Monitor(Shared())

    struct Shared {
        var tracker = OffsetTracker()
        var stopping = false
        var failure: StreamError?
        var deliveries: [UInt64: PendingDelivery] = [:]
        var nextToken: UInt64 = 1
        var assigned: Set<TopicPartition> = []
        var consumer: KafkaConsumer?
        /// Where the result task's steps go (the consumer thread and the revoke callback add commits).
        var steps: AsyncStream<Step>.Continuation?
        var transaction = TransactionState()
    }

    struct PendingDelivery {
        var partition: TopicPartition
        var offset: Int64
        var reason: DeadLetterReason.Code?
    }

    /// A consumed message on its way to the output: its recognition runs in the queue meanwhile.
    struct Pending: Sendable {
        enum Work: Sendable {
            case recognize(StreamInput, Task<[[Entity]], any Error>)
            case deadLetter(DeadLetterReason)
        }
        var message: KafkaConsumer.Message
        var work: Work
        /// The consumer's rewind count when it was consumed (exactly-once: older ones are dropped).
        var generation: Int
    }

    /// What the result task does next, in order.
    enum Step: Sendable {
        case deliver(Pending)
        /// Exactly-once: commit the open transaction; `ticket` is reported back as done.
        case commitTransaction(ticket: UInt64)
    }

    /// `loader` defaults to the bundle at `engine.modelDirectory`; `environment` resolves
    /// `${env:NAME}` property values.
    public init(engine: EngineOptions, options: StreamOptions, logger: Logger = Logger(label: "bertner.stream"),
                environment: [String: String] = ProcessInfo.processInfo.environment,
                loader: (@Sendable () throws -> NERPipeline)? = nil) {
        self.engine = engine
        self.options = options
        delivery = options.exactlyOnce ? ExactlyOnceDelivery(transactionalID: TransactionalID.resolve(options)) : AtLeastOnceDelivery()
        self.logger = logger
        self.environment = environment
        // The in-flight bound is the real queue bound: the queue never refuses a consumed message.
        core = ServingCore(engine: engine, maxWait: .milliseconds(options.maxWaitMilliseconds), maxQueue: options.maxInFlight + 1,
                           logger: logger, loader: loader)
        streamMetrics = StreamMetrics(registry: core.metrics.registry)
    }

    /// Readiness, as the probes report it.
    package var state: ServiceState { core.state }

    /// Loads the model, joins the group and tags until `stop()` (graceful shutdown), then drains.
    /// Throws a load error, a `StreamError` the worker cannot go on after (a fatal consumer error,
    /// a result the broker did not take), or a configuration error.
    public func run() async throws {
        let properties: KafkaClientProperties
        let loaded: ServiceState.LoadedModel
        do {
            properties = try KafkaClientProperties(options, environment: environment)
            loaded = try await core.load()
        } catch {
            state.markFailed(starting: error)
            logger.critical("ner stream cannot start", metadata: ["error": "\(error)"])
            throw error
        }
        let pipeline = loaded.pipeline
        let producer = try KafkaProducer(properties: properties.producer, scrubbing: properties.user, log: kafkaLog(scrubbing: properties.user)) { [self] in delivered($0) }
        try await delivery.start(self, producer: producer)
        let consumer = try KafkaConsumer(properties: properties.consumer, scrubbing: properties.user, callbacks: .init(
            assigned: { [self] in assigned($0) }, revoked: { [self] in revoked($0) }, log: kafkaLog(scrubbing: properties.user)))
        try consumer.subscribe([options.inputTopic])
        let (steps, continuation) = AsyncStream.makeStream(of: Step.self)
        shared.update {
            $0.consumer = consumer
            $0.steps = continuation
        }
        state.markReady(with: loaded)
        logger.info("consuming", metadata: [
            "brokers": "\(properties.user.scrub(options.brokers))", "input": "\(options.inputTopic)",
            "output": "\(options.outputTopic)", "group": "\(options.group)",
            "dead_letters": "\(options.deadLetterTopic ?? "-")", "precision": "\(pipeline.precisionSelection?.summary ?? pipeline.precision.rawValue)",
            "delivery": "\(delivery.name)\(delivery.transactionalID.map { ", transactional.id \($0)" } ?? "")",
            "threads": "\(pipeline.threads)", "max_batch_tokens": "\(pipeline.maxTokensPerForward)",
            "kafka_properties": "\(properties.user.redacted.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })",
        ])

        let model = URL(fileURLWithPath: engine.modelDirectory).lastPathComponent
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.core.run() }
                group.addTask { await onThread(named: "bertner.deliveries") { producer.servePolls() } }
                group.addTask { await onThread(named: "bertner.consumer") { self.consume(consumer, pipeline: pipeline, into: continuation) } }
                // In consumption order: a partition's (and so a key's) results keep its order.
                for await step in steps {
                    switch step {
                    case .deliver(let item): await self.deliver(item, model: model, producer: producer)
                    case .commitTransaction(let ticket): await self.commitTransaction(ticket, producer: producer, consumer: consumer)
                    }
                }
                // The consumer thread has drained, committed and left the group.
                // Blocking, so on a thread of its own rather than the Swift pool.
                let flushed = await withCheckedContinuation { continuation in
                    Thread { continuation.resume(returning: producer.flush(timeout: .seconds(self.options.drainTimeoutSeconds))) }.start()
                }
                if !flushed {
                    logger.warning("messages still undelivered at exit", metadata: ["count": "\(producer.outstanding)"])
                }
                producer.stopPolling()
                core.stop()
            }
        } onGracefulShutdown: {
            self.stop()
        }
        shared.update {
            $0.consumer = nil
            $0.steps = nil
        }
        if let failure = shared.update({ $0.failure }) {
            state.markFailed(failure.description)
            throw failure
        }
        logger.info("stopped")
    }

    /// Stops polling; what is in flight is still produced and committed, then `run()` returns.
    public func stop() {
        state.markDraining()
        shared.update { $0.stopping = true }
    }

    // MARK: - Consumer thread

    private func consume(_ consumer: KafkaConsumer, pipeline: NERPipeline, into continuation: AsyncStream<Step>.Continuation) {
        let maxInFlight = options.maxInFlight
        let commitInterval = Duration.milliseconds(options.commitIntervalMilliseconds)
        var lastCommit = ContinuousClock.now
        while true {
            let (stop, full, rewind) = shared.update {
                ($0.stopping || $0.failure != nil, $0.tracker.inFlight >= maxInFlight, $0.transaction.rewindRequested)
            }
            if stop { break }
            if rewind {
                self.rewind(consumer)
                continue
            }
            if ContinuousClock.now - lastCommit >= commitInterval {
                delivery.commitInterval(self, consumer: consumer)
                lastCommit = .now
            }
            if full {
                shared.wait(until: { $0.tracker.inFlight < maxInFlight || $0.stopping || $0.failure != nil || $0.transaction.rewindRequested },
                            timeout: commitInterval)
                continue
            }
            switch consumer.poll(timeoutMilliseconds: 100) {
            case .idle: continue
            case .error(let text, let fatal):
                streamMetrics.recordConsumerError()
                logger.warning("consumer error", metadata: ["error": "\(text)"])
                if fatal { fail(.kafka(operation: "consume", error: text)) }
            case .message(let message):
                accept(message, pipeline: pipeline, into: continuation)
            }
        }
        let drainTimeout = Duration.seconds(options.drainTimeoutSeconds)
        if !shared.wait(until: { $0.tracker.inFlight == 0 || $0.failure != nil }, timeout: drainTimeout) {
            logger.warning("drain timed out; uncommitted messages will be consumed again", metadata: ["in_flight": "\(shared.update { $0.tracker.inFlight })"])
        }
        delivery.finish(self, consumer: consumer, timeout: drainTimeout)
        consumer.close()
        continuation.finish()
    }

    private func accept(_ message: KafkaConsumer.Message, pipeline: NERPipeline, into continuation: AsyncStream<Step>.Continuation) {
        let (inFlight, generation) = shared.update { shared -> (Int, Int) in
            shared.tracker.consumed(message.partition, offset: message.offset)
            return (shared.tracker.inFlight, shared.transaction.generation)
        }
        streamMetrics.recordInFlight(inFlight)
        let fallbackID = "\(message.partition.topic)/\(message.partition.partition)/\(message.offset)"
        switch MessageDecoding.decode(message.value, fallbackID: fallbackID, maxTextCharacters: options.maxTextCharacters) {
        case .success(let input):
            let queue = core.queue, dictionary = core.dictionaries.current
            let task = Task { try await queue.recognize([input.text], with: pipeline, dictionary: dictionary) }
            continuation.yield(.deliver(Pending(message: message, work: .recognize(input, task), generation: generation)))
        case .failure(let reason):
            continuation.yield(.deliver(Pending(message: message, work: .deadLetter(reason), generation: generation)))
        }
    }

    /// Commits every partition's acknowledged prefix (of `only`, if given), synchronously: one
    /// round trip per commit interval, measured as `ner_stream_commit_seconds`.
    func commit(_ consumer: KafkaConsumer, only: Set<TopicPartition>? = nil) {
        let offsets = shared.update { $0.tracker.takeCommits(only: only) }
        guard !offsets.isEmpty else { return }
        let started = ContinuousClock.now
        do {
            try consumer.commit(offsets)
            streamMetrics.recordCommit(ContinuousClock.now - started, success: true)
        } catch {
            streamMetrics.recordCommit(nil, success: false)
            shared.update { shared in offsets.forEach { shared.tracker.commitFailed($0.0, offset: $0.1) } }
            logger.warning("commit failed; retrying at the next interval", metadata: ["error": "\(error)"])
        }
    }

    private func assigned(_ partitions: [TopicPartition]) {
        let count = shared.update { shared -> Int in
            shared.assigned.formUnion(partitions)
            return shared.assigned.count
        }
        streamMetrics.recordAssignment(partitions: count, assigned: true)
        logger.info("partitions assigned", metadata: ["partitions": "\(partitions.map(\.description).sorted())"])
    }

    /// Before librdkafka lets the partitions go: their in-flight messages are produced and
    /// acknowledged, and committed, so the next owner starts after them (no duplicates then).
    /// Exactly-once: the open transaction is committed, which produces everything consumed before.
    private func revoked(_ partitions: [TopicPartition]) {
        let started = ContinuousClock.now
        let revoked = Set(partitions)
        let drainTimeout = Duration.seconds(options.drainTimeoutSeconds)
        let finished = delivery.release(revoked, worker: self, timeout: drainTimeout)
        let count = shared.update { shared -> Int in
            shared.tracker.remove(revoked)
            shared.assigned.subtract(revoked)
            return shared.assigned.count
        }
        streamMetrics.recordAssignment(partitions: count, assigned: false)
        streamMetrics.recordRevoke(ContinuousClock.now - started)
        logger.info("partitions revoked", metadata: ["partitions": "\(partitions.map(\.description).sorted())",
                                                     "finished": "\(finished)", "seconds": "\((ContinuousClock.now - started).seconds)"])
    }

    // MARK: - Result task

    private func deliver(_ item: Pending, model: String, producer: KafkaProducer) async {
        if await !delivery.prepare(item, worker: self, producer: producer) { return }
        let message = item.message
        var reason: DeadLetterReason?
        var value: [UInt8] = []
        switch item.work {
        case .recognize(let input, let task):
            do {
                let entities = try await task.value.first ?? []
                value = StreamRecords.result(id: input.id, text: options.includeText ? input.text : nil, entities: entities,
                                             model: model, version: ServingCore.version)
            } catch {
                reason = DeadLetterReason(.recognitionFailed, String(describing: error))
            }
        case .deadLetter(let why):
            reason = why
        }
        var topic = options.outputTopic
        var headers = message.headers
        if let reason {
            logger.notice("dead letter", metadata: ["partition": "\(message.partition)", "offset": "\(message.offset)",
                                                     "reason": "\(reason.code.rawValue)", "message": "\(reason.message)"])
            guard let deadLetterTopic = options.deadLetterTopic else {
                // Exactly-once: its offset goes into the next transaction like any other.
                // Nowhere to send it: logged and counted, and done.
                complete(message.partition, offset: message.offset, reason: reason.code)
                return
            }
            topic = deadLetterTopic
            value = StreamRecords.deadLetter(reason, source: message.partition, offset: message.offset, value: message.value)
            headers.append((name: "ner-error", value: Array(reason.code.rawValue.utf8)))
        }
        await delivery.produce(OutputRecord(message: message, topic: topic, value: value, headers: headers, reason: reason?.code),
                               worker: self, producer: producer)
    }

    // MARK: - Delivery reports (the producer's poll thread)

    private func delivered(_ report: KafkaProducer.Delivery) {
        delivery.delivered(report, worker: self)
    }

    func complete(_ partition: TopicPartition, offset: Int64, reason: DeadLetterReason.Code?) {
        let (known, inFlight) = shared.update { ($0.tracker.completed(partition, offset: offset), $0.tracker.inFlight) }
        guard known else { return }
        streamMetrics.recordDone(reason == nil ? .result : .deadLetter, reason: reason)
        streamMetrics.recordInFlight(inFlight)
    }

    func fail(_ error: StreamError) {
        shared.update { if $0.failure == nil { $0.failure = error } }
        state.markDraining()
    }

    // MARK: - Logging, lag

    /// librdkafka's log lines through swift-log, with the secrets of `scrubbing` replaced.
    private func kafkaLog(scrubbing: KafkaProperties) -> KafkaLogSink {
        let logger = logger
        return { level, facility, message in
            let text = scrubbing.scrub(message)
            let metadata: Logger.Metadata = ["facility": "\(facility)"]
            switch level {
            case ...3: logger.error("librdkafka: \(text)", metadata: metadata)
            case 4: logger.warning("librdkafka: \(text)", metadata: metadata)
            case 5...6: logger.info("librdkafka: \(text)", metadata: metadata)
            default: logger.debug("librdkafka: \(text)", metadata: metadata)
            }
        }
    }

    /// `ner_stream_consumer_lag` for each assigned partition: high watermark − committed offset.
    /// Computed at each scrape from what the consumer last fetched (no broker round trip).
    func updateLag() {
        let (consumer, partitions) = shared.update { shared in
            (shared.consumer, shared.assigned.map { ($0, shared.tracker.committed($0)) })
        }
        guard let consumer else { return streamMetrics.recordLag([:]) }
        var lags: [TopicPartition: Int64] = [:]
        for (partition, committed) in partitions {
            guard let high = consumer.highWatermark(partition), let committed else { continue }
            lags[partition] = max(0, high - committed)
        }
        streamMetrics.recordLag(lags)
    }

    /// The metrics exposition with current lag.
    public func renderMetrics() -> String {
        updateLag()
        return core.renderMetrics()
    }

    /// Messages in flight and the partitions held, for `/info` and tests.
    public var progress: (inFlight: Int, assigned: [TopicPartition]) {
        shared.update { ($0.tracker.inFlight, $0.assigned.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }) }
    }
}
