import ArgumentParser
import Logging
import NERServer
import NERServing

/// `ner serve`: the HTTP service. Its options are the engine's and HTTP's groups, declared where
/// they are used; every one also reads an `NER_*` environment variable (the flag wins), which is how
/// containers configure it.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the REST API, probes, metrics and the web page.",
        discussion: """
        Routes: POST /ner, POST /ner/batch, GET /health, /ready, /metrics, /info, /openapi.json, /docs, /.
        The port opens at once; the model loads in the background and /ready turns 200 when it is warm.
        SIGHUP reloads --dictionary (an invalid file keeps the old one and is logged with its line).
        SIGTERM/SIGINT: /ready turns 503, requests are still served for --drain-seconds, in-flight
        requests finish, and the process exits 0.
        """
    )

    @OptionGroup(title: "Engine") var engine: EngineOptions
    @OptionGroup(title: "HTTP") var http: HTTPOptions

    func run() async throws {
        ProcessLogging.bootstrap(level: http.logLevel)
        let service = NERService(engine: engine, http: http, logger: Logger(label: "bertner"))
        let host = http.host
        try await service.run(onServerRunning: { port in
            ProcessLogging.announceListening(host: host, port: port)
        })
    }
}
