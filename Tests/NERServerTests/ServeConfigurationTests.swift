import BertNER
import Foundation
import NERServer
import NERServing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import Testing

extension ProcessTests {
    /// `ner serve`'s settings reach the server: every `NER_*` variable and every flag shows in `/info`
    /// (flags win over variables), a few change behaviour visibly, and `--threads 1` keeps the process
    /// to one core under concurrent load.
    @Suite("ner serve configuration")
    struct ServeConfigurationTests {
        typealias Server = ServeProcessTests.Server

        /// Each variable, its /info key, and a non-default value as the variable and as /info reports it.
        static let settings: [(variable: String, flag: String, key: String, value: String, flagValue: String)] = [
            ("NER_MAX_BODY_BYTES", "--max-body-bytes", "maxBodyBytes", "12345", "23456"),
            ("NER_MAX_TEXT_CHARACTERS", "--max-text-characters", "maxTextCharacters", "321", "432"),
            ("NER_MAX_BATCH_ITEMS", "--max-batch-items", "maxBatchItems", "7", "8"),
            ("NER_MAX_BATCH_TOKENS", "--max-batch-tokens", "maxBatchTokens", "777", "888"),
            ("NER_MAX_WAIT_MS", "--max-wait-ms", "maxWaitMilliseconds", "3", "4"),
            ("NER_MAX_QUEUE", "--max-queue", "maxQueue", "33", "44"),
            ("NER_REQUEST_TIMEOUT_SECONDS", "--request-timeout-seconds", "requestTimeoutSeconds", "9.5", "19.5"),
            ("NER_THREADS", "--threads", "threads", "1", "2"),
            ("NER_DRAIN_SECONDS", "--drain-seconds", "drainSeconds", "0.5", "0.25"),
            ("NER_IDLE_TIMEOUT_SECONDS", "--idle-timeout-seconds", "idleTimeoutSeconds", "11", "12"),
            ("NER_STRIDE", "--stride", "stride", "17", "18"),
            // The service's default is int8; bf16 is left out, as CPUs without AVX-512 cannot run it.
            ("NER_PRECISION", "--precision", "precision", "fp32", "int8"),
            ("NER_LOG_LEVEL", "--log-level", "logLevel", "debug", "warning"),
            ("NER_DICTIONARY", "--dictionary", "dictionaryPath", TestSupport.dictionary("seed.tsv"), TestSupport.dictionary("block.tsv")),
            ("NER_MAX_DICTIONARY_ENTRIES", "--max-dictionary-entries", "maxDictionaryEntries", "5", "6"),
            ("NER_HOST", "--host", "host", "127.0.0.1", "127.0.0.1"),
            ("NER_PORT", "--port", "port", "0", "0"),
            ("NER_MODEL", "--model", "modelDirectory", TestSupport.modelDirectory, TestSupport.modelDirectory),
        ]

        static func info(_ server: Server, session: URLSession) async throws -> [String: Any] {
            let (data, _) = try await session.data(from: server.url("/info"))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }

        static func same(_ reported: Any?, _ expected: String) -> Bool {
            switch reported {
            case let number as NSNumber: return number.doubleValue == Double(expected)
            case let string as String: return string == expected
            default: return false
            }
        }

        @Test("every NER_* variable named in `ner serve --help` has a case here",
              .enabled(if: FileManager.default.isExecutableFile(atPath: ServeProcessTests.binary.path), "needs .build/debug/ner"))
        func everyVariableCovered() throws {
            let process = Process()
            process.executableURL = ServeProcessTests.binary
            process.arguments = ["serve", "--help"]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let help = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            let named = Set(help.matches(of: /NER_[A-Z_]+/).map { String($0.output) })
            #expect(named == Set(Self.settings.map(\.variable)), "help names \(named.sorted())")
        }

