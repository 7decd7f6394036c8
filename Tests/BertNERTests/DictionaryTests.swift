import Foundation
import Testing
@_spi(Benchmarks) @testable import BertNER

/// User dictionaries: the file format and its errors, matching (leftmost-longest, word-piece
/// boundaries, case, layers), and what the pipeline makes of them on the default model and on a
/// CRF-less model with short windows.
@Suite("User dictionaries")
struct DictionaryTests {
    static let types = ["LOC", "ORG", "PER"]
    static let seedSentence = "马云在杭州阿里巴巴总部发表演讲"

    static func file(_ contents: String, name: String = "dictionary.tsv") throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bertner-dictionary-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func dictionary(_ contents: String) throws -> EntityDictionary {
        try EntityDictionary(contentsOfFile: try file(contents), entityTypes: types)
    }

    static func spans(_ entities: [Entity]) -> [String] {
        entities.map { "\($0.word) \($0.type) [\($0.start),\($0.end)) \($0.source.rawValue)" }
    }

    // MARK: the file format

    @Test("comments, blank lines, CRLF, surrounding spaces and identical duplicates are accepted")
    func format() throws {
        let dictionary = try Self.dictionary("# a comment\n\n阿里巴巴\tORG\r\n  杭州 \t LOC \n阿里巴巴\tORG\n小米\tO\n   \n")
        #expect(dictionary.entryCount == 3)
        #expect(!dictionary.isEmpty)
        #expect(EntityDictionary.empty.isEmpty)
        // A byte-order mark (Windows editors write one) is no part of the first line.
        let bom = try EntityDictionary(contentsOfFile: try Self.file("\u{FEFF}阿里巴巴\tORG\n"), entityTypes: Self.types)
        #expect(try Self.matches(bom, in: "阿里巴巴").words == ["阿里巴巴 ORG"])
        #expect(try Self.dictionary("\u{FEFF}# a comment\n杭州\tLOC\n").entryCount == 1)
    }

    @Test("each malformed line is named with its file and line number", arguments: [
        ("阿里巴巴\tORG\n杭州LOC\n", 2, "expected 'word<TAB>TYPE' (TYPE an entity type, or O to block the word), found no tab"),
        ("# header\n\tORG\n", 2, "the word is empty"),
        ("阿里巴巴\tCOMPANY\n", 1, "unknown type 'COMPANY'; the model's types are LOC, ORG, PER, and O blocks a word"),
        ("阿里巴巴\tORG\n\n阿里巴巴\tLOC\n", 3, "'阿里巴巴' is LOC here but ORG on line 1"),
        ("Apple\tORG\napple\tO\n", 2, "'apple' is O here but ORG on line 1"),
    ])
    func lineErrors(contents: String, line: Int, reason: String) throws {
        let path = try Self.file(contents)
        #expect(throws: DictionaryError.self) { try EntityDictionary(contentsOfFile: path, entityTypes: Self.types) }
        do {
            _ = try EntityDictionary(contentsOfFile: path, entityTypes: Self.types)
        } catch {
            #expect(error.line == line)
            #expect(error.reason == reason)
            #expect(error.description == "\(path):\(line): \(reason)")
        }
    }

    @Test("invalid UTF-8 and unreadable files are errors with the file (and line)")
    func encodingAndMissingFiles() throws {
        let path = try Self.file("")
        try Data("阿里巴巴\tORG\n".utf8 + [0xE9, 0x98, 0x09] + Data("\tORG\n".utf8)).write(to: URL(fileURLWithPath: path))
        #expect(throws: DictionaryError.invalidUTF8(path: path, line: 2)) { try EntityDictionary(contentsOfFile: path, entityTypes: Self.types) }
        let missing = path + ".missing"
        do {
            _ = try EntityDictionary(contentsOfFile: missing, entityTypes: Self.types)
            Issue.record("a missing file loaded")
        } catch {
            #expect(error.path == missing && error.line == nil)
            #expect(error.description.hasPrefix("\(missing): cannot read the dictionary: "))
        }
    }

