import BertNER
import Hummingbird
import NERServing

/// The routes of the service contract (see Docs/API.md and `GET /openapi.json`).
struct Routes: Sendable {
    let service: NERService

    /// Each path and its one method, so that a wrong method gets 405 + Allow instead of 404.
    static let methods: [String: HTTPRequest.Method] = [
        "/": .get, "/docs": .get, "/openapi.json": .get, "/health": .get, "/ready": .get,
        "/metrics": .get, "/info": .get, "/ner": .post, "/ner/batch": .post,
    ]

    func register(on router: Router<NERRequestContext>) {
        router.get("/") { _, _ in Self.html(WebPage.html) }
        router.get("/docs") { _, _ in Self.html(APIDocsPage.html(configuration: service.http)) }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json(configuration: service.http,
                                                                               entityTypes: service.state.model?.pipeline.entityTypes))))
        }
        router.get("/health") { _, _ in try probe(.health) }
        router.get("/ready") { _, _ in try probe(.ready) }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: service.core.renderMetrics())))
        }
        router.get("/info") { _, _ in JSONBody.response(info()) }
        router.post("/ner") { request, context in
            // Looked up first: a client that resets while its body is read is already gone here.
            let connection = service.connections.connection(for: context.channel)
            let body = try await collectBody(request)
            let input = try RequestDecoding(configuration: service.http).recognizeRequest(from: body)
            let entities = try await recognize([input.text], options: input.options, connection: connection)[0]
            return JSONBody.response(ResponseJSON.recognize(RecognizeResponse(text: input.text, entities: entities.map(EntityPayload.init))))
        }
        router.post("/ner/batch") { request, context in
            let connection = service.connections.connection(for: context.channel)
            let body = try await collectBody(request)
            let input = try RequestDecoding(configuration: service.http).batchRequest(from: body)
            let results = try await recognize(input.texts, options: input.options, connection: connection)
            return JSONBody.response(ResponseJSON.batch(BatchRecognizeResponse(results: zip(input.texts, results).map { text, entities in
                RecognizeResponse(text: text, entities: entities.map(EntityPayload.init))
            })))
        }
    }

    /// `/health` and `/ready` as the serving core maps the phase (`Probe`).
    private func probe(_ probe: Probe) throws(APIError) -> Response {
        let phase = service.state.current
        if let unavailable = probe.unavailability(in: phase) { throw APIError(unavailable) }
        return JSONBody.response(probe.body(in: phase))
    }

    private func info() -> ServerInfo {
        let (phase, model) = service.state.snapshot
        return ServerInfo(version: NERService.version, state: phase.name, model: model?.info,
                          configuration: ConfigurationReport(engine: service.engine, adapter: service.http, pipeline: model?.pipeline),
                          dictionary: service.core.dictionaries.status)
    }

    /// The body, refusing more than `maxBodyBytes` — from Content-Length before reading anything,
    /// and while reading for chunked bodies.
    private func collectBody(_ request: Request) async throws -> ByteBuffer {
        let limit = service.http.maxBodyBytes
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw APIError.bodyTooLarge(limit: limit)
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.bodyTooLarge(limit: limit)
        }
    }

    /// Entities for `texts` through the request queue, decided with the request's dictionary over
    /// the server's and filtered to the request's types; the work is dropped if the client leaves
    /// first.
    private func recognize(_ texts: [String], options: RecognizeOptions, connection: ClientConnection?) async throws -> [[Entity]] {
        let pipeline: NERPipeline
        do {
            pipeline = try service.state.modelForRequests().pipeline
        } catch {
            throw APIError(error)
        }
        let dictionary = try Self.dictionary(options.dictionary, over: service.core.dictionaries.current, for: pipeline)
        let types = try Self.types(options.types, of: pipeline)
        let queue = service.core.queue
        let seconds = service.http.requestTimeoutSeconds
        let timeout: Duration? = seconds > 0 ? .milliseconds(Int64(seconds * 1000)) : nil
        do {
            let entities = try await ClientConnection.cancelling(when: connection) {
                try await queue.recognize(texts, with: pipeline, dictionary: dictionary, timeout: timeout)
            }
            guard let types else { return entities }
            return entities.map { $0.filter { types.contains($0.type) } }
        } catch let error as QueueError {
            switch error {
            case .queueFull(let limit): throw APIError.queueFull(limit: limit)
            case .shuttingDown: throw APIError(ServiceUnavailable.draining)
            case .deadlineExceeded(let seconds): throw APIError.deadlineExceeded(seconds: seconds)
            }
        }
    }

    /// The request's entries in front of the server's dictionary (the request wins a conflict).
    private static func dictionary(_ entries: [DictionaryEntryPayload]?, over base: EntityDictionary,
                                   for pipeline: NERPipeline) throws(APIError) -> EntityDictionary {
        guard let entries, !entries.isEmpty else { return base }
        do {
            return try EntityDictionary(entries: entries.map { EntityDictionary.Entry(word: $0.word, type: $0.type) },
                                        for: pipeline, source: "request").layered(over: base)
        } catch {
            throw .invalidDictionary(error)
        }
    }

    /// The requested types, each one the model has.
    private static func types(_ types: [String]?, of pipeline: NERPipeline) throws(APIError) -> Set<String>? {
        guard let types else { return nil }
        let known = pipeline.entityTypes
        if let (index, unknown) = types.enumerated().first(where: { !known.contains($0.element) }) {
            throw .invalidTypes("types[\(index)]: unknown type '\(unknown)'; the model's types are \(known.joined(separator: ", "))")
        }
        return Set(types)
    }

    private static func html(_ page: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: page)))
    }
}