        @Test("every NER_* variable reaches /info and behaviour; flags win over variables",
              .enabled(if: FileManager.default.isExecutableFile(atPath: ServeProcessTests.binary.path), "needs .build/debug/ner"))
        func variablesAndFlags() async throws {
            let session = URLSession(configuration: .ephemeral)
            let environment = Dictionary(uniqueKeysWithValues: Self.settings.map { ($0.variable, $0.value) })
            for useFlags in [false, true] {
                let flags = useFlags ? Self.settings.flatMap { [$0.flag, $0.flagValue] } : []
                let server = try Server(arguments: flags, environment: environment, defaultArguments: false)
                defer { kill(server.process.processIdentifier, SIGKILL); _ = server.waitForExit() }
                #expect(try await server.waitUntilReady(session: session))
                let info = try await Self.info(server, session: session)
                let configuration = try #require(info["configuration"] as? [String: Any])
                // The precision reaches the engine, not just /info's configuration.
                #expect((info["model"] as? [String: Any])?["precision"] as? String == (useFlags ? "int8" : "fp32"))
                for setting in Self.settings {
                    let expected = useFlags ? setting.flagValue : setting.value
                    #expect(Self.same(configuration[setting.key], expected),
                            "\(useFlags ? setting.flag : setting.variable): /info says \(configuration[setting.key] ?? "nothing"), expected \(expected)")
                }
                // And the limit is enforced, not just reported.
                let limit = Int(useFlags ? "432" : "321")!
                var request = URLRequest(url: server.url("/ner"))
                request.httpMethod = "POST"
                request.httpBody = try JSONSerialization.data(withJSONObject: ["text": String(repeating: "京", count: limit + 1)])
                let (data, response) = try await session.data(for: request)
                #expect((response as? HTTPURLResponse)?.statusCode == 413)
                #expect(String(decoding: data, as: UTF8.self).contains("the limit is \(limit)"))

                // The dictionary decides: seed.tsv forces 杭州 as LOC, block.tsv blocks it. And a
                // request may bring 5 entries (variable) or 6 (flag), not 6 / 7.
                let entries = (0..<6).map { ["word": "词\($0)", "type": "O"] }
                request.httpBody = try JSONSerialization.data(withJSONObject: ["text": "马云在杭州阿里巴巴总部发表演讲", "dictionary": entries])
                let (answer, status) = try await session.data(for: request)
                #expect((status as? HTTPURLResponse)?.statusCode == (useFlags ? 200 : 413), "\(String(decoding: answer, as: UTF8.self))")
                request.httpBody = try JSONSerialization.data(withJSONObject: ["text": "马云在杭州阿里巴巴总部发表演讲"])
                let (tagged, _) = try await session.data(for: request)
                let found = try #require(try JSONSerialization.jsonObject(with: tagged) as? [String: Any])["entities"] as? [[String: Any]]
                let hangzhou = found?.first { $0["word"] as? String == "杭州" }
                if useFlags {
                    #expect(!(found ?? []).contains { ($0["start"] as? Int ?? 0) < 5 && ($0["end"] as? Int ?? 0) > 3 }, "\(found ?? [])")
                } else {
                    #expect(hangzhou?["source"] as? String == "dictionary" && hangzhou?["type"] as? String == "LOC", "\(found ?? [])")
                }
            }
        }

        @Test("--threads 1: under concurrent load the process uses at most 1.3 cores, and /info says 1",
              .enabled(if: FileManager.default.isExecutableFile(atPath: ServeProcessTests.binary.path), "needs .build/debug/ner"))
        func oneThread() async throws {
            let server = try Server(arguments: ["--threads", "1", "--drain-seconds", "0"])
            defer { kill(server.process.processIdentifier, SIGKILL); _ = server.waitForExit() }
            let session = URLSession(configuration: .ephemeral)
            #expect(try await server.waitUntilReady(session: session))
            let configuration = try #require(try await Self.info(server, session: session)["configuration"] as? [String: Any])
            #expect(configuration["threads"] as? Int == 1)

            let text = String(repeating: "新华社北京电，国家主席江泽民今天在人民大会堂会见了美国总统克林顿。", count: 4)
            let body = try JSONSerialization.data(withJSONObject: ["text": text])
            let url = server.url("/ner")
            let load = URLSession(configuration: .ephemeral)
            @Sendable func send() async -> Int {
                var request = URLRequest(url: url)
                request.httpMethod = "POST"
                request.httpBody = body
                return ((try? await load.data(for: request))?.1 as? HTTPURLResponse)?.statusCode ?? -1
            }
            _ = await send()  // connections and allocator warm
            let pid = server.process.processIdentifier
            let cpuBefore = try #require(ProcessCPUTime.seconds(pid: String(pid)))
            let started = ContinuousClock.now
            // Four clients at once keep the queue full: the engine always has work for more cores.
            let statuses = await withTaskGroup(of: [Int].self) { group in
                for _ in 0..<4 { group.addTask { var s: [Int] = []; for _ in 0..<6 { s.append(await send()) }; return s } }
                return await group.reduce(into: []) { $0 += $1 }
            }
            let wall = (ContinuousClock.now - started).seconds
            let cores = (try #require(ProcessCPUTime.seconds(pid: String(pid))) - cpuBefore) / wall
            #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
            #expect(cores <= 1.3, "used \(cores) cores over \(wall) s with --threads 1")
        }
    }
}
