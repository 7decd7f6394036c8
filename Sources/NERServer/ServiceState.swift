import Synchronization

/// The life of one server process as the probes report it: loading → ready → draining, or failed
/// when the model cannot be loaded. `/health` is 200 in every state but `failed`; `/ready` only in
/// `ready`.
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

    private let phase = Mutex(Phase.loading)

    public init() {}

    public var current: Phase { phase.withLock { $0 } }

    public func markReady() {
        phase.withLock { if $0 == .loading { $0 = .ready } }
    }

    public func markFailed(_ reason: String) {
        phase.withLock { $0 = .failed(reason) }
    }

    /// From the first shutdown signal on; never undone.
    public func markDraining() {
        phase.withLock {
            if case .failed = $0 { return }
            $0 = .draining
        }
    }
}
