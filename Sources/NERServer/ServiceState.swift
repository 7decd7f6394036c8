import BertNER
import Synchronization

/// The one source of readiness: the life of a server process as the probes report it — loading →
/// ready → draining, or failed when the model cannot be loaded — and the model it serves.
/// `/health` is 200 in every phase but `failed`; `/ready` only in `ready`. Requests are served
/// whenever a model is loaded (ready, and still while draining).
public final class ServiceState: Sendable {
    public enum Phase: Sendable, Equatable {
        case loading
        case ready
        case draining
        case failed(String)

        public var name: String {
            switch self {
            case .loading: "loading"
            case .ready: "ready"
            case .draining: "draining"
            case .failed: "failed"
            }
        }
    }

    /// The loaded pipeline and what `/info` says about it; set once, with the phase, under one lock.
    package struct LoadedModel: Sendable {
        package let pipeline: NERPipeline
        package let info: ModelInfo

        package init(pipeline: NERPipeline, info: ModelInfo) {
            self.pipeline = pipeline
            self.info = info
        }
    }

    private struct Storage {
        var phase = Phase.loading
        var model: LoadedModel?
    }

    private let storage = Mutex(Storage())

    public init() {}

    public var current: Phase { storage.withLock { $0.phase } }

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

    public func markFailed(_ reason: String) {
        storage.withLock { $0.phase = .failed(reason) }
    }

    /// From the first shutdown signal on; never undone.
    public func markDraining() {
        storage.withLock {
            if case .failed = $0.phase { return }
            $0.phase = .draining
        }
    }
}
