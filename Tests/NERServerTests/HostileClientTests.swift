import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

extension ProcessTests {
    /// Hostile clients against the real binary over real sockets: a 10 MB body is refused with 413
    /// before it is read, slow clients dribbling headers do not delay anyone else, and NUL bytes are
    /// handled as JSON says. The server keeps answering throughout.
    @Suite("hostile clients")
    struct HostileClientTests {
        /// Opens a TCP connection to 127.0.0.1:port.
        static func connect(_ port: Int) throws -> Int32 {
            let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard result == 0 else { throw POSIXError(.ECONNREFUSED) }
            return socket
        }

        static func post(_ server: ServeProcessTests.Server, _ path: String, body: Data, session: URLSession) async throws -> (Int, String) {
            var request = URLRequest(url: server.url(path))
            request.httpMethod = "POST"
            request.httpBody = body
            let (data, response) = try await session.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? -1, String(decoding: data, as: UTF8.self))
        }

        /// Sends `bytes` on `socket`; false once the peer stops taking them.
        @discardableResult
        static func send(_ socket: Int32, _ bytes: [UInt8]) -> Bool {
            bytes.withUnsafeBytes { buffer in
                var sent = 0
                while sent < buffer.count {
                    let n = Foundation.send(socket, buffer.baseAddress! + sent, buffer.count - sent, Int32(MSG_NOSIGNAL))
                    if n <= 0 { return false }
                    sent += n
                }
                return true
            }
        }

        /// Reads until the peer closes or `marker` appears (a 120 s receive timeout guards against hangs).
        static func receive(_ socket: Int32, until marker: String) -> String {
            var timeout = timeval(tv_sec: 120, tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var received: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while !String(decoding: received, as: UTF8.self).contains(marker) {
                let n = recv(socket, &chunk, chunk.count, 0)
                if n <= 0 { break }
                received += chunk[0..<n]
            }
            return String(decoding: received, as: UTF8.self)
        }

        @Test("10 MB body → 413 before it is sent; slow clients block nobody; NUL bytes; server still healthy",
              .enabled(if: FileManager.default.isExecutableFile(atPath: ServeProcessTests.binary.path), "needs .build/debug/ner"))
        func hostileClients() async throws {
            // Idle connections are never closed during this test: a request held up behind the slow
            // clients below would hang (and fail the test) rather than succeed late.
            let server = try ServeProcessTests.Server(arguments: ["--drain-seconds", "0", "--idle-timeout-seconds", "3600"])
            defer { kill(server.process.processIdentifier, SIGTERM); _ = server.waitForExit() }
            let session = ServeProcessTests.patientSession()
            #expect(try await server.waitUntilReady(session: session))

            // 10 MB declared, 64 KB sent: the answer comes from Content-Length alone, while the rest
            // of the body has not been sent, so nothing was read beyond the headers.
            let socket = try Self.connect(server.port)
            Self.send(socket, Array("POST /ner HTTP/1.1\r\nHost: x\r\nContent-Length: \(10 << 20)\r\n\r\n".utf8) + [UInt8](repeating: 0x61, count: 64 << 10))
            let answer = Self.receive(socket, until: "}}")
            close(socket)
            #expect(answer.hasPrefix("HTTP/1.1 413") && answer.contains("body_too_large"), "got: \(answer.prefix(300))")

            // NUL: raw in a JSON string is invalid JSON; escaped it is just a character.
            let (rawStatus, rawBody) = try await Self.post(server, "/ner", body: Data(#"{"text":"北"#.utf8) + Data([0]) + Data(#"京"}"#.utf8), session: session)
            #expect(rawStatus == 400 && rawBody.contains("invalid_json"))
            let (escapedStatus, _) = try await Self.post(server, "/ner", body: Data(#"{"text":"北\u0000京"}"#.utf8), session: session)
            #expect(escapedStatus == 200)

            // 64 slowloris connections, each holding a request half-sent (and never timed out, above).
            var slow: [Int32] = []
            for _ in 0..<64 {
                let socket = try Self.connect(server.port)
                Self.send(socket, Array("POST /ner HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n".utf8))
                slow.append(socket)
            }
            defer { slow.forEach { close($0) } }
            for _ in 0..<20 {
                let (status, _) = try await Self.post(server, "/ner", body: Data(#"{"text":"江泽民在北京"}"#.utf8), session: session)
                #expect(status == 200)
            }
            #expect(await ServeProcessTests.get(server.url("/health"), session: session) == 200)
        }

        @Test("20 clients that send 20,000 characters and leave: their work is dropped, counted, and the next request is served",
              .enabled(if: FileManager.default.isExecutableFile(atPath: ServeProcessTests.binary.path), "needs .build/debug/ner"))
        func abandonedClients() async throws {
            // Small batches keep the one batch that may already be running short in the debug build.
            let server = try ServeProcessTests.Server(arguments: ["--drain-seconds", "0", "--max-batch-tokens", "512"])
            defer { kill(server.process.processIdentifier, SIGTERM); _ = server.waitForExit() }
            let session = ServeProcessTests.patientSession()
            #expect(try await server.waitUntilReady(session: session))
            func metric(_ name: String) async throws -> Double {
                let (data, _) = try await session.data(from: server.url("/metrics"))
                return RouterTests.value(of: name, in: String(decoding: data, as: UTF8.self)) ?? -1
            }

            let sentence = "新华社北京电，国家主席江泽民今天在人民大会堂会见了美国总统克林顿。"
            let text = String(String(repeating: sentence, count: 20_000 / sentence.count + 1).prefix(20_000))
            let body = try JSONSerialization.data(withJSONObject: ["text": text])
            var sockets: [Int32] = []
            for _ in 0..<20 {
                let socket = try Self.connect(server.port)
                Self.send(socket, Array("POST /ner HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + Array(body))
                sockets.append(socket)
            }
            // The gate: every request tokenized and queued (one may already be running).
            while try await metric("ner_queue_depth") < 19 { try await Task.sleep(for: .milliseconds(20)) }
            sockets.forEach { close($0) }
            let (status, answer) = try await Self.post(server, "/ner", body: Data(#"{"text":"江泽民在北京"}"#.utf8), session: session)
            #expect(status == 200 && answer.contains("江泽民"))
            let dropped = try await metric(#"ner_dropped_total{reason="client_gone"}"#)
            let computed = try await metric("ner_inference_tokens_total")
            #expect(dropped >= 19, "dropped \(dropped) of 20")
            // All 20 would be about 20 × 20,000 pieces; what ran is at most a few batches of 512.
            #expect(computed < 20_000, "computed \(computed) word pieces")
        }
    }
}
