import BertNER
import Dispatch

/// Runs the request queue's batches on the model, one at a time, on a thread of its own — never
/// the Swift concurrency pool, so that the adapters stay responsive while the model computes. A
/// batch that fails is run again request by request: one caller's input must not fail the others.
final class InferenceLoop: Sendable {
    private let queue: RequestQueue
    private let policy: BatchPolicy
    private let metrics: ServingMetrics
    private let observer: any QueueObserver
    private let inference = DispatchQueue(label: "bertner.inference")

    init(queue: RequestQueue, policy: BatchPolicy, metrics: ServingMetrics, observer: any QueueObserver) {
        self.queue = queue
        self.policy = policy
        self.metrics = metrics
        self.observer = observer
    }

    /// The loop; returns after the queue's `stop()` once the queue is empty. Run it exactly once.
    func run() async {
        var expected = BatchPolicy.firstBatch
        while await queue.waitForWork() {
            await policy.hold(queue, expecting: expected)
            await observer.batchMayStart()
            guard let batch = queue.take() else { continue }
            await run(batch)
            expected = policy.expected(answered: batch.requests, queued: queue.queuedRequests)
        }
    }

    private func run(_ batch: QueuedBatch) async {
        let started = ContinuousClock.now
        let outcome: Result<[DecodedSequence], any Error> = await withCheckedContinuation { continuation in
            inference.async {
                continuation.resume(returning: Result { try batch.pipeline.decode(batch.sequences, constraints: batch.constraints) })
            }
        }
        switch outcome {
        case .success(let decoded):
            metrics.recordBatch(texts: batch.texts, tokens: batch.tokens, duration: ContinuousClock.now - started)
            queue.deliver(decoded, of: batch)
        case .failure where batch.parts.count > 1:
            for part in batch.parts {
                // A request whose client left meanwhile costs nothing more.
                if let alone = queue.alone(part) { await run(alone) }
            }
        case .failure(let error):
            queue.fail(batch, with: error)
        }
    }
}
