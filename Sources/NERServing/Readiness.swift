/// The probes of a serving process and what each answers in each phase: the one mapping from a
/// phase to a status, used by the HTTP routes, the stream's probe port and request admission.
package enum Probe: Sendable {
    /// Liveness (`/health`): the process answers. Only a model that failed to load makes it
    /// unhealthy: a replica without a model must be restarted, not waited for.
    case health
    /// Readiness (`/ready`): send work here only when the model is loaded and the process is not
    /// draining.
    case ready

    /// Why the probe fails in `phase` (503), or nil when it passes (200 with `body(in:)`).
    package func unavailability(in phase: ServiceState.Phase) -> ServiceUnavailable? {
        switch (self, phase) {
        case (_, .failed(let reason)): .modelFailed(reason)
        case (.health, _), (.ready, .ready): nil
        case (.ready, .loading): .notReady
        case (.ready, .draining): .draining
        }
    }

    /// The body of a passing probe: `{"state": <phase>, "status": "ok" | "ready"}`.
    package func body(in phase: ServiceState.Phase) -> String {
        JSONEncoding.string(Passed(state: phase.name, status: self == .health ? "ok" : "ready"))
    }

    private struct Passed: Encodable {
        var state: String
        var status: String
    }
}

extension ServiceState {
    /// The model to serve a request with, or why there is none: the readiness probe's answer (a
    /// draining process without a model says so; so does one whose model failed).
    package func modelForRequests() throws(ServiceUnavailable) -> LoadedModel {
        let (phase, model) = snapshot
        guard let model else { throw Probe.ready.unavailability(in: phase) ?? .notReady }
        return model
    }
}
