import ArgumentParser
import Logging
import NERServing
import NERStream

/// `ner stream`: the Kafka worker. Its options are the stream's and the engine's groups, declared
/// where they are used; every one also reads an `NER_*` environment variable (the flag wins), as
/// `ner serve`'s do.
struct Stream: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tag a Kafka topic into another as a consumer-group member (at-least-once, or exactly-once with transactions).",
        discussion: """
        Input messages: UTF-8 text, or JSON {"id"?: string|integer, "text": string}. Output: JSON
        {"id", "text"?, "entities", "model", "version"} with the input's key and headers, in input
        order per key. Offsets commit only after the broker acknowledged the results (with --exactly-once,
        in the same transaction as the results). Bad messages go
        to --dead-letter-topic with the reason and source partition/offset.
        Any librdkafka property passes with --kafka-property key=value (prefix consumer. or producer.
        for one client); ${env:NAME} and ${file:PATH} values keep secrets off the command line.
        Probes on --port: /health, /ready, /metrics, /info. SIGHUP reloads --dictionary. SIGTERM:
        stop fetching, finish the messages in flight, commit, leave the group, exit 0.
        """
    )

    @OptionGroup(title: "Kafka") var options: StreamOptions
    @OptionGroup(title: "Engine") var engine: EngineOptions

    func run() async throws {
        ProcessLogging.bootstrap(level: options.logLevel)
        let worker = StreamWorker(engine: engine, options: options, logger: Logger(label: "bertner.stream"))
        let host = options.host
        try await worker.runApplication(onServerRunning: { port in
            ProcessLogging.announceListening(host: host, port: port)
        })
    }
}
