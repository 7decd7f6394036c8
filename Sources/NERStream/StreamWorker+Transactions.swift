import Foundation

/// Exactly-once (`--exactly-once`): the producer is transactional, and one transaction per commit
/// interval carries the results and dead letters produced in it together with the input offsets
/// they complete (`send_offsets_to_transaction`, with the group's generation). A `read_committed`
/// consumer sees all of it or none of it; the consumer's own commits are not used.
///
/// Only the result task touches the transaction (it begins one before producing, and runs the
/// `.commitTransaction` steps the consumer thread queues), so producing and committing never
/// interleave. A message counts as done once it is produced into the open transaction.
/// An abortable error aborts the transaction, drops every message consumed before the consumer
/// thread has seeked back to the last committed offsets (`generation`), and consumes them again.
/// Retriable errors are retried within `--drain-timeout-seconds`; fatal ones (fenced by a newer
/// instance with the same `transactional.id`, unauthorized) stop the worker.
struct TransactionState: Sendable {
    /// A transaction has begun and not yet ended.
    var open = false
    /// Results and dead letters produced in the open transaction.
    var produced = 0
    /// Rewinds done by the consumer thread; a consumed message carries the count it was consumed at.
    var generation = 0
    /// Messages consumed at a generation up to this belong to an aborted transaction: dropped.
    var discardThrough = -1
    /// A transaction was aborted: the consumer thread seeks back before it consumes further.
    var rewindRequested = false
    /// A revoke could not wait for the commit: the result task aborts before anything else.
    var abortRequested = false
    /// `.commitTransaction` steps queued and finished.
    var ticketsIssued: UInt64 = 0
    var ticketsDone: UInt64 = 0
}

extension StreamWorker {
    private var transactionBudget: Duration { .seconds(options.drainTimeoutSeconds) }

    /// Exactly-once only (nil otherwise): whether a transaction is open (or an abort's rewind is
    /// pending), and the messages produced into it, for tests and diagnostics.
    public var transaction: (open: Bool, messages: Int)? {
        guard delivery.transactionalID != nil else { return nil }
        return shared.update { ($0.transaction.open || $0.transaction.rewindRequested, $0.transaction.produced) }
    }

    /// Registers the `transactional.id` (fencing an earlier instance with the same id, whose open
    /// transaction the broker then aborts) before anything is consumed.
    func initTransactions(_ producer: KafkaProducer) async throws(StreamError) {
        let budget = Duration.seconds(max(60, options.drainTimeoutSeconds))
        if let error = await transactional(budget: budget, { timeout throws(KafkaTransactionError) in try producer.initTransactions(timeout: timeout) }) {
            state.markFailed(error.description)
            logger.critical("ner stream cannot start", metadata: ["error": "\(error)"])
            throw .kafka(operation: error.operation, error: error.text)
        }
    }

    // MARK: - Result task

    /// Before a message's result is produced: false if it must be dropped (consumed before a
    /// rewind, or the worker failed); otherwise a transaction is open.
    func prepareTransactionalDelivery(_ item: Pending, producer: KafkaProducer) async -> Bool {
        if shared.update({ $0.failure != nil }) { return false }
        if shared.update({ $0.transaction.abortRequested }) {
            await abortTransaction(producer, reason: "a revoke did not see the transaction commit in time")
        }
        let (stale, open) = shared.update { (item.generation <= $0.transaction.discardThrough, $0.transaction.open) }
        if stale {
            // It will be consumed again after the rewind.
            if case .recognize(_, let task) = item.work { task.cancel() }
            return false
        }
        return open || begin(producer)
    }

    /// Produces into the open transaction; the message is done once queued there (the commit
    /// flushes it, or fails and aborts it).
    func produceInTransaction(_ message: KafkaConsumer.Message, topic: String, value: [UInt8], headers: [(name: String, value: [UInt8]?)],
                              reason: DeadLetterReason.Code?, producer: KafkaProducer) async {
        do {
            // Delivery reports are not matched to messages under transactions: the token is unused.
            try producer.produce(topic: topic, key: message.key, value: value, headers: headers, token: 1)
            shared.update { $0.transaction.produced += 1 }
            complete(message.partition, offset: message.offset, reason: reason)
        } catch {
            streamMetrics.recordProduceError()
            await abortTransaction(producer, reason: error.description)
        }
    }

    /// A `.commitTransaction` step: the done prefix of every partition goes into the open
    /// transaction, which commits (one is begun if only offsets moved, e.g. skipped bad messages).
    func commitTransaction(_ ticket: UInt64, producer: KafkaProducer, consumer: KafkaConsumer) async {
        defer { shared.update { $0.transaction.ticketsDone = max($0.transaction.ticketsDone, ticket) } }
        let (failed, abort, rewinding) = shared.update { ($0.failure != nil, $0.transaction.abortRequested, $0.transaction.rewindRequested) }
        if failed || rewinding { return }
        if abort { return await abortTransaction(producer, reason: "a revoke did not see the transaction commit in time") }
        let (offsets, open) = shared.update { ($0.tracker.takeCommits(), $0.transaction.open) }
        guard open || !offsets.isEmpty else { return }
        guard open || begin(producer) else { return }
        let started = ContinuousClock.now
        var error = await transactional(budget: transactionBudget) { timeout throws(KafkaTransactionError) in
            try producer.sendOffsets(offsets, consumer: consumer, timeout: timeout)
        }
        if error == nil {
            error = await transactional(budget: transactionBudget) { timeout throws(KafkaTransactionError) in try producer.commitTransaction(timeout: timeout) }
        }
        guard let error else {
            let produced = shared.update { shared -> Int in
                shared.tracker.confirmed(offsets)
                defer { shared.transaction.produced = 0 }
                shared.transaction.open = false
                return shared.transaction.produced
            }
            streamMetrics.recordCommit(ContinuousClock.now - started, success: true)
            streamMetrics.recordTransaction(committed: true, messages: produced)
            return
        }
        streamMetrics.recordCommit(nil, success: false)
        if error.kind == .fatal { return failTransactions(error) }
        // Abortable, or retriable beyond the budget.
        await abortTransaction(producer, reason: error.description)
    }

