import BertNER
import Synchronization

/// The one source of readiness: the life of a serving process as the probes report it — loading →
/// ready → draining, or failed when the model cannot be loaded — and the model it serves. What
/// each phase answers is `Readiness`'s to say. Requests are served whenever a model is loaded
/// (ready, and still while draining).
package final class ServiceState: Sendable {
    package enum Phase: Sendable, Equatable {
        case loading
        case ready
        case draining
        case failed(String)

        package var name: String {
            switch self {
            case .loading: "loading"
            case .ready: "ready"
            case .draining: "draining"
            case .failed: "failed"
            }
        }
    }

    /// The loaded pipeline, what `/info` says about it, and how long loading took (for the logs);
    /// set once, with the phase, under one lock.
    package struct LoadedModel: Sendable {
        package let pipeline: NERPipeline
        package let info: ModelInfo
        package let loadTime: Duration
    }

    private struct Storage {
        var phase = Phase.loading
        var model: LoadedModel?
    }

    private let storage = Mutex(Storage())

    package init() {}

    package var current: Phase { storage.withLock { $0.phase } }

    package var model: LoadedModel? { storage.withLock { $0.model } }

    /// The phase and the model read together (a request must not see "ready" without a model).
    package var snapshot: (phase: Phase, model: LoadedModel?) { storage.withLock { ($0.phase, $0.model) } }

    package func markReady(with model: LoadedModel) {
        storage.withLock {
            guard $0.phase == .loading else { return }
            $0.model = model
            $0.phase = .ready
        }
    }

    package func markFailed(_ reason: String) {
        storage.withLock { $0.phase = .failed(reason) }
    }

    /// A start that failed on `error`: a dictionary that cannot be read is a configuration error
    /// and fails like a bad model, with the file named as the culprit.
    package func markFailed(starting error: any Error) {
        markFailed(error is DictionaryError ? "dictionary: \(error)" : String(describing: error))
    }

    /// From the first shutdown signal on; never undone.
    package func markDraining() {
        storage.withLock {
            if case .failed = $0.phase { return }
            $0.phase = .draining
        }
    }
}
