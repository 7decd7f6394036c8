import BertNER
import Foundation
import Hummingbird
import HummingbirdTesting
import NERServer
import NERServing
import Testing

/// Dictionaries through the HTTP API: the server's (`--dictionary`, reloaded without a restart),
/// a request's own entries merged over it, `types`, and every error, through the router.
@Suite("HTTP dictionaries")
struct DictionaryRouteTests {
    typealias T = TestSupport
    static let seed = "马云在杭州阿里巴巴总部发表演讲"

    static func file(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bertner-serve-\(UUID().uuidString).tsv").path
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func post(_ client: some TestClientProtocol, _ body: [String: Any], to uri: String = "/ner") async throws -> TestResponse {
        try await client.execute(uri: uri, method: .post, body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
    }

    static func entities(_ response: TestResponse) throws -> [String] {
        #expect(response.status == .ok, "\(String(buffer: response.body))")
        let result = try JSONDecoder().decode(RecognizeResponse.self, from: Data(buffer: response.body))
        let scalars = Array(result.text.unicodeScalars)
        return result.entities.map { entity in
            #expect(String(String.UnicodeScalarView(scalars[entity.start..<entity.end])) == entity.word)
            return "\(entity.word) \(entity.type) [\(entity.start),\(entity.end)) \(entity.source)"
        }
    }

    @Test("the server's dictionary decides the seed's sentence; a request's entries win over it; types filter")
    func serverAndRequestDictionaries() async throws {
        let path = try Self.file("阿里巴巴\tORG\n杭州\tLOC\n")
        try await T.service(engine: ["--dictionary", path]).application().test(.router) { client in
            try await T.waitUntilReady(client)
            #expect(try Self.entities(try await Self.post(client, ["text": Self.seed]))
                    == ["马云 PER [0,2) model", "杭州 LOC [3,5) dictionary", "阿里巴巴 ORG [5,9) dictionary"])
            // The request blocks 杭州 (a conflict with the server: the request wins) and forces 马云 as PER.
            let merged = try Self.entities(try await Self.post(client, [
                "text": Self.seed, "dictionary": [["word": "杭州", "type": "O"], ["word": "马云", "type": "PER"]],
            ]))
            #expect(merged.contains("马云 PER [0,2) dictionary") && merged.contains("阿里巴巴 ORG [5,9) dictionary"))
            #expect(!merged.contains { $0.hasPrefix("杭州") })
            #expect(try Self.entities(try await Self.post(client, ["text": Self.seed, "types": ["ORG", "LOC"]]))
                    == ["杭州 LOC [3,5) dictionary", "阿里巴巴 ORG [5,9) dictionary"])
            #expect(try Self.entities(try await Self.post(client, ["text": Self.seed, "types": []])) == [])
            // The batch route takes the same fields for all its texts.
            let batch = try await Self.post(client, ["texts": [Self.seed, "小米在北京"], "dictionary": [["word": "小米", "type": "ORG"]],
                                                     "types": ["ORG"]], to: "/ner/batch")
            #expect(batch.status == .ok)
            let results = try JSONDecoder().decode(BatchRecognizeResponse.self, from: Data(buffer: batch.body)).results
            #expect(results.map { $0.entities.map(\.word) } == [["阿里巴巴"], ["小米"]])
            #expect(results[1].entities.first?.source == "dictionary")
            let info = try T.object(try await client.execute(uri: "/info", method: .get))
            let dictionary = try #require(info["dictionary"] as? [String: Any])
            #expect(dictionary["path"] as? String == path && dictionary["entries"] as? Int == 2)
            let configuration = try #require(info["configuration"] as? [String: Any])
            #expect(configuration["dictionaryPath"] as? String == path)
        }
    }