    /// Aborts the open transaction and has the consumer thread rewind: what was produced in it is
    /// never visible to `read_committed` consumers, and is consumed and produced again.
    func abortTransaction(_ producer: KafkaProducer, reason: String) async {
        if shared.update({ $0.transaction.open }),
           let error = await transactional(budget: transactionBudget, { timeout throws(KafkaTransactionError) in try producer.abortTransaction(timeout: timeout) }) {
            // The broker aborts it after transaction.timeout.ms, or when this id is fenced.
            return failTransactions(error)
        }
        let produced = shared.update { shared -> Int in
            defer { shared.transaction.produced = 0 }
            shared.transaction.open = false
            shared.transaction.abortRequested = false
            shared.transaction.discardThrough = shared.transaction.generation
            shared.transaction.rewindRequested = true
            return shared.transaction.produced
        }
        streamMetrics.recordTransaction(committed: false, messages: produced)
        logger.warning("transaction aborted; consuming again from the last commit", metadata: ["reason": "\(reason)", "messages": "\(produced)"])
    }

    private func begin(_ producer: KafkaProducer) -> Bool {
        do {
            try producer.beginTransaction()
            shared.update { $0.transaction.open = true }
            return true
        } catch {
            failTransactions(error)
            return false
        }
    }

    private func failTransactions(_ error: KafkaTransactionError) {
        logger.error("transactional producer failed; stopping", metadata: ["error": "\(error)"])
        fail(.kafka(operation: error.operation, error: error.text))
    }

    /// Runs a blocking transactional call on a thread of its own (never the Swift pool), again
    /// while librdkafka calls the error retriable and `budget` lasts; nil on success.
    private func transactional(budget: Duration, _ call: @escaping @Sendable (Duration) throws(KafkaTransactionError) -> Void) async -> KafkaTransactionError? {
        let logger = logger
        return await onThread(named: "bertner.transaction") { () -> KafkaTransactionError? in
            let started = ContinuousClock.now
            while true {
                let left = budget - (ContinuousClock.now - started)
                do throws(KafkaTransactionError) {
                    try call(max(left, .seconds(1)))
                    return nil
                } catch {
                    guard error.kind == .retriable, ContinuousClock.now - started < budget else { return error }
                    logger.warning("retrying a transactional call", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// A delivery report: success needs nothing (the message was done when produced); a failure
    /// makes librdkafka fail the commit, which aborts.
    func transactionalDelivered(_ delivery: KafkaProducer.Delivery) {
        // Messages purged by an abort report _PURGE_QUEUE / _PURGE_INFLIGHT: expected.
        guard let error = delivery.error, !error.hasPrefix("_PURGE") else { return }
        streamMetrics.recordProduceError()
        logger.warning("delivery failed; the transaction will abort", metadata: ["topic": "\(delivery.topic)", "error": "\(error)"])
    }

    // MARK: - Consumer thread

    /// Queues a commit step unless one is still waiting (`force`: always); returns its ticket.
    @discardableResult
    func requestTransactionCommit(force: Bool = false) -> UInt64? {
        shared.update { shared -> UInt64? in
            guard let steps = shared.steps, force || shared.transaction.ticketsDone == shared.transaction.ticketsIssued else { return nil }
            shared.transaction.ticketsIssued += 1
            steps.yield(.commitTransaction(ticket: shared.transaction.ticketsIssued))
            return shared.transaction.ticketsIssued
        }
    }

    /// Queues a commit step behind everything consumed so far and waits for it: true when it ran
    /// (or the worker failed) within `timeout`.
    @discardableResult
    func awaitTransactionCommit(timeout: Duration) -> Bool {
        guard let ticket = requestTransactionCommit(force: true) else { return true }
        return shared.wait(until: { $0.transaction.ticketsDone >= ticket || $0.failure != nil }, timeout: timeout)
    }

    /// The revoke could not wait: the open transaction must not commit these partitions later.
    func requestAbort() {
        shared.update { $0.transaction.abortRequested = true }
    }

    /// After an abort: every partition seeks back to its last committed offset; what was consumed
    /// before (and is still on its way) is dropped by the result task.
    func rewind(_ consumer: KafkaConsumer) {
        let targets = shared.update { $0.tracker.rewind() }
        do {
            try consumer.seek(targets, timeout: transactionBudget)
        } catch {
            return fail(error)
        }
        let inFlight = shared.update { shared -> Int in
            shared.transaction.generation += 1
            shared.transaction.rewindRequested = false
            return shared.tracker.inFlight
        }
        streamMetrics.recordInFlight(inFlight)
        logger.notice("rewound to the last committed offsets", metadata: ["offsets": "\(targets.map { "\($0.0)@\($0.1)" })"])
    }
}
