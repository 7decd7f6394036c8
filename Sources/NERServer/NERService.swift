import BertNER
import Hummingbird
import Logging
import NERServing
import ServiceLifecycle

/// The HTTP service around one `NERPipeline`: its options (the engine's and HTTP's) and the serving core (readiness,
/// metrics, dictionary, request queue), and the Hummingbird application that serves them. Build
/// one, then either `run()` it (the CLI) or test `application()` with HummingbirdTesting without
/// opening a port.
public final class NERService: Sendable {
    public static let version = ServingCore.version

    public let engine: EngineOptions
    public let http: HTTPOptions
    package let core: ServingCore
    public let logger: Logger
    let connections = ConnectionRegistry()

    /// `loader` runs once, in the background after the server starts; by default it loads the
    /// bundle at `engine.modelDirectory`. Whatever it returns gets the engine options' threads and
    /// batch budget.
    public convenience init(engine: EngineOptions, http: HTTPOptions, logger: Logger = Logger(label: "bertner.server"),
                            loader: (@Sendable () throws -> NERPipeline)? = nil) {
        self.init(engine: engine, http: http, logger: logger, loader: loader, queueObserver: NoQueueObserver())
    }

    /// As above, with an observer of the request queue (tests gate the inference loop with one).
    package init(engine: EngineOptions, http: HTTPOptions, logger: Logger = Logger(label: "bertner.server"),
                 loader: (@Sendable () throws -> NERPipeline)? = nil, queueObserver: any QueueObserver) {
        self.engine = engine
        self.http = http
        self.logger = logger
        core = ServingCore(engine: engine, maxWait: .milliseconds(http.maxWaitMilliseconds), maxQueue: http.maxQueue,
                           logger: logger, loader: loader, observer: queueObserver)
    }

    /// Readiness, as the probes report it.
    package var state: ServiceState { core.state }

    /// Re-reads `--dictionary` and swaps it in; an invalid file keeps the dictionary in use. Logs
    /// and counts the outcome (`ner_dictionary_reloads_total`). What SIGHUP does; callable by
    /// embedders and tests. Returns whether the new file was taken.
    @discardableResult
    public func reloadDictionary() -> Bool {
        core.reloadDictionary()
    }

    /// The Hummingbird application: routes plus the background model loader / inference loop.
    /// `onServerRunning` receives the bound port (useful with port 0).
    public func application(onServerRunning: @escaping @Sendable (Int?) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(context: NERRequestContext.self)
        router.add(middleware: ServiceMiddleware(metrics: core.metrics))
        Routes(service: self).register(on: router)
        let connections = connections
        return Application(
            router: router,
            server: .http1(configuration: .init(
                additionalChannelHandlers: [ConnectionWatch(registry: connections)],
                idleTimeout: .milliseconds(Int64(http.idleTimeoutSeconds * 1000)))),
            configuration: .init(address: .hostname(http.host, port: http.port), serverName: "BertNER"),
            services: [InferenceService(server: self)],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port) },
            logger: logger
        )
    }

    /// Serves until SIGTERM/SIGINT, then drains (see `DrainService`) and returns.
    public func run(onServerRunning: @escaping @Sendable (Int?) async -> Void = { _ in }) async throws {
        let group = ServiceGroup(configuration: .init(
            // Shut down in reverse order: draining first, the SIGHUP listener last (a reload in
            // progress must not delay the drain).
            services: [DictionaryReloadService(core: core), application(onServerRunning: onServerRunning), DrainService(server: self)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
    }
}