    @Test("entries in code: the same checks, their index + 1 as the line, and bounds")
    func entries() throws {
        #expect(throws: DictionaryError.unknownType(path: "request", line: 2, type: "X", known: Self.types)) {
            try EntityDictionary(entries: [.init(word: "杭州", type: "LOC"), .init(word: "a", type: "X")], entityTypes: Self.types, source: "request")
        }
        #expect(throws: DictionaryError.tooManyEntries(path: "entries", count: 2, limit: 1)) {
            try EntityDictionary(entries: [.init(word: "a", type: "O"), .init(word: "b", type: "O")], entityTypes: Self.types, maxEntries: 1)
        }
        #expect(throws: DictionaryError.wordTooLong(path: "entries", line: 1, characters: 4, limit: 3)) {
            try EntityDictionary(entries: [.init(word: "阿里巴巴", type: "ORG")], entityTypes: Self.types, maxWordCharacters: 3)
        }
        #expect(throws: DictionaryError.emptyWord(path: "entries", line: 1)) {
            try EntityDictionary(entries: [.init(word: " ", type: "ORG")], entityTypes: Self.types)
        }
        #expect(EntityDictionary.Entry(word: "小米", type: "O").decision == .block)
        #expect(EntityDictionary.Entry(word: "小米", type: "ORG").decision == .entity(type: "ORG"))
    }

    // MARK: matching

    static let tokenizer = Result { try BertTokenizer(bundleDirectory: PipelineTests.modelDirectory) }

    static func matches(_ dictionary: EntityDictionary, in text: String) throws -> (words: [String], misaligned: Int) {
        let pieces = try tokenizer.get().encode(text)
        let scalars = Array(text.unicodeScalars)
        let found = dictionary.matches(in: scalars, pieces: pieces)
        let words = found.matches.map { match in
            String(String.UnicodeScalarView(scalars[pieces[match.pieces.lowerBound].start..<pieces[match.pieces.upperBound - 1].end]))
                + " " + match.decision.description
        }
        return (words, found.misaligned)
    }

    @Test("leftmost-longest, non-overlapping, every occurrence")
    func leftmostLongest() throws {
        let dictionary = try Self.dictionary("北京\tLOC\n北京大学\tORG\n大学生\tO\n学生\tO\n京\tLOC\n")
        #expect(try Self.matches(dictionary, in: "北京大学生在北京").words == ["北京大学 ORG", "北京 LOC"])
        #expect(try Self.matches(dictionary, in: "大学生和学生").words == ["大学生 O", "学生 O"])
        #expect(try Self.matches(dictionary, in: "东京").words == ["京 LOC"])
    }

    @Test("matches fall on word-piece boundaries; one inside a Latin word piece is skipped and counted")
    func wordPieceBoundaries() throws {
        let pieces = try Self.tokenizer.get().encode("iphone")
        let dictionary = try Self.dictionary("phone\tORG\nhon\tORG\nIPHONE\tORG\n")
        // Whatever the pieces of "iphone" are, "hon" starts inside one of them.
        #expect(try Self.matches(dictionary, in: "买iPhone了").words == ["iPhone ORG"])
        let skipped = try Self.matches(try Self.dictionary("hon\tORG\n"), in: "iphone 和 hon")
        #expect(skipped.words == ["hon ORG"])
        #expect(skipped.misaligned == 1, "pieces of iphone: \(pieces)")
    }

    @Test("layers: the upper one wins for the same word, the longest wins across layers")
    func layers() throws {
        let server = try Self.dictionary("阿里巴巴\tORG\n杭州\tLOC\n阿里\tPER\n")
        let request = try EntityDictionary(entries: [.init(word: "阿里巴巴", type: "O"), .init(word: "杭州阿里", type: "LOC")],
                                           entityTypes: Self.types, source: "request")
        let merged = request.layered(over: server)
        #expect(merged.sources.last == server.sources.first && merged.sources.first == "request")
        #expect(merged.entryCount == 5)
        #expect(try Self.matches(merged, in: "阿里巴巴在杭州").words == ["阿里巴巴 O", "杭州 LOC"])
        #expect(try Self.matches(merged, in: "杭州阿里巴巴").words == ["杭州阿里 LOC"])
        #expect(try Self.matches(server, in: "杭州阿里巴巴").words == ["杭州 LOC", "阿里巴巴 ORG"])
    }

    // MARK: the pipeline

    static let pipeline = Result { try NERPipeline(modelDirectory: PipelineTests.modelDirectory) }

    @Test("the seed's sentence: 马云 PER, 杭州 LOC, 阿里巴巴 ORG with the two entries, offsets slicing the text")
    func seedSentence() throws {
        var pipeline = try Self.pipeline.get()
        let without = try pipeline.recognize(Self.seedSentence)
        #expect(!without.contains { $0.word == "阿里巴巴" }, "the model alone: \(Self.spans(without))")
        pipeline.dictionary = try EntityDictionary(contentsOfFile: try Self.file("阿里巴巴\tORG\n杭州\tLOC\n"), for: pipeline)
        let entities = try pipeline.recognize(Self.seedSentence)
        #expect(Self.spans(entities) == ["马云 PER [0,2) model", "杭州 LOC [3,5) dictionary", "阿里巴巴 ORG [5,9) dictionary"])
        let scalars = Array(Self.seedSentence.unicodeScalars)
        for entity in entities {
            #expect(String(String.UnicodeScalarView(scalars[entity.start..<entity.end])) == entity.word)
            #expect(entity.score > 0 && entity.score <= 1)
        }
        // The model put 杭州 inside its ORG: it gives the forced entities a low probability of its own.
        #expect(entities.filter { $0.source == .dictionary }.allSatisfy { $0.score < 0.5 })
        // A per-call dictionary replaces the pipeline's; layering adds to it.
        #expect(try pipeline.recognize(Self.seedSentence, dictionary: .empty) == without)
        let block = try EntityDictionary(entries: [.init(word: "杭州", type: "O")], for: pipeline)
        let layered = try pipeline.recognize(Self.seedSentence, dictionary: block.layered(over: pipeline.dictionary))
        #expect(Self.spans(layered).contains("阿里巴巴 ORG [5,9) dictionary"))
        #expect(!layered.contains { $0.start < 5 && $0.end > 3 }, "杭州 blocked: \(Self.spans(layered))")
    }

    @Test("a forced entity the model already finds keeps the model's score; blocking removes a model entity")
    func agreeingAndBlocking() throws {
        let pipeline = try Self.pipeline.get()
        let text = "国家主席江泽民今天在人民大会堂会见了美国总统克林顿。"
        let plain = try pipeline.recognize(text)
        let jiang = try #require(plain.first { $0.word == "江泽民" })
        let forced = try pipeline.recognize(text, dictionary: EntityDictionary(entries: [.init(word: "江泽民", type: "PER")], for: pipeline))
        let forcedJiang = try #require(forced.first { $0.word == "江泽民" })
        #expect(forcedJiang.source == .dictionary)
        // The model's own probability of the entity: the unconstrained marginals of its tags.
        #expect(abs(forcedJiang.score - jiang.score) < 1e-6)
        let blocked = try pipeline.recognize(text, dictionary: EntityDictionary(entries: [.init(word: "江泽民", type: "O")], for: pipeline))
        #expect(!blocked.contains { $0.start < jiang.end && jiang.start < $0.end }, "\(Self.spans(blocked))")
        #expect(blocked.contains { $0.word == "克林顿" })
    }

    @Test("a CRF-less model with 62-piece windows: forced spans across window and sentence edges decode exactly")
    func argmaxModelAndWindows() throws {
        let folder = EngineFixture.root.appendingPathComponent("tiny-gelu-new-bf16").path
        var pipeline = try NERPipeline(modelDirectory: folder, stride: 8)
        #expect(pipeline.model.crf == nil)
        let filler = String(repeating: "天", count: 56)
        let text = filler + "阿里巴巴集团控股有限公司。" + filler + "杭州市。西湖"
        pipeline.dictionary = try EntityDictionary(entries: [.init(word: "阿里巴巴集团控股有限公司", type: "ORG"),
                                                             .init(word: "杭州市。西湖", type: "LOC"), .init(word: "天天", type: "O")],
                                                   for: pipeline)
        let prepared = pipeline.prepare(text)
        #expect(prepared.windows.count > 2, "windows \(prepared.windows)")
        let entities = try pipeline.recognize(text)
        let start = filler.unicodeScalars.count
        #expect(entities.contains { $0.word == "阿里巴巴集团控股有限公司" && $0.type == "ORG" && $0.start == start && $0.source == .dictionary })
        #expect(entities.contains { $0.word == "杭州市。西湖" && $0.type == "LOC" && $0.source == .dictionary })
        let fillers = [0..<start, (start + 13)..<(start + 13 + 56)]
        #expect(!entities.contains { entity in fillers.contains { $0.overlaps(entity.start..<entity.end) } },
                 "天天 is blocked: \(Self.spans(entities))")
    }
}
