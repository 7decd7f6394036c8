import BertNER
import Hummingbird

/// The routes of the service contract (see Docs/API.md and `GET /openapi.json`).
struct Routes: Sendable {
    let service: NERService

    /// Each path and its one method, so that a wrong method gets 405 + Allow instead of 404.
    static let methods: [String: HTTPRequest.Method] = [
        "/": .get, "/docs": .get, "/openapi.json": .get, "/health": .get, "/ready": .get,
        "/metrics": .get, "/info": .get, "/ner": .post, "/ner/batch": .post,
    ]

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in Self.html(WebPage.html) }
        router.get("/docs") { _, _ in Self.html(APIDocsPage.html(configuration: service.configuration)) }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json(configuration: service.configuration))))
        }
        router.get("/health") { _, _ in try health() }
        router.get("/ready") { _, _ in try ready() }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: service.metrics.render())))
        }
        router.get("/info") { _, _ in JSONBody.response(info()) }
        router.post("/ner") { request, _ in
            let body = try await collectBody(request)
            let input = try RequestDecoding(configuration: service.configuration).recognizeRequest(from: body)
            let entities = try await recognize([input.text])[0]
            return JSONBody.response(ResponseJSON.recognize(RecognizeResponse(text: input.text, entities: entities.map(EntityPayload.init))))
        }
        router.post("/ner/batch") { request, _ in
            let body = try await collectBody(request)
            let input = try RequestDecoding(configuration: service.configuration).batchRequest(from: body)
            let results = try await recognize(input.texts)
            return JSONBody.response(ResponseJSON.batch(BatchRecognizeResponse(results: zip(input.texts, results).map { text, entities in
                RecognizeResponse(text: text, entities: entities.map(EntityPayload.init))
            })))
        }
    }

    private struct Status: Codable { var status: String; var state: String }

    /// Liveness: the process answers. Only a model that failed to load makes it unhealthy.
    private func health() throws -> Response {
        let phase = service.state.current
        if case .failed(let reason) = phase {
            throw APIError.modelFailed(reason)
        }
        return JSONBody.response(Status(status: "ok", state: phase.name))
    }

    /// Readiness: send traffic here only when the model is loaded and the server is not draining.
    private func ready() throws -> Response {
        switch service.state.current {
        case .ready: return JSONBody.response(Status(status: "ready", state: "ready"))
        case .loading: throw APIError.notReady
        case .draining: throw APIError.draining
        case .failed(let reason):
            throw APIError.modelFailed(reason)
        }
    }

    private func info() -> ServerInfo {
        let c = service.configuration
        return ServerInfo(version: NERService.version, state: service.state.current.name, model: service.modelInfo,
                          limits: .init(maxBodyBytes: c.maxBodyBytes, maxTextCharacters: c.maxTextCharacters, maxBatchItems: c.maxBatchItems),
                          batching: .init(maxBatchTokens: c.maxBatchTokens, maxWaitMilliseconds: c.maxWaitMilliseconds, maxQueue: c.maxQueue))
    }

    /// The body, refusing more than `maxBodyBytes` — from Content-Length before reading anything,
    /// and while reading for chunked bodies.
    private func collectBody(_ request: Request) async throws -> ByteBuffer {
        let limit = service.configuration.maxBodyBytes
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw APIError.bodyTooLarge(limit: limit)
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.bodyTooLarge(limit: limit)
        }
    }

    private func recognize(_ texts: [String]) async throws -> [[Entity]] {
        do {
            return try await service.batcher.recognize(texts)
        } catch let error as BatcherError {
            switch error {
            case .queueFull(let limit): throw APIError.queueFull(limit: limit)
            case .notReady:
                if case .failed(let reason) = service.state.current {
                    throw APIError.modelFailed(reason)
                }
                throw APIError.notReady
            case .shuttingDown: throw APIError.draining
            }
        }
    }

    private static func html(_ page: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: page)))
    }
}
