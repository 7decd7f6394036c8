import BertNER
import Dispatch
import Synchronization

/// The queue between the adapters and the model, as text-embeddings-inference's queue does it.
///
/// Each request tokenizes, splits and windows its texts on its own task (concurrently across
/// requests) and queues the resulting sequences: admission is bounded by `maxQueue` texts, and
/// batches are taken in arrival order up to the pipeline's `maxTokensPerForward` word pieces — the
/// number that bounds a forward pass. A long text may span several batches, so a small request
/// waits at most for the batch in flight plus what queued before it. Work whose client has gone
/// (task cancelled) or whose deadline passed is dropped before it costs a forward pass, and counted.
/// When a batch starts is `BatchPolicy`'s decision; running it is `InferenceLoop`'s.
package final class RequestQueue: Sendable {
    private struct Hold {
        let expecting: Int
        /// Tells this hold's timer from a later hold's.
        let token: Int
        let mayStart: @Sendable (QueueSnapshot) -> Bool
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var requests: [QueuedRequest] = []
        var queuedTexts = 0
        var queuedTokens = 0
        var stopped = false
        /// The loop, while it waits for work.
        var wakeUp: CheckedContinuation<Void, Never>?
        /// The loop, while it holds its next batch for company.
        var hold: Hold?
        var holds = 0

        var snapshot: QueueSnapshot {
            var snapshot = QueueSnapshot()
            snapshot.queuedTexts = queuedTexts
            snapshot.queuedTokens = queuedTokens
            snapshot.queuedRequests = requests.count
            snapshot.headBudget = requests.first?.pipeline.maxTokensPerForward
            snapshot.stopped = stopped
            snapshot.holdingFor = hold?.expecting
            return snapshot
        }
        var drained: Bool { stopped && requests.isEmpty }

        /// The loop's wake-up, if it is waiting (the caller resumes it outside the lock).
        mutating func takeWakeUp() -> CheckedContinuation<Void, Never>? {
            defer { wakeUp = nil }
            return wakeUp
        }

        /// Takes `request` out of the queue, if it is still there, with its untaken sequences.
        mutating func remove(_ request: QueuedRequest) -> Bool {
            guard let index = requests.firstIndex(where: { $0 === request }) else { return false }
            requests.remove(at: index)
            queuedTexts -= request.textCount
            queuedTokens -= request.untakenTokens
            return true
        }
    }

    let maxQueue: Int
    private let metrics: ServingMetrics
    private let observer: any QueueObserver
    private let state = Mutex(State())

    package init(maxQueue: Int, metrics: ServingMetrics, observer: any QueueObserver) {
        self.maxQueue = max(1, maxQueue)
        self.metrics = metrics
        self.observer = observer
        metrics.recordQueueCapacity(self.maxQueue)
    }

    /// Entities for each text, in order, decided with `dictionary`. Preparing (dictionary matching
    /// included) and assembling run on the caller's task; only the forward passes and decoding wait
    /// for the inference loop. Throws `QueueError`, or `CancellationError` when the caller's task is
    /// cancelled (its client left) before its work completed.
    package func recognize(_ texts: [String], with pipeline: NERPipeline, dictionary: EntityDictionary,
                           timeout: Duration? = nil) async throws -> [[Entity]] {
        guard !texts.isEmpty else { return [] }
        let prepared = texts.map { pipeline.prepare($0, dictionary: dictionary) }
        metrics.recordDictionaryMatches(applied: prepared.reduce(0) { $0 + $1.dictionary.matches.count },
                                        misaligned: prepared.reduce(0) { $0 + $1.dictionary.misaligned })
        let request = QueuedRequest(texts: prepared, pipeline: pipeline)
        let decoded: [DecodedSequence]
        if request.sequences.isEmpty {
            decoded = []
        } else {
            decoded = try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    enqueue(request, continuation: continuation)
                    if let timeout {
                        // Weak: a request answered in time is freed now, not when its timer fires.
                        DispatchQueue.global().asyncAfter(deadline: .now() + timeout.seconds) { [weak self, weak request] in
                            guard let self, let request else { return }
                            self.drop(request, reason: .deadline, error: QueueError.deadlineExceeded(seconds: timeout.seconds))
                        }
                    }
                }
            } onCancel: {
                drop(request, reason: .clientGone, error: CancellationError())
            }
        }
        return pipeline.entities(of: prepared, decoded: decoded)
    }

    private func enqueue(_ request: QueuedRequest, continuation: CheckedContinuation<[DecodedSequence], any Error>) {
        let tokens = request.untakenTokens
        let (refusal, wakeUp, depth) = state.withLock { state -> ((any Error)?, CheckedContinuation<Void, Never>?, Int) in
            if request.cancelled { return (CancellationError(), nil, state.queuedTexts) }
            if state.stopped { return (QueueError.shuttingDown, nil, state.queuedTexts) }
            // An empty queue always takes the request, so a batch of up to maxBatchItems texts
            // can never be refused on its own.
            if !state.requests.isEmpty, state.queuedTexts + request.textCount > maxQueue {
                return (QueueError.queueFull(limit: maxQueue), nil, state.queuedTexts)
            }
            request.continuation = continuation
            state.requests.append(request)
            state.queuedTexts += request.textCount
            state.queuedTokens += tokens
            changed(&state)
            return (nil, state.takeWakeUp(), state.queuedTexts)
        }
        metrics.recordQueueDepth(depth)
        if let refusal {
            if case QueueError.queueFull = refusal { metrics.recordQueueFull() }
            if refusal is CancellationError { metrics.recordDropped(.clientGone) }
            continuation.resume(throwing: refusal)
        }
        wakeUp?.resume()
    }

    /// Ends `request` with `error` unless it has already ended. A client that left loses its work
    /// even mid-flight (nobody would read it); a deadline drops only a request the model has not
    /// started on (one being served in several batches is being served, and finishes).
    private func drop(_ request: QueuedRequest, reason: DropReason, error: any Error) {
        let (continuation, depth) = state.withLock { state -> (CheckedContinuation<[DecodedSequence], any Error>?, Int) in
            request.cancelled = request.cancelled || reason == .clientGone
            guard let continuation = request.continuation else { return (nil, state.queuedTexts) }
            if reason == .deadline && (request.taken > 0 || !state.requests.contains { $0 === request }) {
                return (nil, state.queuedTexts)
            }
            request.continuation = nil
            request.cancelled = true
            if state.remove(request) { changed(&state) }
            return (continuation, state.queuedTexts)
        }
        guard let continuation else { return }
        metrics.recordDropped(reason)
        metrics.recordQueueDepth(depth)
        continuation.resume(throwing: error)
    }

    /// Stops taking requests; queued ones are still answered by the inference loop.
    package func stop() {
        let wakeUp = state.withLock { state in
            state.stopped = true
            changed(&state)
            return state.takeWakeUp()
        }
        wakeUp?.resume()
    }

    // MARK: - The inference loop's side

    /// True when there is work to take; false once stopped and drained.
    func waitForWork() async -> Bool {
        while true {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    if !state.requests.isEmpty || state.drained { return true }
                    state.wakeUp = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
            let (work, finished) = state.withLock { (!$0.requests.isEmpty, $0.drained) }
            if work { return true }
            if finished { return false }
        }
    }

    /// Returns once `mayStart` holds for the queue (checked now and at every change), or after
    /// `atMost`. `expecting` is what observers see as `holdingFor`.
    func hold(expecting: Int, atMost: Duration, until mayStart: @escaping @Sendable (QueueSnapshot) -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let token = state.withLock { state -> Int? in
                if mayStart(state.snapshot) { return nil }
                state.holds += 1
                state.hold = Hold(expecting: expecting, token: state.holds, mayStart: mayStart, continuation: continuation)
                changed(&state)
                return state.holds
            }
            guard let token else { return continuation.resume() }
            DispatchQueue.global().asyncAfter(deadline: .now() + atMost.seconds) { [self] in
                let held = state.withLock { state -> CheckedContinuation<Void, Never>? in
                    guard let hold = state.hold, hold.token == token else { return nil }
                    state.hold = nil
                    changed(&state)
                    return hold.continuation
                }
                held?.resume()
            }
        }
    }

    /// Sequences in arrival order up to the head's word-piece budget (always at least one, however
    /// long), all of one pipeline; nil when nothing is queued.
    func take() -> QueuedBatch? {
        let (parts, depth) = state.withLock { state -> ([QueuedBatch.Part], Int) in
            guard let pipeline = state.requests.first?.pipeline else { return ([], state.queuedTexts) }
            let budget = pipeline.maxTokensPerForward
            var parts: [QueuedBatch.Part] = []
            var tokens = 0
            while let request = state.requests.first, request.pipeline.identity == pipeline.identity {
                let start = request.taken
                var end = start
                while end < request.sequences.count, tokens == 0 || tokens + request.sequences[end].count <= budget {
                    tokens += request.sequences[end].count
                    end += 1
                }
                guard end > start else { break }
                state.queuedTokens -= request.sequences[start..<end].reduce(0) { $0 + $1.count }
                request.taken = end
                parts.append(QueuedBatch.Part(request: request, range: start..<end))
                guard end == request.sequences.count else { break }  // budget reached inside this request
                state.requests.removeFirst()
                state.queuedTexts -= request.textCount
            }
            changed(&state)
            return (parts, state.queuedTexts)
        }
        metrics.recordQueueDepth(depth)
        return parts.isEmpty ? nil : QueuedBatch(parts: parts)
    }

    /// The requests with sequences still queued.
    var queuedRequests: Set<ObjectIdentifier> { state.withLock { Set($0.requests.map(ObjectIdentifier.init)) } }

    /// `part` as a batch of its own, unless its request has ended meanwhile (its client left).
    func alone(_ part: QueuedBatch.Part) -> QueuedBatch? {
        state.withLock { _ in part.request.continuation == nil ? nil : QueuedBatch(parts: [part]) }
    }

    /// Hands each request of `batch` its decoded sequences, resuming a caller once all of its
    /// sequences are decoded.
    func deliver(_ decoded: [DecodedSequence], of batch: QueuedBatch) {
        var next = 0
        for part in batch.parts {
            let results = decoded[next..<(next + part.range.count)]
            next += part.range.count
            let finished = state.withLock { _ -> (CheckedContinuation<[DecodedSequence], any Error>, [DecodedSequence])? in
                guard let continuation = part.request.continuation else { return nil }  // dropped meanwhile
                part.request.results += results
                guard part.request.results.count == part.request.sequences.count else { return nil }
                part.request.continuation = nil
                return (continuation, part.request.results)
            }
            if let (continuation, results) = finished { continuation.resume(returning: results) }
        }
    }

    /// Ends every request of `batch` with `error`, with its sequences still queued.
    func fail(_ batch: QueuedBatch, with error: any Error) {
        for part in batch.parts {
            let continuation = state.withLock { state -> CheckedContinuation<[DecodedSequence], any Error>? in
                guard let continuation = part.request.continuation else { return nil }
                part.request.continuation = nil
                if state.remove(part.request) { changed(&state) }
                return continuation
            }
            continuation?.resume(throwing: error)
        }
    }

    /// After every change: ends the loop's hold once it may start, and tells the observer.
    private func changed(_ state: inout State) {
        if let hold = state.hold, hold.mayStart(state.snapshot) {
            state.hold = nil
            hold.continuation.resume()
        }
        observer.queueChanged(state.snapshot)
    }
}
