import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import Testing

/// The real `ner serve` binary, one process per test. Serialized: each test starts a server (the
/// debug build takes seconds to load and warm up), and several at once beside the in-process suites
/// oversubscribed the two cores so far that readiness took minutes.
@Suite("ner serve processes", .serialized)
struct ProcessTests {}

extension ProcessTests {
    /// `ner serve` as a real process: the port is printed, /ready turns 200, and SIGTERM in the middle
    /// of a burst loses nothing — every request gets a complete 200 and the process exits 0.
    @Suite("ner serve process")
    struct ServeProcessTests {
        static var binary: URL {
            TestSupport.repository.appendingPathComponent(".build/debug/ner")
        }

        /// A started server and the port it printed.
        final class Server: @unchecked Sendable {
            let process = Process()
            let port: Int
            private let errors = Pipe()

            /// `environment` is added to this process's (an empty value removes a variable). The
            /// precision is int8 unless `environment` or `arguments` say otherwise: the service's
            /// default, `auto`, times every precision at load, seconds in a debug build.
            init(arguments: [String], environment: [String: String] = [:], defaultArguments: Bool = true) throws {
                process.executableURL = ServeProcessTests.binary
                process.arguments = ["serve"] + (defaultArguments ? ["--host", "127.0.0.1", "--port", "0", "--model", TestSupport.modelDirectory] : []) + arguments
                process.environment = ProcessInfo.processInfo.environment.merging(["NER_PRECISION": "int8"]) { $1 }
                    .merging(environment) { $1 }.filter { !$0.value.isEmpty }
                let output = Pipe()
                process.standardOutput = output
                process.standardError = errors
                try process.run()
                // The first stdout line is "listening on http://HOST:PORT".
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

            func url(_ path: String) -> URL { URL(string: "http://127.0.0.1:\(port)\(path)")! }

            func waitForExit() -> Int32 {
                process.waitUntilExit()
                return process.terminationStatus
            }

            /// Polls /ready until it answers `status` (200: loaded); false if the process exits first.
            /// No deadline: on a loaded machine the debug build's load and warm-up, and this test
            /// process's own scheduling, take what they take (CI's time limit catches a real hang).
            func waitUntilReady(session: URLSession, status: Int = 200) async throws -> Bool {
                while process.isRunning {
                    if await ServeProcessTests.get(url("/ready"), session: session) == status { return true }
                    try await Task.sleep(for: .milliseconds(50))
                }
                return false
            }

            var standardError: String { String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
        }

        /// Requests finished so far, shared by the client tasks.
        final class CompletionCounter: Sendable {
            private let count = Atomic(0)
            func increment() { count.add(1, ordering: .relaxed) }
            var value: Int { count.load(ordering: .relaxed) }
        }

        /// A session whose requests may wait minutes (the debug build on a loaded machine), so
        /// that only a real hang fails a test.
        static func patientSession() -> URLSession {
            let configuration = URLSessionConfiguration.ephemeral
            configuration.timeoutIntervalForRequest = 300
            return URLSession(configuration: configuration)
        }

        static func get(_ url: URL, session: URLSession) async -> Int {
            guard let (_, response) = try? await session.data(from: url) else { return -1 }
            return (response as? HTTPURLResponse)?.statusCode ?? -1
        }

        @Test("SIGTERM during a burst: every request answered 200 with its entities, /ready 503, exit 0",
              .enabled(if: FileManager.default.isExecutableFile(atPath: ServeProcessTests.binary.path), "needs .build/debug/ner"))
        func gracefulShutdownUnderLoad() async throws {
            // The drain window is the server's own timer; the late wave must arrive within it even when
            // this test process is starved by the parallel suite (2 s once found the listener closed),
            // so it is generous — the test then waits it out for the exit status.
            let server = try Server(arguments: ["--drain-seconds", "20"])
            let session = URLSession(configuration: .ephemeral)
            #expect(try await server.waitUntilReady(session: session))

            // All requests go out at once (one connection each), SIGTERM follows while most are still
            // queued or computing; a second wave arrives during the drain window. Every one must be a 200.
            let text = "新华社北京电，国家主席江泽民今天在人民大会堂会见了美国总统克林顿。"
            let body = try JSONSerialization.data(withJSONObject: ["text": text])
            let completed = CompletionCounter()
            let burst = 96, lateWave = 8
            let url = server.url("/ner")
            let configuration = URLSessionConfiguration.ephemeral
            configuration.httpMaximumConnectionsPerHost = burst + lateWave
            // A bound on a hang only: 96 texts on the debug build of an AVX2-only machine with a busy
            // core took over 60 s (URLSession's timeout is the gap between bytes, so all of it).
            configuration.timeoutIntervalForRequest = 600
            let burstSession = URLSession(configuration: configuration)
            @Sendable func send() async -> String? {
                var request = URLRequest(url: url)
                request.httpMethod = "POST"
                request.httpBody = body
                defer { completed.increment() }
                do {
                    let (data, response) = try await burstSession.data(for: request)
                    let status = (response as? HTTPURLResponse)?.statusCode ?? -1
                    let decoded = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
                    let words = (decoded?["entities"] as? [[String: Any]])?.compactMap { $0["word"] as? String } ?? []
                    return status == 200 && words.contains("江泽民") ? nil : "status \(status): \(String(decoding: data, as: UTF8.self))"
                } catch {
                    return "transport: \(error.localizedDescription)"
                }
            }
            let outcomes = await withTaskGroup(of: String?.self) { group in
                for _ in 0..<burst { group.addTask { await send() } }
                while completed.value < 8 { try? await Task.sleep(for: .milliseconds(2)) }
                kill(server.process.processIdentifier, SIGTERM)
                // The gate is the server's own state: /ready turns 503 once the signal is handled.
                #expect((try? await server.waitUntilReady(session: session, status: 503)) == true, "/ready must turn 503 after SIGTERM")
                #expect(await Self.get(server.url("/health"), session: session) == 200)
                for _ in 0..<lateWave { group.addTask { await send() } }
                var failures: [String] = []
                for await failure in group { if let failure { failures.append(failure) } }
                return failures
            }
            #expect(completed.value == burst + lateWave)
            #expect(outcomes.isEmpty, "failed requests: \(outcomes.prefix(5))")
            let status = server.waitForExit()
            #expect(status == 0, "exit status \(status); stderr: \(server.standardError.suffix(2000))")
        }

        /// /info's dictionary status, once `condition` holds for it (polled: the reload runs on
        /// its own after the signal).
        static func dictionaryStatus(_ server: Server, session: URLSession, until condition: ([String: Any]) -> Bool) async throws -> [String: Any]? {
            while server.process.isRunning {
                if let (data, _) = try? await session.data(from: server.url("/info")),
                   let info = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                   let status = info["dictionary"] as? [String: Any], condition(status) {
                    return status
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            return nil
        }

        static func entities(_ server: Server, session: URLSession, text: String) async throws -> [String] {
            var request = URLRequest(url: server.url("/ner"))
            request.httpMethod = "POST"
            request.httpBody = try JSONSerialization.data(withJSONObject: ["text": text])
            let (data, _) = try await session.data(for: request)
            let entities = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])["entities"] as? [[String: Any]] ?? []
            return entities.map { "\($0["word"] ?? "") \($0["type"] ?? "") \($0["source"] ?? "")" }
        }

        @Test("SIGHUP reloads --dictionary: a valid file takes effect; an invalid one is logged with its line and the old one stays",
              .enabled(if: FileManager.default.isExecutableFile(atPath: ServeProcessTests.binary.path), "needs .build/debug/ner"))
        func reloadOnSIGHUP() async throws {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("bertner-sighup-\(UUID().uuidString).tsv").path
            try Data("阿里巴巴\tORG\n".utf8).write(to: URL(fileURLWithPath: path))
            let server = try Server(arguments: ["--dictionary", path, "--drain-seconds", "0"])
            defer { kill(server.process.processIdentifier, SIGKILL); _ = server.waitForExit() }
            let session = Self.patientSession()
            #expect(try await server.waitUntilReady(session: session))
            let seed = "马云在杭州阿里巴巴总部发表演讲"
            #expect(try await Self.entities(server, session: session, text: seed).contains("阿里巴巴 ORG dictionary"))

            try Data("阿里巴巴\tORG\n杭州\tLOC\n".utf8).write(to: URL(fileURLWithPath: path))
            kill(server.process.processIdentifier, SIGHUP)
            let reloaded = try await Self.dictionaryStatus(server, session: session) { $0["reloads"] as? Int == 1 }
            #expect(reloaded?["entries"] as? Int == 2)
            let expected = ["马云 PER model", "杭州 LOC dictionary", "阿里巴巴 ORG dictionary"]
            #expect(try await Self.entities(server, session: session, text: seed) == expected)

            try Data("杭州\tO\n阿里巴巴\n".utf8).write(to: URL(fileURLWithPath: path))
            kill(server.process.processIdentifier, SIGHUP)
            let failed = try await Self.dictionaryStatus(server, session: session) { $0["failedReloads"] as? Int == 1 }
            #expect(failed?["entries"] as? Int == 2)
            #expect(try await Self.entities(server, session: session, text: seed) == expected, "the old dictionary stays")

            kill(server.process.processIdentifier, SIGTERM)
            #expect(server.waitForExit() == 0)
            let log = server.standardError
            #expect(log.contains("\(path):2: expected 'word<TAB>TYPE'"), "stderr: \(log.suffix(2000))")
            #expect(log.contains("dictionary reloaded"))
        }

        @Test("a missing model ends the process with the load error and a non-zero status",
              .enabled(if: FileManager.default.isExecutableFile(atPath: ServeProcessTests.binary.path), "needs .build/debug/ner"))
        func missingModel() throws {
            let process = Process()
            process.executableURL = Self.binary
            process.arguments = ["serve", "--host", "127.0.0.1", "--port", "0", "--model", "/nonexistent/model"]
            let errors = Pipe()
            process.standardOutput = Pipe()
            process.standardError = errors
            try process.run()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus != 0)
            #expect(message.contains("/nonexistent/model"), "stderr: \(message)")
        }
    }
}
