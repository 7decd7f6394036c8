/// When the inference loop starts its next batch: at once, or after holding it for company.
///
/// With `maxWait`, each batch waits for the requests the loop expects: those the previous batch
/// answered (clients on a connection usually send their next request right away) and those queued
/// when it ended; before the first batch, which knows of none, the whole wait. At concurrency 8
/// that turns two alternating batches of ~4 texts into one of ~8 after about one round trip of the
/// clients, and the engine does a text cheaper in a batch of 8 than in two of 4. A client that
/// stays away costs at most `maxWait`, once.
struct BatchPolicy: Sendable {
    let maxWait: Duration

    /// What the first batch expects: more than will ever come, so it waits all of `maxWait`.
    static let firstBatch = Int.max

    init(maxWait: Duration) {
        self.maxWait = maxWait
    }

    /// Returns once the next batch may start (`mayStart`), or after `maxWait`.
    func hold(_ queue: RequestQueue, expecting expected: Int) async {
        guard maxWait > .zero else { return }
        await queue.hold(expecting: expected, atMost: maxWait) { Self.mayStart(expecting: expected, $0) }
    }

    /// A held batch may start once `expected` requests are queued, the word-piece budget is full,
    /// or the queue stops (its last batches must not wait for clients that cannot come).
    static func mayStart(expecting expected: Int, _ queue: QueueSnapshot) -> Bool {
        queue.stopped || queue.queuedRequests >= expected || queue.headBudget.map { queue.queuedTokens >= $0 } ?? true
    }

    /// The requests to expect for the batch after one that answered `answered` while `queued` are
    /// still waiting.
    func expected(answered: Set<ObjectIdentifier>, queued: Set<ObjectIdentifier>) -> Int {
        answered.union(queued).count
    }
}
