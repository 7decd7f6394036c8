@testable import BertNER
import Foundation
import Hummingbird
import HummingbirdTesting
import NERServer
import NERServing
import Synchronization
import Testing

/// Every route, status and error message of the service, through the router without a socket.
/// Needs the shipped model in Weights/default.
@Suite("HTTP routes")
struct RouterTests {
    typealias T = TestSupport

    @Test("POST /ner: entities with code-point offsets, types, scores and the seed's colours")
    func recognize() async throws {
        try await T.service().application().test(.router) { client in
            try await T.waitUntilReady(client)
            let text = "😀🇨🇳新华社北京电，国家主席江泽民今天在人民大会堂会见了美国总统克林顿。"
            let body = try JSONSerialization.data(withJSONObject: ["text": text])
            let response = try await client.execute(uri: "/ner", method: .post, body: ByteBuffer(data: body))
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            let result = try JSONDecoder().decode(RecognizeResponse.self, from: Data(buffer: response.body))
            #expect(result.text == text)
            let scalars = Array(text.unicodeScalars)
            let expected = try T.pipeline.get().recognize(text)
            #expect(result.entities.map(\.word) == expected.map(\.word))
            #expect(result.entities.contains { $0.word == "江泽民" && $0.type == "PER" && $0.color == "red" })
            #expect(result.entities.contains { $0.word == "北京" && $0.type == "LOC" && $0.color == "cyan" })
            #expect(result.entities.contains { $0.word == "新华社" && $0.type == "ORG" && $0.color == "yellow" })
            for entity in result.entities {
                #expect(String(String.UnicodeScalarView(scalars[entity.start..<entity.end])) == entity.word)
                #expect(entity.score > 0 && entity.score <= 1)
            }
        }
    }

    @Test("POST /ner: empty and whitespace-only text give no entities")
    func emptyText() async throws {
        try await T.service().application().test(.router) { client in
            try await T.waitUntilReady(client)
            for text in [#"{"text":""}"#, #"{"text":"  \n\t "}"#] {
                let response = try await client.execute(uri: "/ner", method: .post, body: T.json(text))
                #expect(response.status == .ok)
                #expect(try T.object(response)["entities"] as? [Any] != nil)
                #expect((try T.object(response)["entities"] as? [Any])?.isEmpty == true)
            }
        }
    }

    @Test("POST /ner/batch: one result per text, in input order, equal to /ner on each")
    func batch() async throws {
        try await T.service().application().test(.router) { client in
            try await T.waitUntilReady(client)
            let texts = ["国务院总理在北京会见了外宾。", "", "微软公司董事长比尔·盖茨访问上海。", "天气很好", "江泽民"]
            let body = try JSONSerialization.data(withJSONObject: ["texts": texts])
            let response = try await client.execute(uri: "/ner/batch", method: .post, body: ByteBuffer(data: body))
            #expect(response.status == .ok)
            let batch = try JSONDecoder().decode(BatchRecognizeResponse.self, from: Data(buffer: response.body))
            #expect(batch.results.map(\.text) == texts)
            for (text, result) in zip(texts, batch.results) {
                let single = try await client.execute(uri: "/ner", method: .post,
                                                      body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: ["text": text])))
                #expect(try JSONDecoder().decode(RecognizeResponse.self, from: Data(buffer: single.body)) == result)
            }
            let empty = try await client.execute(uri: "/ner/batch", method: .post, body: T.json(#"{"texts":[]}"#))
            #expect(empty.status == .ok && String(buffer: empty.body) == #"{"results":[]}"#)
        }
    }

