import BertNER
import Hummingbird
import NERServer
import ServiceLifecycle

/// The worker's small HTTP port, so that it runs as a Kubernetes Deployment: `/health` (200 unless
/// it failed), `/ready` (200 while consuming; 503 while loading and from SIGTERM on), `/metrics`
/// and `/info`.
enum StreamProbes {
    static func router(for worker: StreamWorker) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/health") { _, _ -> Response in
            if case .failed(let reason) = worker.state.current { return APIError.modelFailed(reason).response() }
            return JSONBody.response(#"{"state":"\#(worker.state.current.name)","status":"ok"}"#)
        }
        router.get("/ready") { _, _ -> Response in
            switch worker.state.current {
            case .ready: JSONBody.response(#"{"state":"ready","status":"ready"}"#)
            case .loading: APIError.notReady.response()
            case .draining: APIError.draining.response()
            case .failed(let reason): APIError.modelFailed(reason).response()
            }
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: worker.renderMetrics())))
        }
        router.get("/info") { _, _ in JSONBody.response(StreamInfo(worker)) }
        return router
    }
}

/// `GET /info` of `ner stream`.
struct StreamInfo: Encodable {
    var name = "BertNER"
    var mode = "stream"
    var version = NERService.version
    var state: String
    var model: ModelInfo?
    var configuration: StreamConfiguration
    /// "at-least-once" or "exactly-once".
    var delivery: String
    /// The producer's transactional.id in force (exactly-once only).
    var transactionalId: String?
    var inFlight: Int
    var assignedPartitions: [String]

    init(_ worker: StreamWorker) {
        let (phase, model) = worker.state.snapshot
        state = phase.name
        self.model = model?.info
        var configuration = StreamConfiguration(worker.configuration).redacted
        if let pipeline = model?.pipeline {
            configuration.threads = pipeline.threads
            configuration.maxBatchTokens = pipeline.maxTokensPerForward
        }
        self.configuration = configuration
        delivery = configuration.exactlyOnce ? "exactly-once" : "at-least-once"
        transactionalId = configuration.exactlyOnce ? TransactionalID.resolve(configuration) : nil
        let progress = worker.progress
        inFlight = progress.inFlight
        assignedPartitions = progress.assigned.map(\.description)
    }
}

extension StreamWorker {
    /// The probe server and the worker as one application: SIGTERM/SIGINT drain the worker (it
    /// finishes, commits and leaves the group) and then close the port.
    public func application(onServerRunning: @escaping @Sendable (Int?) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: StreamProbes.router(for: self),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "BertNER-stream"),
            services: [self],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port) },
            logger: logger
        )
    }

    public func runApplication(onServerRunning: @escaping @Sendable (Int?) async -> Void = { _ in }) async throws {
        let group = ServiceGroup(configuration: .init(services: [application(onServerRunning: onServerRunning)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
