import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import NERStream

/// `ner stream` as a process: every `NER_*` variable and flag reaches the worker (`/info`), flags win,
/// secrets never show in logs, `/metrics` or `/info`, and SIGTERM leaves the group and exits 0.
@Suite(.serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: StreamTestSupport.binary.path), "needs .build/debug/ner"))
struct StreamProcessTests {
    typealias Support = StreamTestSupport

    final class Worker: @unchecked Sendable {
        let process = Process()
        let port: Int
        let log: URL

        init(arguments: [String], environment: [String: String] = [:]) throws {
            log = FileManager.default.temporaryDirectory.appendingPathComponent("bertner-stream-\(UUID().uuidString).log")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            process.executableURL = Support.binary
            process.arguments = ["stream"] + arguments
            // int8 unless the test says otherwise: the default, `auto`, times every precision at
            // load, seconds in a debug build.
            process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("NER_") }
                .merging(["NER_PRECISION": "int8"]) { $1 }.merging(environment) { $1 }
            let output = Pipe()
            process.standardOutput = output
            // A file, not a pipe: librdkafka's debug logs would fill a pipe nobody reads.
            process.standardError = try FileHandle(forWritingTo: log)
            try process.run()
            var line = Data()
            while !line.contains(0x0A) {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                line.append(chunk)
            }
            let text = String(decoding: line, as: UTF8.self)
            guard let portText = text.split(separator: ":").last?.split(separator: "\n").first, let port = Int(portText) else {
                process.terminate()
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "no port in: \(text)"])
            }
            self.port = port
        }

        func get(_ path: String) async -> (Int, String) {
            guard let url = URL(string: "http://127.0.0.1:\(port)\(path)"),
                  let (data, response) = try? await URLSession(configuration: .ephemeral).data(from: url) else { return (-1, "") }
            return ((response as? HTTPURLResponse)?.statusCode ?? -1, String(decoding: data, as: UTF8.self))
        }

        /// Polls /ready until 200; false if the process exits first (no deadline: loading takes what it takes).
        func waitUntilReady() async throws -> Bool {
            while process.isRunning {
                if await get("/ready").0 == 200 { return true }
                try await Task.sleep(for: .milliseconds(50))
            }
            return false
        }

        func info() async throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(await get("/info").1.utf8)) as? [String: Any])
        }

        func terminate() -> Int32 {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            return process.terminationStatus
        }

        var standardError: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        deinit { try? FileManager.default.removeItem(at: log) }
    }

    /// Each variable, its /info configuration key, a value as the variable, and another as the flag.
    static func settings(_ bootstrap: String, file: String) -> [(variable: String, flag: String, key: String, value: String, flagValue: String)] {
        [
            ("NER_BROKERS", "--brokers", "brokers", bootstrap, bootstrap),
            ("NER_INPUT_TOPIC", "--input-topic", "inputTopic", "in", "in2"),
            ("NER_OUTPUT_TOPIC", "--output-topic", "outputTopic", "out", "out2"),
            ("NER_GROUP", "--group", "group", "g-env", "g-flag"),
            ("NER_DEAD_LETTER_TOPIC", "--dead-letter-topic", "deadLetterTopic", "dlq", "dlq2"),
            ("NER_KAFKA_PROPERTIES", "--kafka-property", "kafkaProperties", "linger.ms=7", "linger.ms=9"),
            ("NER_KAFKA_PROPERTIES_FILE", "--kafka-properties-file", "kafkaPropertiesFile", file, file),
            ("NER_INCLUDE_TEXT", "--no-include-text", "includeText", "1", "0"),
            ("NER_MODEL", "--model", "modelDirectory", Support.modelDirectory, Support.modelDirectory),
            ("NER_PRECISION", "--precision", "precision", "fp32", "int8"),
            ("NER_THREADS", "--threads", "threads", "1", "2"),
            ("NER_STRIDE", "--stride", "stride", "17", "18"),
            ("NER_DICTIONARY", "--dictionary", "dictionaryPath", Support.dictionary("seed.tsv"), Support.dictionary("block.tsv")),
            ("NER_MAX_BATCH_TOKENS", "--max-batch-tokens", "maxBatchTokens", "777", "888"),
            ("NER_MAX_WAIT_MS", "--max-wait-ms", "maxWaitMilliseconds", "3", "4"),
            ("NER_MAX_IN_FLIGHT", "--max-in-flight", "maxInFlight", "33", "44"),
            ("NER_MAX_TEXT_CHARACTERS", "--max-text-characters", "maxTextCharacters", "321", "432"),
            ("NER_COMMIT_INTERVAL_MS", "--commit-interval-ms", "commitIntervalMilliseconds", "70", "80"),
            ("NER_EXACTLY_ONCE", "--no-exactly-once", "exactlyOnce", "1", "0"),
            ("NER_TRANSACTIONAL_ID", "--transactional-id", "transactionalId", "t-env", "t-flag"),
            ("NER_DRAIN_TIMEOUT_SECONDS", "--drain-timeout-seconds", "drainTimeoutSeconds", "9.5", "19.5"),
            ("NER_HOST", "--host", "host", "127.0.0.1", "127.0.0.1"),
            ("NER_PORT", "--port", "port", "0", "0"),
            ("NER_LOG_LEVEL", "--log-level", "logLevel", "debug", "warning"),
        ]
    }

    static func same(_ reported: Any?, _ expected: String, key: String) -> Bool {
        switch reported {
        case let values as [String]: return values == [expected]
        case let flag as Bool where ["includeText", "exactlyOnce"].contains(key): return flag == (expected == "1")
        case let number as NSNumber: return number.doubleValue == Double(expected)
        case let string as String: return string == expected
        default: return false
        }
    }

    @Test("every NER_* variable named in `ner stream --help` has a case here")
    func everyVariableCovered() throws {
        let process = Process()
        process.executableURL = Support.binary
        process.arguments = ["stream", "--help"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let help = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let named = Set(help.matches(of: /NER_[A-Z_]+/).map { String($0.output) })
        #expect(named == Set(Self.settings("", file: "").map(\.variable)), "help names \(named.sorted())")
    }

    @Test("every NER_* variable reaches /info; flags win over variables; SIGTERM exits 0")
    func variablesAndFlags() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        for topic in ["in", "in2"] { try cluster.createTopic(topic, partitions: 1) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bertner-\(UUID().uuidString).properties")
        try "socket.keepalive.enable=true\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let settings = Self.settings(cluster.bootstrapServers, file: file.path)
        let environment = Dictionary(uniqueKeysWithValues: settings.map { ($0.variable, $0.value) })
        for useFlags in [false, true] {
            let flags = useFlags ? settings.flatMap { $0.flag.hasPrefix("--no-") ? [$0.flag] : [$0.flag, $0.flagValue] } : []
            let worker = try Worker(arguments: flags, environment: environment)
            #expect(try await worker.waitUntilReady(), "\(worker.standardError)")
            let info = try await worker.info()
            let configuration = try #require(info["configuration"] as? [String: Any])
            for setting in settings {
                let expected = useFlags ? setting.flagValue : setting.value
                #expect(Self.same(configuration[setting.key], expected, key: setting.key),
                        "\(useFlags ? setting.flag : setting.variable): /info has \(String(describing: configuration[setting.key])), expected \(expected)")
            }
            #expect((info["model"] as? [String: Any])?["precision"] as? String == (useFlags ? "int8" : "fp32"))
            #expect(info["delivery"] as? String == (useFlags ? "at-least-once" : "exactly-once"))
            #expect(info["transactionalId"] as? String == (useFlags ? nil : "t-env"))
            // The server-wide dictionary is the serving core's store, reported as `ner serve` reports it.
            let dictionary = try #require(info["dictionary"] as? [String: Any])
            #expect(dictionary["path"] as? String == Support.dictionary(useFlags ? "block.tsv" : "seed.tsv"))
            #expect(dictionary["entries"] as? Int == (useFlags ? 1 : 2))
            #expect(worker.terminate() == 0, "\(worker.standardError)")
            if !useFlags { #expect(worker.standardError.contains("stopped"), "NER_LOG_LEVEL=debug logs the stop") }
            if useFlags { #expect(!worker.standardError.contains(" info "), "--log-level warning hides info lines") }
        }
    }

    @Test("secrets from the environment or a file never appear in logs, /metrics or /info")
    func secretsStayHidden() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("in", partitions: 1)
        let secretFile = FileManager.default.temporaryDirectory.appendingPathComponent("bertner-secret-\(UUID().uuidString)")
        try "file-secret-7f3a\n".write(to: secretFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: secretFile) }
        // SASL against a broker that does not speak it: authentication fails and is logged, with
        // librdkafka's own debug output on.
        let worker = try Worker(arguments: [
            "--brokers", cluster.bootstrapServers, "--input-topic", "in", "--port", "0", "--host", "127.0.0.1",
            "--model", Support.modelDirectory,
            "--kafka-property", "security.protocol=SASL_PLAINTEXT", "--kafka-property", "sasl.mechanisms=PLAIN",
            "--kafka-property", "sasl.username=svc", "--kafka-property", "sasl.password=${env:KAFKA_SECRET}",
            "--kafka-property", "ssl.key.password=${file:\(secretFile.path)}", "--kafka-property", "debug=security,broker,conf",
            "--log-level", "debug",
        ], environment: ["KAFKA_SECRET": "env-secret-91c2"])
        #expect(try await worker.waitUntilReady(), "\(worker.standardError)")
        let metrics = await worker.get("/metrics").1
        let info = await worker.get("/info").1
        // Authentication has been tried (and logged) before we look.
        try await Support.eventually("a SASL log line") { worker.standardError.contains("SASL") || worker.standardError.contains("sasl") }
        #expect(worker.terminate() == 0)
        let log = worker.standardError
        for secret in ["env-secret-91c2", "file-secret-7f3a"] {
            #expect(!log.contains(secret), "log shows \(secret)")
            #expect(!metrics.contains(secret))
            #expect(!info.contains(secret))
        }
        #expect(info.contains("sasl.password=${env:KAFKA_SECRET}") || info.contains("sasl.password=***"))
        #expect(log.contains("sasl.password=***"), "the start-up line lists properties redacted")
    }

    @Test("--exactly-once and NER_EXACTLY_ONCE=1 each commit in transactions (without either, consumer commits)")
    func exactlyOnceFlagAndVariable() async throws {
        let cluster = try Support.cluster(brokers: 1, topics: ["in": 1, "out": 1])
        _ = try await Support.produce(cluster.bootstrapServers, topic: "in", (0..<3).map { _ in (key: nil, value: Array("北京".utf8), partition: 0) })
        let common = ["--brokers", cluster.bootstrapServers, "--input-topic", "in", "--output-topic", "out", "--port", "0", "--host", "127.0.0.1",
                      "--model", Support.modelDirectory, "--commit-interval-ms", "50"]
        let runs: [(group: String, arguments: [String], environment: [String: String], transactional: Bool)] = [
            ("flag", ["--exactly-once", "--transactional-id", "eos-flag-1"], [:], true),
            ("variable", [], ["NER_EXACTLY_ONCE": "1", "NER_TRANSACTIONAL_ID": "eos-env-1"], true),
            ("neither", [], [:], false),
        ]
        for run in runs {
            let worker = try Worker(arguments: common + ["--group", run.group] + run.arguments, environment: run.environment)
            #expect(try await worker.waitUntilReady(), "\(run.group): \(worker.standardError)")
            try await Support.eventually("\(run.group): 3 messages done and committed") {
                let metrics = await worker.get("/metrics").1
                return Support.metric(metrics, #"ner_stream_messages_total{outcome="result"}"#) == 3
                    && Support.metric(metrics, #"ner_stream_commits_total{result="success"}"#) >= 1
            }
            let metrics = await worker.get("/metrics").1
            let transactions = Support.metric(metrics, #"ner_stream_transactions_total{result="committed"}"#)
            #expect((transactions >= 1) == run.transactional, "\(run.group): \(transactions) transactions")
            #expect(try await worker.info()["delivery"] as? String == (run.transactional ? "exactly-once" : "at-least-once"))
            #expect(worker.terminate() == 0, "\(worker.standardError)")
            // Consumer commits store offsets in the group; the mock drops transactional ones.
            let committed = try await Support.committed(cluster.bootstrapServers, group: run.group, topic: "in", partitions: 1)
            #expect((committed[0] == .some(3)) == !run.transactional, "\(run.group): \(committed)")
        }
    }

    @Test("--exactly-once refuses a transactional.id property and enable.idempotence=false, naming them")
    func exactlyOnceBadCombinations() throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        for (property, named) in [("transactional.id=mine", "Kafka property 'transactional.id': set it with --transactional-id"),
                                  ("producer.enable.idempotence=false", "Kafka property 'enable.idempotence': must stay true under --exactly-once")] {
            let worker = try Worker(arguments: ["--brokers", cluster.bootstrapServers, "--port", "0", "--model", Support.modelDirectory,
                                                "--exactly-once", "--kafka-property", property])
            worker.process.waitUntilExit()
            #expect(worker.process.terminationStatus != 0)
            #expect(worker.standardError.contains(named), "\(worker.standardError)")
        }
    }

    @Test("bad configuration fails at start with the property named")
    func badConfiguration() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let worker = try Worker(arguments: ["--brokers", cluster.bootstrapServers, "--port", "0", "--model", Support.modelDirectory,
                                            "--kafka-property", "no.such.property=1"])
        worker.process.waitUntilExit()
        #expect(worker.process.terminationStatus != 0)
        #expect(worker.standardError.contains("Kafka property 'no.such.property'"), "\(worker.standardError)")
    }
}
