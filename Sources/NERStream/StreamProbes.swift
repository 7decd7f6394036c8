import BertNER
import Hummingbird
import NERServing
import ServiceLifecycle

/// The worker's small HTTP port, so that it runs as a Kubernetes Deployment: `/health` and
/// `/ready` as the serving core maps the phase (`Probe`: 200 unless failed; 200 while consuming,
/// 503 while loading and from SIGTERM on), `/metrics` and `/info`.
enum StreamProbes {
    static func router(for worker: StreamWorker) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/health") { _, _ in probe(.health, of: worker) }
        router.get("/ready") { _, _ in probe(.ready, of: worker) }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: worker.renderMetrics())))
        }
        router.get("/info") { _, _ in json(JSONEncoding.string(StreamInfo(worker))) }
        return router
    }

    private static func probe(_ probe: Probe, of worker: StreamWorker) -> Response {
        let phase = worker.state.current
        guard let unavailable = probe.unavailability(in: phase) else { return json(probe.body(in: phase)) }
        var response = json(unavailable.json, status: .serviceUnavailable)
        if let seconds = unavailable.retryAfter { response.headers[.retryAfter] = String(seconds) }
        return response
    }

    private static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// `GET /info` of `ner stream`: the sections of `ner serve`'s (`model`, the effective
/// `configuration`, `dictionary`) and the worker's delivery and progress.
struct StreamInfo: Encodable {
    var name = "BertNER"
    var mode = "stream"
    var version = ServingCore.version
    var state: String
    var model: ModelInfo?
    /// Every setting as the worker applies it: the engine's read back from the loaded pipeline,
    /// secret Kafka property values redacted.
    var configuration: ConfigurationReport<StreamOptions>
    /// The worker's dictionary: file, entries, last load and reloads.
    var dictionary: DictionaryStore.Status
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
        configuration = ConfigurationReport(engine: worker.engine, adapter: worker.options.redacted, pipeline: model?.pipeline)
        dictionary = worker.core.dictionaries.status
        delivery = worker.delivery.name
        transactionalId = worker.delivery.transactionalID
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
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "BertNER-stream"),
            services: [self],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port) },
            logger: logger
        )
    }

    /// Runs until SIGTERM/SIGINT; SIGHUP reloads `--dictionary` meanwhile, as for `ner serve`.
    public func runApplication(onServerRunning: @escaping @Sendable (Int?) async -> Void = { _ in }) async throws {
        // Shut down in reverse order: the worker first, the SIGHUP listener last.
        let group = ServiceGroup(configuration: .init(services: [DictionaryReloadService(core: core), application(onServerRunning: onServerRunning)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