    @Test("request dictionaries: bounds give 413, entries the model cannot honour 422, malformed ones 400")
    func requestErrors() async throws {
        try await T.service { $0.maxDictionaryEntries = 2 }.application().test(.router) { client in
            try await T.waitUntilReady(client)
            let long = String(repeating: "长", count: RequestDecoding.maxDictionaryWordCharacters + 1)
            let cases: [(body: String, status: HTTPResponse.Status, code: String, message: String)] = [
                (#"{"text":"x","dictionary":[{"word":"a","type":"O"},{"word":"b","type":"O"},{"word":"c","type":"O"}]}"#, .contentTooLarge,
                 "dictionary_too_large", "dictionary has 3 entries; the limit is 2 per request (load large dictionaries with --dictionary)"),
                (#"{"text":"x","dictionary":[{"word":"\#(long)","type":"ORG"}]}"#, .contentTooLarge, "dictionary_too_large",
                 "dictionary[0].word has 65 characters; the limit is 64"),
                (#"{"text":"x","dictionary":[{"word":"a","type":"O"},{"word":"小米","type":"COMPANY"}]}"#, .unprocessableContent,
                 "invalid_dictionary", "dictionary[1]: unknown type 'COMPANY'; the model's types are LOC, ORG, PER, and O blocks a word"),
                (#"{"text":"x","dictionary":[{"word":"Apple","type":"ORG"},{"word":"apple","type":"O"}]}"#, .unprocessableContent,
                 "invalid_dictionary", "dictionary[1]: 'apple' is O here but ORG in dictionary[0]"),
                (#"{"text":"x","dictionary":[{"word":" ","type":"ORG"}]}"#, .unprocessableContent, "invalid_dictionary",
                 "dictionary[0]: the word is empty"),
                (#"{"text":"x","types":["PER","FOO"]}"#, .unprocessableContent, "invalid_types",
                 "types[1]: unknown type 'FOO'; the model's types are LOC, ORG, PER"),
                (#"{"text":"x","dictionary":[{"word":"a","typ":"O"}]}"#, .badRequest, "invalid_field",
                 "unknown field 'dictionary[0].typ'; allowed: 'word', 'type'"),
                (#"{"text":"x","dictionary":[{"word":"a"}]}"#, .badRequest, "invalid_field", "missing field 'dictionary[0].type'"),
                (#"{"text":"x","dictionary":{"word":"a","type":"O"}}"#, .badRequest, "invalid_field",
                 #"field 'dictionary' must be an array of {"word": …, "type": …} objects"#),
                (#"{"text":"x","dictionary":["a"]}"#, .badRequest, "invalid_field", #"field 'dictionary[0]' must be an object {"word": …, "type": …}"#),
                (#"{"text":"x","types":"PER"}"#, .badRequest, "invalid_field", "field 'types' must be an array of strings"),
                (#"{"text":"x","types":null}"#, .badRequest, "invalid_field", "field 'types' must be an array of strings"),
                (#"{"text":"x","dictionnary":[]}"#, .badRequest, "invalid_field", "unknown field 'dictionnary'; allowed: 'text', 'dictionary', 'types'"),
                (#"{"texts":["x"],"dictionary":[{"word":"x","type":"BAD"}]}"#, .unprocessableContent, "invalid_dictionary",
                 "dictionary[0]: unknown type 'BAD'; the model's types are LOC, ORG, PER, and O blocks a word"),
            ]
            for item in cases {
                let uri = item.body.hasPrefix(#"{"texts""#) ? "/ner/batch" : "/ner"
                let response = try await client.execute(uri: uri, method: .post, body: T.json(item.body))
                #expect(response.status == item.status, "\(item.body): \(String(buffer: response.body))")
                let error = try T.error(response)
                #expect(error.code == item.code, "\(item.body)")
                #expect(error.message == item.message, "\(item.body)")
            }
        }
    }

    @Test("reloading: a valid file is swapped in whole, an invalid one keeps the old dictionary, both counted and shown")
    func reload() async throws {
        let path = try Self.file("阿里巴巴\tORG\n")
        let service = T.service(engine: ["--dictionary", path])
        try await service.application().test(.router) { client in
            try await T.waitUntilReady(client)
            #expect(try Self.entities(try await Self.post(client, ["text": Self.seed])).contains("阿里巴巴 ORG [5,9) dictionary"))
            try Data("阿里巴巴\tORG\n杭州\tLOC\n".utf8).write(to: URL(fileURLWithPath: path))
            #expect(service.reloadDictionary())
            #expect(service.core.dictionaries.status.entries == 2 && service.core.dictionaries.status.reloads == 1)
            let reloaded = try Self.entities(try await Self.post(client, ["text": Self.seed]))
            #expect(reloaded == ["马云 PER [0,2) model", "杭州 LOC [3,5) dictionary", "阿里巴巴 ORG [5,9) dictionary"])

            try Data("杭州\tO\n阿里巴巴\tCOMPANY\n".utf8).write(to: URL(fileURLWithPath: path))
            #expect(!service.reloadDictionary())
            #expect(try Self.entities(try await Self.post(client, ["text": Self.seed])) == reloaded, "the old dictionary stays")
            let info = try T.object(try await client.execute(uri: "/info", method: .get))
            let status = try #require(info["dictionary"] as? [String: Any])
            #expect(status["entries"] as? Int == 2 && status["reloads"] as? Int == 1 && status["failedReloads"] as? Int == 1)
            #expect((status["lastError"] as? String)?.hasPrefix("\(path):2: unknown type 'COMPANY'") == true, "\(status)")
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(RouterTests.value(of: #"ner_dictionary_reloads_total{result="success"}"#, in: metrics) == 1)
            #expect(RouterTests.value(of: #"ner_dictionary_reloads_total{result="failure"}"#, in: metrics) == 1)
            #expect(RouterTests.value(of: "ner_dictionary_entries", in: metrics) == 2)
            #expect((RouterTests.value(of: #"ner_dictionary_matches_total{outcome="applied"}"#, in: metrics) ?? 0) >= 5)
        }
    }

    @Test("an invalid dictionary at start fails the load like a bad model: /health 503 with the file and line")
    func invalidAtStart() async throws {
        let path = try Self.file("# comment\n阿里巴巴 ORG\n")
        try await T.service(engine: ["--dictionary", path]).application().test(.router) { client in
            while true {
                let response = try await client.execute(uri: "/health", method: .get)
                if response.status == .serviceUnavailable {
                    let error = try T.error(response)
                    #expect(error.code == "model_failed")
                    #expect(error.message.contains("\(path):2: expected 'word<TAB>TYPE'"), "\(error.message)")
                    return
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }
}
