import BertNER
import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdTesting
import NERServer
import NERServing
import Testing

/// Shared pieces of the server tests: the shipped default model, a loaded pipeline reused across
/// tests, and helpers to drive the router and read JSON.
enum TestSupport {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let modelDirectory = repository.appendingPathComponent("Weights/default").path

    /// A committed dictionary file of Tests/Fixtures/dictionaries.
    static func dictionary(_ name: String) -> String {
        repository.appendingPathComponent("Tests/Fixtures/dictionaries/\(name)").path
    }

    /// Loaded once per test process; loading is cheap but the tests are many.
    static let pipeline: Result<NERPipeline, any Error> = Result { try NERPipeline(modelDirectory: modelDirectory) }

    /// `gate` (if any) sees the request queue and can hold its inference loop; `engine` are engine
    /// flags (`["--threads", "1"]`), `adjust` sets HTTP options.
    static func service(gate: QueueGate? = nil, engine arguments: [String] = [], _ adjust: (inout HTTPOptions) -> Void = { _ in },
                        loader: (@Sendable () throws -> NERPipeline)? = nil) -> NERService {
        let engine: EngineOptions = options(["--model", modelDirectory] + arguments)
        var http: HTTPOptions = options(["--port", "0"])
        adjust(&http)
        return NERService(engine: engine, http: http, loader: loader ?? { try pipeline.get() },
                          queueObserver: gate ?? NoQueueObserver())
    }

    /// An option group as the command line `arguments` give it (defaults for the rest).
    static func options<Options: ParsableArguments>(_ arguments: [String]) -> Options {
        do {
            return try Options.parse(arguments)
        } catch {
            fatalError("\(arguments): \(Options.message(for: error))")
        }
    }

    /// Polls /ready until 200 (the model loads in the background after the server starts), or
    /// until the load has failed. No deadline: how long loading takes under load is not the test.
    static func waitUntilReady(_ client: some TestClientProtocol) async throws {
        while true {
            let response = try await client.execute(uri: "/ready", method: .get)
            if response.status == .ok { return }
            if (try? error(response).code) == "model_failed" {
                Issue.record("the model failed to load: \(String(buffer: response.body))")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func json(_ string: String) -> ByteBuffer { ByteBuffer(string: string) }

    static func object(_ response: TestResponse) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(buffer: response.body))
        return try #require(value as? [String: Any], "response body is not a JSON object: \(String(buffer: response.body))")
    }

    /// (code, message) of an API error body.
    static func error(_ response: TestResponse) throws -> (code: String, message: String) {
        let error = try #require(try object(response)["error"] as? [String: Any])
        return (try #require(error["code"] as? String), try #require(error["message"] as? String))
    }
}
