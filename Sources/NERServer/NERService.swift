import BertNER
import Hummingbird
import Logging
import ServiceLifecycle

/// The HTTP service around one `NERPipeline`: its configuration, probe state, metrics and batcher,
/// and the Hummingbird application that serves them. Build one, then either `run()` it (the CLI)
/// or test `application()` with HummingbirdTesting without opening a port.
public final class NERService: Sendable {
    public static let version = "0.6.0"

    public let configuration: any ServerArguments
    public let state = ServiceState()
    public let metrics = ServerMetrics()
    public let batcher: Batcher
    /// The dictionary applied to every request (`--dictionary`), reloaded by `reloadDictionary()`.
    public let dictionaries: DictionaryStore
    public let logger: Logger
    let loader: @Sendable () throws -> NERPipeline
    let connections = ConnectionRegistry()

    /// `loader` runs once, in the background after the server starts; by default it loads the
    /// bundle at `configuration.modelDirectory`. Whatever it returns gets the configuration's
    /// threads and batch budget (see `configure(_:)`).
    public init(configuration: some ServerArguments, logger: Logger = Logger(label: "bertner.server"),
                loader: (@Sendable () throws -> NERPipeline)? = nil) {
        self.configuration = configuration
        self.logger = logger
        let directory = configuration.modelDirectory, stride = configuration.stride, precision = configuration.precision
        let threads = configuration.threads
        self.loader = loader ?? { try NERPipeline(modelDirectory: directory, stride: stride, precision: precision, threads: threads) }
        dictionaries = DictionaryStore(path: configuration.dictionaryPath)
        batcher = Batcher(maxWait: .milliseconds(configuration.maxWaitMilliseconds),
                          maxQueue: configuration.maxQueue, metrics: metrics)
    }

    /// The configuration's engine settings applied to a loaded pipeline: the cores a forward pass
    /// uses, and the word-piece bound of a forward pass, which is also the batcher's budget.
    func configure(_ pipeline: NERPipeline) -> NERPipeline {
        var pipeline = pipeline
        if configuration.threads > 0 { pipeline.threads = configuration.threads }
        pipeline.maxTokensPerForward = max(1, configuration.maxBatchTokens)
        return pipeline
    }

    /// Re-reads `--dictionary` and swaps it in; an invalid file keeps the dictionary in use. Logs
    /// and counts the outcome (`ner_dictionary_reloads_total`). What SIGHUP does; callable by
    /// embedders and tests. Returns whether the new file was taken.
    @discardableResult
    public func reloadDictionary() -> Bool {
        guard let path = configuration.dictionaryPath else {
            logger.warning("SIGHUP: no --dictionary is configured; nothing to reload")
            return false
        }
        guard let pipeline = state.snapshot.model?.pipeline else {
            logger.warning("SIGHUP before the model is ready: the dictionary loads with it", metadata: ["dictionary": "\(path)"])
            return false
        }
        do {
            let entries = try dictionaries.load(for: pipeline, isReload: true)
            metrics.recordDictionary(entries: entries, reloaded: true)
            logger.info("dictionary reloaded", metadata: ["dictionary": "\(path)", "entries": "\(entries)"])
            return true
        } catch {
            metrics.recordDictionary(entries: nil, reloaded: false)
            logger.error("dictionary reload failed; keeping the previous one", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// The Hummingbird application: routes plus the background model loader / batcher.
    /// `onServerRunning` receives the bound port (useful with port 0).
    public func application(onServerRunning: @escaping @Sendable (Int?) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(context: NERRequestContext.self)
        router.add(middleware: ServiceMiddleware(metrics: metrics))
        Routes(service: self).register(on: router)
        let connections = connections
        return Application(
            router: router,
            server: .http1(configuration: .init(
                additionalChannelHandlers: [ConnectionWatch(registry: connections)],
                idleTimeout: .milliseconds(Int64(configuration.idleTimeoutSeconds * 1000)))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "BertNER"),
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
            services: [DictionaryReloadService(server: self), application(onServerRunning: onServerRunning), DrainService(server: self)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
    }
}