    @Test("concurrent requests are batched together and each gets its own answer")
    func concurrentRequests() async throws {
        let service = T.service { $0.maxWaitMilliseconds = 20 }
        try await service.application().test(.router) { client in
            try await T.waitUntilReady(client)
            let texts = (0..<24).map { "第\($0)号文件：江泽民在北京会见克林顿。" + String(repeating: "好", count: $0) }
            let expected = try T.pipeline.get().recognize(batch: texts).map { $0.map(\.word) }
            try await withThrowingTaskGroup(of: (Int, [String]).self) { group in
                for (index, text) in texts.enumerated() {
                    group.addTask {
                        let body = try JSONSerialization.data(withJSONObject: ["text": text])
                        let response = try await client.execute(uri: "/ner", method: .post, body: ByteBuffer(data: body))
                        let result = try JSONDecoder().decode(RecognizeResponse.self, from: Data(buffer: response.body))
                        #expect(result.text == text)
                        return (index, result.entities.map(\.word))
                    }
                }
                for try await (index, words) in group { #expect(words == expected[index]) }
            }
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            // 24 requests arriving together within 20 ms cannot all have run alone.
            let batches = try #require(Self.value(of: "ner_batch_texts_count", in: metrics))
            #expect(batches < 24)
        }
    }

    @Test("bad requests: each gets 400 with a precise message")
    func badRequests() async throws {
        try await T.service().application().test(.router) { client in
            try await T.waitUntilReady(client)
            let cases: [(String, ByteBuffer, String, String)] = [
                ("/ner", ByteBuffer(bytes: Array(#"{"text":"北京"#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8)), "invalid_utf8",
                 "request body is not valid UTF-8 (bad byte sequence at byte offset 15)"),
                ("/ner", T.json(#"{"text": "北京""#), "invalid_json", "request body is not valid JSON"),
                ("/ner", T.json(""), "invalid_json", "request body is not valid JSON"),
                ("/ner", T.json(#"["北京"]"#), "invalid_field", "request body must be a JSON object"),
                ("/ner", T.json(#"{}"#), "invalid_field", "missing field 'text'"),
                ("/ner", T.json(#"{"text": 42}"#), "invalid_field", "field 'text' must be a string"),
                ("/ner", T.json(#"{"text": null}"#), "invalid_field", "field 'text' must be a string"),
                ("/ner", T.json(#"{"text": "北京", "lang": "zh"}"#), "invalid_field", "unknown field 'lang'; allowed: 'text', 'dictionary', 'types'"),
                ("/ner/batch", T.json(#"{"text": "北京"}"#), "invalid_field", "unknown field 'text'; allowed: 'texts', 'dictionary', 'types'"),
                ("/ner/batch", T.json(#"{"texts": "北京"}"#), "invalid_field", "field 'texts' must be an array of strings"),
                ("/ner/batch", T.json(#"{"texts": ["北京", 7]}"#), "invalid_field", "field 'texts[1]' must be a string"),
                ("/ner", T.json(String(repeating: "[", count: 100_000)), "invalid_json", "request body is not valid JSON"),
            ]
            for (path, body, code, message) in cases {
                let response = try await client.execute(uri: path, method: .post, body: body)
                #expect(response.status == .badRequest, "\(path) \(String(buffer: body).prefix(40))")
                let error = try T.error(response)
                #expect(error.code == code)
                #expect(error.message.hasPrefix(message), "got: \(error.message)")
            }
        }
    }

    @Test("limits: body, text length and batch size give 413 with the limit in the message")
    func limits() async throws {
        let service = T.service {
            $0.maxBodyBytes = 4_096
            $0.maxTextCharacters = 100
            $0.maxBatchItems = 3
        }
        try await service.application().test(.router) { client in
            try await T.waitUntilReady(client)
            let huge = try await client.execute(uri: "/ner", method: .post,
                                                body: T.json(#"{"text":""# + String(repeating: "a", count: 5_000) + #""}"#))
            #expect(huge.status == .contentTooLarge)
            #expect(try T.error(huge) == ("body_too_large", "request body exceeds the limit of 4096 bytes"))

            let long = try await client.execute(uri: "/ner", method: .post, body: T.json(#"{"text":""# + String(repeating: "京", count: 101) + #""}"#))
            #expect(long.status == .contentTooLarge)
            #expect(try T.error(long).message.hasPrefix("text has 101 characters; the limit is 100"))
            let exact = try await client.execute(uri: "/ner", method: .post, body: T.json(#"{"text":""# + String(repeating: "😀", count: 100) + #""}"#))
            #expect(exact.status == .ok, "100 code points (400 UTF-8 bytes) are within the limit")

            let longItem = try await client.execute(uri: "/ner/batch", method: .post,
                                                    body: T.json(#"{"texts":["a",""# + String(repeating: "京", count: 101) + #""]}"#))
            #expect(try T.error(longItem).message.hasPrefix("texts[1] has 101 characters"))

            let many = try await client.execute(uri: "/ner/batch", method: .post, body: T.json(#"{"texts":["a","b","c","d"]}"#))
            #expect(many.status == .contentTooLarge)
            #expect(try T.error(many) == ("batch_too_large", "texts has 4 items; the limit is 3 per request"))
        }
    }

    @Test("unknown routes and methods are JSON errors")
    func unknownRoutes() async throws {
        try await T.service().application().test(.router) { client in
            let missing = try await client.execute(uri: "/nope", method: .get)
            #expect(missing.status == .notFound)
            #expect(try T.error(missing) == ("not_found", "no route for /nope; see /docs"))
            let wrongMethod = try await client.execute(uri: "/ner", method: .get)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "POST")
            #expect(try T.error(wrongMethod) == ("method_not_allowed", "GET is not allowed on /ner; use POST; see /docs"))
        }
    }

    @Test("probes: loading → ready → draining, with /ner refused only while loading")
    func readiness() async throws {
        let release = DispatchSemaphore(value: 0)
        let service = T.service(loader: {
            release.wait()  // the gate: loading lasts until the test opens it
            return try TestSupport.pipeline.get()
        })
        try await service.application().test(.router) { client in
            let loading = try await client.execute(uri: "/ready", method: .get)
            #expect(loading.status == .serviceUnavailable)
            #expect(loading.headers[.retryAfter] == "1")
            #expect(try T.error(loading).code == "not_ready")
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .ok && String(buffer: health.body) == #"{"state":"loading","status":"ok"}"#)
            let early = try await client.execute(uri: "/ner", method: .post, body: T.json(#"{"text":"北京"}"#))
            #expect(early.status == .serviceUnavailable)
            #expect(try T.error(early) == ("not_ready", "the model is still loading; retry shortly"))
            let info = try T.object(try await client.execute(uri: "/info", method: .get))
            #expect(info["state"] as? String == "loading" && info["model"] == nil)
            // ner_ready follows /ready, so Prometheus sees a replica that stays unready.
            func readyMetric() async throws -> Double? {
                RouterTests.value(of: "ner_ready", in: String(buffer: try await client.execute(uri: "/metrics", method: .get).body))
            }
            #expect(try await readyMetric() == 0)

            release.signal()
            try await T.waitUntilReady(client)
            let ready = try await client.execute(uri: "/ready", method: .get)
            #expect(String(buffer: ready.body) == #"{"state":"ready","status":"ready"}"#)

            #expect(try await readyMetric() == 1)
            service.state.markDraining()
            #expect(try await readyMetric() == 0)
            let draining = try await client.execute(uri: "/ready", method: .get)
            #expect(draining.status == .serviceUnavailable)
            #expect(try T.error(draining).code == "draining")
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
            // Draining replicas still answer what reaches them.
            let late = try await client.execute(uri: "/ner", method: .post, body: T.json(#"{"text":"北京"}"#))
            #expect(late.status == .ok)
        }
    }

    @Test("--max-wait-ms holds a batch for as many requests as the last one answered, and starts it when they are in")
    func holdsForExpectedRequests() async throws {
        let pipeline = try T.pipeline.get()
        let long = "国务院总理在人民大会堂会见了来访的外国代表团。", short = "北京"
        let budget = 2 * pipeline.prepare(long).tokenCount  // two long texts fill it
        // A hold far longer than the test: only the expected request can start the batch early.
        let hold = 60.0
        let gate = QueueGate()
        let service = T.service(gate: gate, engine: ["--max-batch-tokens", "\(budget)"]) { $0.maxWaitMilliseconds = Int(hold * 1000) }
        try await service.application().test(.router) { client in
            try await T.waitUntilReady(client)
            func post(_ text: String) -> Task<HTTPResponse.Status, any Error> {
                Task { try await client.execute(uri: "/ner", method: .post, body: T.json(#"{"text":"\#(text)"}"#)).status }
            }
            // First batch: two requests that fill the word-piece budget, so nothing is held.
            gate.pause()
            let first = [post(long), post(long)]
            await gate.waitUntil { $0.queuedTexts == 2 }
            gate.resume()
            for request in first { #expect(try await request.value == .ok) }
            // It answered two: a lone request is held for a second one, which starts the batch at once.
            let started = ContinuousClock.now
            let third = post(short)
            await gate.waitUntil { $0.holdingFor == 2 && $0.queuedTexts == 1 }
            let fourth = post(short)
            #expect(try await third.value == .ok)
            #expect(try await fourth.value == .ok)
            #expect(ContinuousClock.now - started < .seconds(hold / 2), "the batch waited for its hold to run out")
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(Self.value(of: "ner_batch_texts_count", in: metrics) == 2, "the lone request ran alone")
            #expect(Self.value(of: "ner_batch_texts_sum", in: metrics) == 4)
        }
    }

    @Test("a full queue answers 503 with Retry-After at once")
    func queueFull() async throws {
        let gate = QueueGate()
        let service = T.service(gate: gate) { $0.maxQueue = 1 }
        try await service.application().test(.router) { client in
            try await T.waitUntilReady(client)
            // The gate: the worker is held, so the first request stays queued until we resume it.
            gate.pause()
            let first = Task { try await client.execute(uri: "/ner", method: .post, body: T.json(#"{"text":"北京"}"#)) }
            await gate.waitUntil { $0.queuedTexts == 1 }
            // Answered while the worker is still held: refused without waiting for the queue.
            let refused = try await client.execute(uri: "/ner", method: .post, body: T.json(#"{"text":"上海"}"#))
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.retryAfter] == "1")
            #expect(try T.error(refused).code == "overloaded")
            gate.resume()
            #expect(try await first.value.status == .ok)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"ner_rejected_total{reason="queue_full"} 1"#))
        }
    }

    @Test("a request whose client goes away is dropped from the queue, counted, and never computed")
    func abandonedRequest() async throws {
        let gate = QueueGate()
        let service = T.service(gate: gate)
        try await service.application().test(.router) { client in
            try await T.waitUntilReady(client)
            gate.pause()
            let abandoned = Task { try await client.execute(uri: "/ner", method: .post, body: T.json(#"{"text":"江泽民在北京会见克林顿。"}"#)) }
            await gate.waitUntil { $0.queuedTexts == 1 }
            abandoned.cancel()  // what the connection watch does when the client's socket closes
            await gate.waitUntil { $0.queuedTexts == 0 }
            gate.resume()
            _ = try? await abandoned.value
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(Self.value(of: #"ner_dropped_total{reason="client_gone"}"#, in: text) == 1)
            #expect(Self.value(of: "ner_inference_tokens_total", in: text) == 0, "the dropped request must not reach the model")
            // The server goes on serving.
            #expect(try await client.execute(uri: "/ner", method: .post, body: T.json(#"{"text":"北京"}"#)).status == .ok)
        }
    }

    @Test("a request still queued at its deadline gets 503 deadline_exceeded and is never computed")
    func deadline() async throws {
        let gate = QueueGate()
        let service = T.service(gate: gate) { $0.requestTimeoutSeconds = 0.2 }
        try await service.application().test(.router) { client in
            try await T.waitUntilReady(client)
            // Held for good: only the deadline can end this request.
            gate.pause()
            let response = try await client.execute(uri: "/ner", method: .post, body: T.json(#"{"text":"江泽民在北京"}"#))
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "1")
            #expect(try T.error(response).code == "deadline_exceeded")
            #expect(try T.error(response).message.hasPrefix("the request waited 0.2 s for the model"))
            #expect(gate.snapshot.queuedTexts == 0)
            gate.resume()
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(Self.value(of: #"ner_dropped_total{reason="deadline"}"#, in: text) == 1)
            #expect(Self.value(of: "ner_inference_tokens_total", in: text) == 0)
        }
    }

    @Test("batches are packed by word pieces up to --max-batch-tokens, and a long text spans batches")
    func wordPieceBudget() async throws {
        // Latin words are one piece for many characters: a character budget would pack differently.
        let pipeline = try T.pipeline.get()
        let text = "international cooperation between governments and organizations continues"
        let tokens = pipeline.prepare(text).tokenCount
        let budget = 2 * tokens + 1  // two texts fit, three do not
        #expect(text.unicodeScalars.count + 2 > budget, "by characters not even one text would fit")
        let gate = QueueGate()
        let service = T.service(gate: gate, engine: ["--max-batch-tokens", "\(budget)"])
        try await service.application().test(.router) { client in
            try await T.waitUntilReady(client)
            gate.pause()
            let requests = (0..<6).map { _ in
                Task { try await client.execute(uri: "/ner", method: .post, body: T.json(#"{"text":"\#(text)"}"#)) }
            }
            await gate.waitUntil { $0.queuedTexts == 6 }
            gate.resume()
            for request in requests { #expect(try await request.value.status == .ok) }
            var metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(Self.value(of: "ner_batch_tokens_count", in: metrics) == 3, "six texts, two per batch")
            #expect(Self.value(of: "ner_batch_tokens_sum", in: metrics) == Double(6 * tokens))

            // One text of many sentences: split across batches of at most `budget` pieces.
            let long = Array(repeating: "江泽民在北京会见了克林顿。", count: 12).joined()
            let prepared = pipeline.prepare(long)
            #expect(prepared.sequences.count == 12)
            let response = try await client.execute(uri: "/ner", method: .post, body: T.json(#"{"text":"\#(long)"}"#))
            let result = try JSONDecoder().decode(RecognizeResponse.self, from: Data(buffer: response.body))
            #expect(result.entities.map(\.word) == (try pipeline.recognize(long)).map(\.word))
            metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            let perBatch = budget / prepared.sequences[0].count
            let batches = (12 + perBatch - 1) / perBatch
            #expect(Self.value(of: "ner_batch_tokens_count", in: metrics) == Double(3 + batches))
        }
    }

    @Test("GET /info reports the effective configuration, threads and batch budget from the loaded pipeline")
    func infoReportsEffectiveConfiguration() async throws {
        for threads in [0, 1] {
            let service = T.service(engine: ["--threads", "\(threads)", "--max-batch-tokens", "1000"]) { $0.requestTimeoutSeconds = 7 }
            try await service.application().test(.router) { client in
                try await T.waitUntilReady(client)
                let info = try T.object(try await client.execute(uri: "/info", method: .get))
                let configuration = try #require(info["configuration"] as? [String: Any])
                #expect(configuration["threads"] as? Int == (threads == 0 ? ProcessInfo.processInfo.activeProcessorCount : threads))
                #expect(configuration["maxBatchTokens"] as? Int == 1_000)
                #expect(configuration["requestTimeoutSeconds"] as? Double == 7)
                #expect(configuration["maxTextCharacters"] as? Int == 20_000)
                let pipeline = try #require(service.state.model?.pipeline)
                #expect(pipeline.threads == (threads == 0 ? ProcessInfo.processInfo.activeProcessorCount : threads))
                #expect(pipeline.maxTokensPerForward == 1_000)
            }
        }
    }

    @Test("with the default precision, auto, /info says what was chosen and each precision's time on the probe")
    func infoReportsPrecisionChoice() async throws {
        let engine: EngineOptions = T.options(["--model", TestSupport.repository.appendingPathComponent("Tests/Fixtures/tiny").path,
                                               "--threads", "1"])
        #expect(engine.precision == .auto)
        let service = NERService(engine: engine, http: T.options(["--port", "0"]))
        try await service.application().test(.router) { client in
            try await T.waitUntilReady(client)
            let info = try T.object(try await client.execute(uri: "/info", method: .get))
            #expect((info["configuration"] as? [String: Any])?["precision"] as? String == "auto")
            let model = try #require(info["model"] as? [String: Any])
            let selection = try #require(model["precisionSelection"] as? [String: Any], "\(model)")
            #expect(selection["chosen"] as? String == model["precision"] as? String && selection["threads"] as? Int == 1)
            let trials = try #require(selection["trials"] as? [[String: Any]])
            #expect(trials.map { $0["precision"] as? String } == ["fp32", "bf16", "int8"])
            #expect(trials.contains { $0["precision"] as? String == "fp32" && $0["milliseconds"] is Double })
        }
    }

    @Test("GET /info, /metrics, /openapi.json, /docs and / answer with their content types")
    func documents() async throws {
        try await T.service().application().test(.router) { client in
            try await T.waitUntilReady(client)
            _ = try await client.execute(uri: "/ner", method: .post, body: T.json(#"{"text":"江泽民在北京"}"#))
            _ = try await client.execute(uri: "/ner", method: .post, body: T.json(#"{"text":1}"#))

            let info = try T.object(try await client.execute(uri: "/info", method: .get))
            #expect(info["state"] as? String == "ready")
            let model = try #require(info["model"] as? [String: Any])
            #expect(model["entityTypes"] as? [String] == ["LOC", "ORG", "PER"] || (model["entityTypes"] as? [String])?.count == 3)
            #expect(model["decoder"] as? String == "crf")
            #expect((info["configuration"] as? [String: Any])?["maxTextCharacters"] as? Int == 20_000)

            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = String(buffer: metrics.body)
            for name in [#"ner_http_requests_total{route="/ner",method="POST",status="200"} 1"#,
                         #"ner_http_requests_total{route="/ner",method="POST",status="400"} 1"#,
                         "ner_http_request_duration_seconds_bucket", "ner_batch_texts_bucket", "ner_batch_tokens_bucket",
                         "ner_queue_depth", "ner_model_load_seconds", "ner_inference_tokens_total",
                         #"ner_dropped_total{reason="client_gone"} 0"#, #"ner_dropped_total{reason="deadline"} 0"#,
                         "ner_inference_tokens_per_second", "process_resident_memory_bytes", "process_cpu_seconds_total",
                         "ner_ready 1", "ner_queue_capacity 512"] {
                #expect(text.contains(name), "metrics lack \(name)")
            }

            let openapi = try await client.execute(uri: "/openapi.json", method: .get)
            let document = try T.object(openapi)
            #expect(document["openapi"] as? String == "3.0.3")
            let paths = try #require(document["paths"] as? [String: Any])
            #expect(Set(paths.keys) == ["/ner", "/ner/batch", "/health", "/ready", "/info", "/metrics", "/openapi.json", "/docs", "/"])

            let docs = try await client.execute(uri: "/docs", method: .get)
            #expect(docs.headers[.contentType] == "text/html; charset=utf-8")
            #expect(String(buffer: docs.body).contains("POST /ner/batch"))
            let page = String(buffer: try await client.execute(uri: "/", method: .get).body)
            #expect(page.contains("<textarea") && page.contains("Array.from(text)"))
            #expect(!page.contains("http://") && !page.contains("https://"), "the page must work offline")
        }
    }

    static func value(of metric: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(metric + " ") || $0.hasPrefix(metric + "{") }
            .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
    }
}
