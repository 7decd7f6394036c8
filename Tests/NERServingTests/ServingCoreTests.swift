import BertNER
import Foundation
import Logging
import NERServing
import Testing

/// The core as both adapters use it: one load (configured, warmed up, with the dictionary), the
/// request queue with the server-wide dictionary, reloads, and the shared metrics.
@Suite(.serialized) struct ServingCoreTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let modelDirectory = repository.appendingPathComponent("Weights/default").path
    static let pipeline: Result<NERPipeline, any Error> = Result { try NERPipeline(modelDirectory: modelDirectory) }
    static let seed = "马云在杭州阿里巴巴总部发表演讲"

    /// The engine options these tests load with: fp32, one thread, 300 word pieces a batch.
    static func engine(dictionaryPath: String? = nil) throws -> EngineOptions {
        try EngineOptions.parse(["--model", modelDirectory, "--precision", "fp32", "--threads", "1", "--max-batch-tokens", "300"]
                                + (dictionaryPath.map { ["--dictionary", $0] } ?? []))
    }

    static func file(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bertner-core-\(UUID().uuidString).tsv").path
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func core(_ engine: EngineOptions) -> ServingCore {
        var logger = Logger(label: "bertner.core.test")
        logger.logLevel = .critical
        return ServingCore(engine: engine, maxWait: .zero, maxQueue: 8, logger: logger, loader: { try pipeline.get() })
    }

    /// The entities of `text` through the core's queue with its dictionary, as `word TYPE source`.
    static func recognize(_ text: String, _ core: ServingCore, model: ServiceState.LoadedModel) async throws -> [String] {
        let entities = try await core.queue.recognize([text], with: model.pipeline, dictionary: core.dictionaries.current)[0]
        return entities.map { "\($0.word) \($0.type) \($0.source)" }
    }

    @Test("load applies the configured threads and batch budget, reads the dictionary, and records the load")
    func load() async throws {
        let path = try Self.file("阿里巴巴\tORG\n")
        let core = Self.core(try Self.engine(dictionaryPath: path))
        let model = try await core.load()
        #expect(model.pipeline.threads == 1 && model.pipeline.maxTokensPerForward == 300)
        #expect(model.info.directory == Self.modelDirectory && model.info.entityTypes == model.pipeline.entityTypes)
        #expect(core.state.current == .loading, "the adapter marks ready once it can take work")
        #expect(core.dictionaries.status.entries == 1)
        let metrics = core.renderMetrics()
        #expect(metrics.contains("ner_dictionary_entries 1"))
        #expect(metrics.contains("ner_ready 0"))
        #expect(!metrics.contains("ner_model_load_seconds 0\n"), "the load time is recorded")
    }

    @Test("the queue decides with the store's dictionary; a reload swaps it whole, an invalid file keeps it")
    func dictionaryThroughTheQueue() async throws {
        let path = try Self.file("阿里巴巴\tORG\n")
        let core = Self.core(try Self.engine(dictionaryPath: path))
        #expect(!core.reloadDictionary(), "before the model is ready the dictionary loads with it")
        let model = try await core.load()
        core.state.markReady(with: model)
        let run = Task { await core.run() }
        #expect(try await Self.recognize(Self.seed, core, model: model).contains("阿里巴巴 ORG dictionary"))

        try Data("杭州\tO\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(core.reloadDictionary())
        let reloaded = try await Self.recognize(Self.seed, core, model: model)
        #expect(!reloaded.contains { $0.hasPrefix("杭州") } && !reloaded.contains("阿里巴巴 ORG dictionary"), "\(reloaded)")

        try Data("杭州\tCOMPANY\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(!core.reloadDictionary())
        #expect(try await Self.recognize(Self.seed, core, model: model) == reloaded, "the old dictionary stays")
        let status = core.dictionaries.status
        #expect(status.reloads == 1 && status.failedReloads == 1 && status.lastError?.hasPrefix("\(path):1:") == true)
        let metrics = core.renderMetrics()
        #expect(metrics.contains(#"ner_dictionary_reloads_total{result="success"} 1"#))
        #expect(metrics.contains(#"ner_dictionary_reloads_total{result="failure"} 1"#))
        #expect(metrics.contains("ner_ready 1"))

        core.stop()
        await run.value
        await #expect(throws: QueueError.shuttingDown) { try await core.queue.recognize([Self.seed], with: model.pipeline, dictionary: .empty) }
    }

    @Test("a dictionary that cannot be read fails the start, and the failure names the dictionary")
    func invalidDictionary() async throws {
        let path = try Self.file("阿里巴巴 ORG\n")
        let core = Self.core(try Self.engine(dictionaryPath: path))
        do {
            _ = try await core.load()
            Issue.record("the load succeeded")
        } catch {
            core.state.markFailed(starting: error)
        }
        guard case .failed(let reason) = core.state.current else {
            Issue.record("state is \(core.state.current)")
            return
        }
        #expect(reason.hasPrefix("dictionary: \(path):1:"), "\(reason)")
    }
}
