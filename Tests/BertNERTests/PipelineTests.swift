import Foundation
import Testing
@_spi(Benchmarks) @_spi(Fuzzing) @testable import BertNER

/// The whole pipeline on the shipped default model against PyTorch (`tools/evaluate.py
/// --fixture-out Tests/Fixtures/default-model`): logits and entities of 100 MSRA test sentences.
@Suite("Pipeline on the default model")
struct PipelineTests {
    struct Reference: Decodable {
        struct Case: Decodable {
            struct Span: Decodable, Equatable { let start: Int; let end: Int; let type: String; let word: String }
            let text: String
            let ids: [Int32]
            let entities: [Span]
        }
        let cases: [Case]
    }

    static let modelDirectory = EngineFixture.root.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Weights/default").path
    static let fixture = EngineFixture.root.appendingPathComponent("default-model")

    static func load() throws -> (NERPipeline, Reference, SafeTensorsFile) {
        let pipeline = try NERPipeline(modelDirectory: modelDirectory)
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: fixture.appendingPathComponent("reference.json")))
        return (pipeline, reference, try SafeTensorsFile(path: fixture.appendingPathComponent("logits.safetensors").path))
    }

    @Test("token ids, logits within 1e-4 and entities identical to PyTorch on 100 sentences")
    func goldenSentences() throws {
        let (pipeline, reference, logits) = try Self.load()
        #expect(reference.cases.count == 100)
        let labels = pipeline.model.config.labels.count
        var worst: Float = 0
        let ours = try pipeline.model.logits(PackedBatch(sequences: reference.cases.map(\.ids)))
        for (k, item) in reference.cases.enumerated() {
            let pieces = pipeline.tokenizer.encode(item.text).map(\.id)
            #expect([pipeline.tokenizer.clsID] + pieces + [pipeline.tokenizer.sepID] == item.ids, "ids of case \(k)")
            let expected = try logits.floats("logits.\(k)")
            worst = max(worst, ours[k].maxAbsoluteDifference(to: Matrix(rows: expected.count / labels, columns: labels, storage: expected)))
        }
        #expect(worst <= 1e-4, "logits max |Δ| \(worst)")
        print("default model: logits max |Δ| vs PyTorch = \(worst)")
        let entities = try pipeline.recognize(batch: reference.cases.map(\.text))
        for (item, found) in zip(reference.cases, entities) {
            let mine = found.map { Reference.Case.Span(start: $0.start, end: $0.end, type: $0.type, word: $0.word) }
            #expect(mine == item.entities, "entities of '\(item.text)'")
        }
    }

    @Test("scores are products of marginals in (0, 1]; empty and whitespace texts have no entities")
    func scoresAndEmptyInput() throws {
        let pipeline = try NERPipeline(modelDirectory: Self.modelDirectory)
        let entities = try pipeline.recognize("新华社北京电，国家主席江泽民今天在人民大会堂会见了美国总统克林顿。")
        #expect(!entities.isEmpty)
        for entity in entities { #expect(entity.score > 0 && entity.score <= 1.000001) }
        #expect(try pipeline.recognize("").isEmpty)
        #expect(try pipeline.recognize("   \n\t ").isEmpty)
        #expect(try pipeline.recognize(batch: []).isEmpty)
    }

    @Test("pieces sharing one character never crash the splitter (regression: found by schemathesis)")
    func piecesSharingACharacter() throws {
        let pipeline = try NERPipeline(modelDirectory: Self.modelDirectory)
        // "ïïÏ" gives several pieces with the same offsets; the splitter once built a backwards range.
        let texts = ["\u{75c9e}á\u{0c}B3ïïÏ\u{1f}\u{df92f}X\u{9f}|풕PL=Î\u{8d}Ç¡^äé\u{81}", "ïïÏ\nÏ北京", "Ï\r\nÏ。Ï"]
        for text in texts { try Self.checkInvariants(pipeline.recognize(text), in: text) }
    }

    @Test("random strings: entities always lie inside the text and spell text[start..<end]")
    func randomStrings() throws {
        let pipeline = try NERPipeline(modelDirectory: Self.modelDirectory)
        // Characters from the scripts and classes the tokenizer treats specially.
        let pool: [Unicode.Scalar] = Array("北京上海江泽民会见。，！？；…“”（）《》abcXYZ019 \n\r\t·-_@#ïÏéÀ﹌😀👨\u{200d}\u{0301}\u{0}\u{1f}\u{9f}\u{fffd}\u{feff}\u{2028}𠀀𫄦".unicodeScalars)
            + [Unicode.Scalar(0x75c9e)!, Unicode.Scalar(0xe0001)!, Unicode.Scalar(0xd7ff)!]
        var generator = CRFTests.SplitMix64(state: 2026)
        var texts: [String] = []
        for _ in 0..<600 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...40, using: &generator) { scalars.append(pool.randomElement(using: &generator)!) }
            texts.append(String(scalars))
        }
        for (text, entities) in zip(texts, try pipeline.recognize(batch: texts)) {
            try Self.checkInvariants(entities, in: text)
        }
    }

    static func checkInvariants(_ entities: [Entity], in text: String) throws {
        let scalars = Array(text.unicodeScalars)
        for entity in entities {
            #expect(0 <= entity.start && entity.start < entity.end && entity.end <= scalars.count, "\(entity) in \(text.debugDescription)")
            guard 0 <= entity.start, entity.start <= entity.end, entity.end <= scalars.count else { continue }
            #expect(String(String.UnicodeScalarView(scalars[entity.start..<entity.end])) == entity.word)
        }
    }

    @Test("a long document finds the same entities as its sentences one by one")
    func longDocument() throws {
        let pipeline = try NERPipeline(modelDirectory: Self.modelDirectory)
        let test = URL(fileURLWithPath: Self.modelDirectory).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("../shared/data/msra/test.bioes").standardized.path
        guard FileManager.default.fileExists(atPath: test) else {
            print("skipped: needs ../shared/data/msra/test.bioes (the MSRA test set), absent here")
            return
        }
        // MSRA's units are not always sentences (some end at a comma, some hold two). Use the ones
        // that are exactly one sentence by `SentenceSplitter`'s rule, so "its sentences" is well defined.
        let terminators: Set<Character> = ["。", "！", "？", "；"]
        let sentences = try TaggedCorpus.read(path: test).map(\.text).filter { text in
            guard let last = text.last, terminators.contains(last) else { return false }
            return !text.dropLast().contains { terminators.contains($0) || $0 == "…" }
        }.prefix(300).map { $0 }
        var document = "", offsets: [Int] = []
        for sentence in sentences where document.unicodeScalars.count < 5_000 {
            offsets.append(document.unicodeScalars.count)
            document += sentence
        }
        #expect(document.unicodeScalars.count >= 5_000)
        let alone = try pipeline.recognize(batch: Array(sentences.prefix(offsets.count)))
        var expected = Set<String>()
        for (offset, entities) in zip(offsets, alone) {
            for e in entities { expected.insert("\(e.start + offset)-\(e.end + offset)-\(e.type)") }
        }
        let together = Set(try pipeline.recognize(document).map { "\($0.start)-\($0.end)-\($0.type)" })
        let agreement = Double(expected.intersection(together).count) / Double(max(expected.union(together).count, 1))
        print("long document: \(document.unicodeScalars.count) characters, \(expected.count) entities alone, \(together.count) together, agreement \(agreement)")
        #expect(agreement >= 0.99)
    }

    @Test("an entity placed exactly across a window border is found whole")
    func entityAcrossWindowBorder() throws {
        var pipeline = try NERPipeline(modelDirectory: Self.modelDirectory, stride: 16)
        pipeline.maxTokensPerForward = 4096
        let sentence = "国家主席江泽民今天在人民大会堂会见了美国总统克林顿。"
        let target = try pipeline.recognize(sentence)
        let person = try #require(target.first { $0.word == "江泽民" })
        // Pad in front with neutral text so that 江泽民 straddles the end of the first window.
        let capacity = pipeline.windowing.capacity
        // Commas, not full stops: the filler and the sentence must form one sentence to be windowed.
        let filler = String(repeating: "这是一个很普通的句子，", count: 60)
        let fillerPieces = pipeline.tokenizer.encode(filler).count
        // 江 becomes the last piece of the first window, 泽民 the first of the next (every character
        // here is one piece); the overlap gives the second window the whole name.
        let cut = capacity - 1 - person.start
        let prefix = String(filler.unicodeScalars.prefix(cut).map(Character.init))
        #expect(fillerPieces >= cut)
        let text = prefix + sentence
        let found = try pipeline.recognize(text)
        let shifted = found.first { $0.start == cut + person.start }
        #expect(shifted?.word == "江泽民", "found \(found.map(\.word))")
        #expect(pipeline.windowing.windows(count: pipeline.tokenizer.encode(text).count).first?.upperBound == capacity)
    }
}

