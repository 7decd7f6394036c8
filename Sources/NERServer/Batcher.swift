import BertNER
import Dispatch
import Synchronization

/// Why the batcher did not take a request.
public enum BatcherError: Error, Equatable, Sendable {
    /// More than `maxQueue` texts are already waiting: answer 503 with Retry-After.
    case queueFull(limit: Int)
    /// The model is not loaded yet.
    case notReady
    /// The server is shutting down and no longer takes work.
    case shuttingDown
}

/// Dynamic batching: concurrent requests wait in a bounded queue; one worker takes as many as fit a
/// token budget (after at most `maxWait` for company), runs them as one packed batch, and hands
/// each caller its own results. Inference runs on its own thread, never on the Swift concurrency
/// pool, so HTTP handling stays responsive while the model computes.
public final class Batcher: Sendable {
    private struct Job {
        let texts: [String]
        let tokens: Int
        let continuation: CheckedContinuation<[[Entity]], any Error>
    }

    private struct State {
        var pipeline: NERPipeline?
        var queue: [Job] = []
        var queuedTexts = 0
        var queuedTokens = 0
        var wakeUp: CheckedContinuation<Void, Never>?
        var stopped = false
    }

    public let maxBatchTokens: Int
    public let maxWait: Duration
    public let maxQueue: Int
    private let metrics: ServerMetrics
    private let state = Mutex(State())
    private let inference = DispatchQueue(label: "bertner.inference")

    public init(maxBatchTokens: Int, maxWait: Duration, maxQueue: Int, metrics: ServerMetrics) {
        self.maxBatchTokens = max(1, maxBatchTokens)
        self.maxWait = maxWait
        self.maxQueue = max(1, maxQueue)
        self.metrics = metrics
    }

    /// Hands the loaded model to the batcher; from now on requests are accepted.
    public func start(with pipeline: NERPipeline) {
        state.withLock { $0.pipeline = pipeline }
    }

    /// The budget is counted in characters: for Chinese text one character is one word piece, and
    /// counting needs no tokenizer pass on the caller's side.
    static func estimatedTokens(_ text: String) -> Int { text.unicodeScalars.count + 2 }

    /// Entities for each text, in order. Throws `BatcherError` when the request cannot be queued.
    public func recognize(_ texts: [String]) async throws -> [[Entity]] {
        guard !texts.isEmpty else { return [] }
        let tokens = texts.reduce(0) { $0 + Self.estimatedTokens($1) }
        return try await withCheckedThrowingContinuation { continuation in
            let (refusal, wakeUp, depth) = state.withLock { state -> (BatcherError?, CheckedContinuation<Void, Never>?, Int) in
                if state.stopped { return (.shuttingDown, nil, state.queuedTexts) }
                if state.pipeline == nil { return (.notReady, nil, state.queuedTexts) }
                // An empty queue always takes the request, so a batch of up to maxBatchItems texts
                // can never be refused on its own.
                if !state.queue.isEmpty, state.queuedTexts + texts.count > maxQueue {
                    return (.queueFull(limit: maxQueue), nil, state.queuedTexts)
                }
                state.queue.append(Job(texts: texts, tokens: tokens, continuation: continuation))
                state.queuedTexts += texts.count
                state.queuedTokens += tokens
                let wakeUp = state.wakeUp
                state.wakeUp = nil
                return (nil, wakeUp, state.queuedTexts)
            }
            metrics.recordQueueDepth(depth)
            if let refusal {
                if case .queueFull = refusal { metrics.recordQueueFull() }
                continuation.resume(throwing: refusal)
            }
            wakeUp?.resume()
        }
    }

    /// The worker loop; returns after `stop()` once the queue is empty. Run it exactly once.
    public func run() async {
        while await waitForWork() {
            if maxWait > .zero, state.withLock({ $0.queuedTokens < maxBatchTokens }) {
                try? await Task.sleep(for: maxWait)
            }
            guard let (jobs, pipeline) = takeBatch() else { continue }
            await execute(jobs, on: pipeline)
        }
    }

    /// Stops taking requests; queued ones are still answered by `run()`.
    public func stop() {
        let wakeUp = state.withLock { state in
            state.stopped = true
            let wakeUp = state.wakeUp
            state.wakeUp = nil
            return wakeUp
        }
        wakeUp?.resume()
    }

    /// True when there is work; false when stopped and drained.
    private func waitForWork() async -> Bool {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if !state.queue.isEmpty || state.stopped { return true }
                state.wakeUp = continuation
                return false
            }
            if ready { continuation.resume() }
        }
        return state.withLock { !$0.queue.isEmpty }
    }

    /// Jobs in arrival order up to the token budget (always at least one, however large).
    private func takeBatch() -> ([Job], NERPipeline)? {
        let (jobs, pipeline, depth) = state.withLock { state -> ([Job], NERPipeline?, Int) in
            var taken = 0, tokens = 0
            while taken < state.queue.count, taken == 0 || tokens + state.queue[taken].tokens <= maxBatchTokens {
                tokens += state.queue[taken].tokens
                taken += 1
            }
            let jobs = Array(state.queue.prefix(taken))
            state.queue.removeFirst(taken)
            state.queuedTexts -= jobs.reduce(0) { $0 + $1.texts.count }
            state.queuedTokens -= tokens
            return (jobs, state.pipeline, state.queuedTexts)
        }
        metrics.recordQueueDepth(depth)
        guard let pipeline, !jobs.isEmpty else { return nil }
        return (jobs, pipeline)
    }

    private func execute(_ jobs: [Job], on pipeline: NERPipeline) async {
        let texts = jobs.flatMap(\.texts)
        let started = ContinuousClock.now
        let outcome: Result<NERPipeline.BatchResult, any Error> = await withCheckedContinuation { continuation in
            inference.async {
                continuation.resume(returning: Result { try pipeline.recognizeWithStatistics(batch: texts) })
            }
        }
        switch outcome {
        case .success(let result):
            metrics.recordBatch(texts: texts.count, tokens: result.tokens, duration: ContinuousClock.now - started)
            var next = 0
            for job in jobs {
                job.continuation.resume(returning: Array(result.entities[next..<(next + job.texts.count)]))
                next += job.texts.count
            }
        case .failure where jobs.count > 1:
            // One caller's input must not fail the others: run each job alone.
            for job in jobs { await execute([job], on: pipeline) }
        case .failure(let error):
            jobs[0].continuation.resume(throwing: error)
        }
    }
}
