import BertNER
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// The HTTP service around one `NERPipeline`: its configuration, probe state, metrics and batcher,
/// and the Hummingbird application that serves them. Build one, then either `run()` it (the CLI)
/// or test `application()` with HummingbirdTesting without opening a port.
public final class NERService: Sendable {
    public static let version = "0.5.0"

    public let configuration: ServerConfiguration
    public let state = ServiceState()
    public let metrics = ServerMetrics()
    public let batcher: Batcher
    public let logger: Logger
    let loader: @Sendable () throws -> NERPipeline
    private let model = Mutex<ModelInfo?>(nil)

    /// `loader` runs once, in the background after the server starts; by default it loads the
    /// bundle at `configuration.modelDirectory`.
    public init(configuration: ServerConfiguration, logger: Logger = Logger(label: "bertner.server"),
                loader: (@Sendable () throws -> NERPipeline)? = nil) {
        self.configuration = configuration
        self.logger = logger
        let directory = configuration.modelDirectory, stride = configuration.stride, threads = configuration.threads
        self.loader = loader ?? {
            var pipeline = try NERPipeline(modelDirectory: directory, stride: stride)
            if threads > 0 { pipeline.threads = threads }
            return pipeline
        }
        batcher = Batcher(maxBatchTokens: configuration.maxBatchTokens,
                          maxWait: .milliseconds(configuration.maxWaitMilliseconds),
                          maxQueue: configuration.maxQueue, metrics: metrics)
    }

    var modelInfo: ModelInfo? { model.withLock { $0 } }
    func setModel(_ info: ModelInfo) { model.withLock { $0 = info } }

    /// The Hummingbird application: routes plus the background model loader / batcher.
    /// `onServerRunning` receives the bound port (useful with port 0).
    public func application(onServerRunning: @escaping @Sendable (Int?) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: ServiceMiddleware(metrics: metrics))
        Routes(service: self).register(on: router)
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .milliseconds(Int64(configuration.idleTimeoutSeconds * 1000)))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "BertNER"),
            services: [InferenceService(server: self)],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port) },
            logger: logger
        )
    }

    /// Serves until SIGTERM/SIGINT, then drains (see `DrainService`) and returns.
    public func run(onServerRunning: @escaping @Sendable (Int?) async -> Void = { _ in }) async throws {
        let group = ServiceGroup(configuration: .init(
            services: [application(onServerRunning: onServerRunning), DrainService(server: self)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
    }
}
