import Foundation
import NERServing
import Testing

/// The one phase → answer mapping both adapters' probes and request admission use.
struct ReadinessTests {
    static let phases: [ServiceState.Phase] = [.loading, .ready, .draining, .failed("no such file")]

    @Test("/health fails only when the model failed; /ready passes only when ready")
    func probes() {
        for phase in Self.phases {
            let failed = ServiceUnavailable.modelFailed("no such file")
            #expect(Probe.health.unavailability(in: phase) == (phase == .failed("no such file") ? failed : nil), "\(phase)")
            let expected: ServiceUnavailable? = switch phase {
            case .loading: .notReady
            case .ready: nil
            case .draining: .draining
            case .failed: failed
            }
            #expect(Probe.ready.unavailability(in: phase) == expected, "\(phase)")
        }
    }

    @Test("passing probes and refusals have the documented bodies, codes and Retry-After")
    func bodies() {
        #expect(Probe.health.body(in: .draining) == #"{"state":"draining","status":"ok"}"#)
        #expect(Probe.ready.body(in: .ready) == #"{"state":"ready","status":"ready"}"#)
        #expect(ServiceUnavailable.notReady.json == #"{"error":{"code":"not_ready","message":"the model is still loading; retry shortly"}}"#)
        #expect(ServiceUnavailable.notReady.retryAfter == 1 && ServiceUnavailable.draining.retryAfter == 1)
        #expect(ServiceUnavailable.draining.code == "draining")
        let failed = ServiceUnavailable.modelFailed("Weights/x/config.json: missing")
        #expect(failed.code == "model_failed" && failed.retryAfter == nil, "retrying a replica without a model does not help")
        #expect(failed.json.contains(#""the model failed to load: Weights/x/config.json: missing""#), "slashes stay unescaped")
    }

    @Test("a request without a model is refused as /ready refuses it (notReady while loading, or draining)")
    func admission() {
        let state = ServiceState()
        #expect(throws: ServiceUnavailable.notReady) { try state.modelForRequests() }
        state.markDraining()
        #expect(throws: ServiceUnavailable.draining) { try state.modelForRequests() }
        state.markFailed(starting: CocoaError(.fileNoSuchFile))
        #expect(throws: ServiceUnavailable.self) { try state.modelForRequests() }
        #expect(state.current.name == "failed")
    }
}
