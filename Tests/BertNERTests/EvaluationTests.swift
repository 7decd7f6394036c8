import Foundation
import Testing
@_spi(Benchmarks) @_spi(Fuzzing) @testable import BertNER

/// `EntityMetrics` + `TagScheme` against seqeval's strict mode on a committed prediction fixture
/// (`tools/make_eval_fixture.py`: MSRA test tags with injected errors, malformed ones included).
@Suite("Evaluation")
struct EvaluationTests {
    struct Fixture: Decodable {
        struct Scores: Decodable {
            let precision: Double
            let recall: Double
            let f1: Double
            let support: Double
            enum CodingKeys: String, CodingKey { case precision, recall, f1 = "f1-score", support }
        }
        struct Case: Decodable {
            let gold: [[String]]
            let predicted: [[String]]
            let seqeval: [String: Scores]
        }
        let bioes: Case
        let bio: Case
    }

    @Test("micro and per-type P/R/F1 equal seqeval strict", arguments: [TagScheme.bioes, .bio])
    func matchesSeqeval(scheme: TagScheme) throws {
        let url = EngineFixture.root.appendingPathComponent("eval/seqeval.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let data = scheme == .bioes ? fixture.bioes : fixture.bio
        var metrics = EntityMetrics()
        for (gold, predicted) in zip(data.gold, data.predicted) {
            metrics.add(gold: scheme.spans(labels: gold), predicted: scheme.spans(labels: predicted))
        }
        let ours = metrics.byType.merging(["micro avg": metrics.micro]) { a, _ in a }
        #expect(Set(ours.keys) == Set(data.seqeval.keys))
        for (name, expected) in data.seqeval {
            let counts = try #require(ours[name])
            #expect(abs(counts.precision - expected.precision) < 1e-9, "\(scheme) \(name) precision")
            #expect(abs(counts.recall - expected.recall) < 1e-9, "\(scheme) \(name) recall")
            #expect(abs(counts.f1 - expected.f1) < 1e-9, "\(scheme) \(name) f1")
            #expect(Double(counts.gold) == expected.support, "\(scheme) \(name) support")
        }
    }

    @Test("strict decoding of malformed sequences")
    func strictDecoding() {
        let bioes = TagScheme.bioes
        #expect(bioes.spans(labels: ["B-PER", "I-PER", "E-PER", "O", "S-LOC"]).map { "\($0)" } == ["(start: 0, end: 3, type: \"PER\")", "(start: 4, end: 5, type: \"LOC\")"])
        #expect(bioes.spans(labels: ["I-PER", "E-PER"]).isEmpty)        // no B-
        #expect(bioes.spans(labels: ["B-PER", "I-PER", "O"]).isEmpty)   // never closed
        #expect(bioes.spans(labels: ["B-PER", "E-LOC"]).isEmpty)        // type changes
        #expect(bioes.spans(labels: ["B-ORG", "B-ORG", "E-ORG"]).map(\.start) == [1])
        #expect(TagScheme.bio.spans(labels: ["B-PER", "I-PER", "I-LOC", "B-LOC"]).map { [$0.start, $0.end] } == [[0, 2], [3, 4]])
        #expect(TagScheme.bmes.spans(labels: ["B-ORG", "M-ORG", "E-ORG", "S-PER"]).map { [$0.start, $0.end] } == [[0, 3], [3, 4]])
        #expect(TagScheme(inferringFrom: ["O", "B-X", "I-X"]) == .bio)
        #expect(TagScheme(inferringFrom: ["O", "B-X", "M-X", "E-X", "S-X"]) == .bmes)
        #expect(TagScheme(inferringFrom: ["O", "B-X", "I-X", "E-X", "S-X"]) == .bioes)
        #expect(TagScheme.bioes.parse("X-PER") == nil && TagScheme.bioes.parse("B-") == nil && TagScheme.bio.parse("S-PER") == nil)
    }

    @Test("tagged corpus files: sentences, CRLF, and precise errors")
    func taggedCorpus() throws {
        let sentences = try TaggedCorpus.parse(Data("马 B-PER\r\n云 E-PER\n\n\n  O\n杭 S-LOC\n".utf8))
        #expect(sentences == [TaggedSentence(text: "马云", tags: ["B-PER", "E-PER"]),
                              TaggedSentence(text: " 杭", tags: ["O", "S-LOC"])])
        #expect(throws: TaggedCorpusError.invalidUTF8(path: "f", line: 2)) {
            try TaggedCorpus.parse(Data([0x61, 0x20, 0x4F, 0x0A, 0xFF, 0x20, 0x4F]), path: "f")
        }
        let malformed = TaggedCorpusError.malformedLine(path: "f", line: 1, content: "马云 B-PER")
        #expect(throws: malformed) { try TaggedCorpus.parse(Data("马云 B-PER\n".utf8), path: "f") }
        #expect(malformed.description == "f:1: expected '<character> <TAG>', found '马云 B-PER'")
    }

    @Test("windows overlap by the stride and every piece is owned by its most central window")
    func windowing() {
        let windowing = Windowing(capacity: 10, stride: 4)
        #expect(windowing.windows(count: 0) == [0..<0])
        #expect(windowing.windows(count: 10) == [0..<10])
        let windows = windowing.windows(count: 23)
        #expect(windows == [0..<10, 6..<16, 12..<22, 18..<23])
        let owners = windowing.owners(count: 23, windows: windows)
        // Piece 7 is 2 from window 0's end and 1 from window 1's start → window 0;
        // piece 8 is 1 from window 0's end and 2 from window 1's start → window 1.
        #expect(owners == [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3])
        #expect(Windowing(capacity: 5, stride: 9).stride == 4)  // always advances
        // Pieces no window holds take window 0, as the exhaustive rule has it.
        #expect(windowing.owners(count: 8, windows: [0..<2, 5..<7]) == [0, 0, 0, 0, 0, 1, 1, 0])
    }

    @Test("ownership with cursors equals the exhaustive rule on per-sentence windows of random texts", arguments: 0..<20)
    func ownershipMatchesExhaustiveRule(seed: Int) {
        var random = CRFTests.SplitMix64(state: UInt64(seed))
        let windowing = Windowing(capacity: 2 + Int(random.next() % 12), stride: Int(random.next() % 14))
        // Sentences of random lengths, each windowed on its own, as the pipeline does.
        var windows: [Range<Int>] = [], count = 0
        for _ in 0..<(1 + Int(random.next() % 30)) {
            let length = 1 + Int(random.next() % 40)
            windows += windowing.windows(count: length).map { ($0.lowerBound + count)..<($0.upperBound + count) }
            count += length
        }
        let exhaustive = (0..<count).map { piece in
            var best = 0, bestCentrality = -1
            for (index, window) in windows.enumerated() where window.contains(piece) {
                let centrality = min(piece - window.lowerBound, window.upperBound - 1 - piece)
                if centrality > bestCentrality { best = index; bestCentrality = centrality }
            }
            return best
        }
        #expect(windowing.owners(count: count, windows: windows) == exhaustive)
    }

    @Test("sentences end after 。！？；… with their closing quotes, and at line breaks")
    func sentenceSplitting() throws {
        let tokenizer = try TokenizerTests.tokenizers()[0]
        let text = "他说：“好。”然后走了！真的？\n第二行没有句号Hello world"
        func sentences(_ splitter: SentenceSplitter, _ text: String) -> [String] {
            let pieces = tokenizer.encode(text), scalars = Array(text.unicodeScalars)
            return splitter.sentences(of: pieces, in: scalars).map { range in
                String(String.UnicodeScalarView(scalars[pieces[range.lowerBound].start..<pieces[range.upperBound - 1].end]))
            }
        }
        let alone = SentenceSplitter(minimumPieces: 0)
        #expect(sentences(alone, text) == ["他说：“好。”", "然后走了！", "真的？", "第二行没有句号Hello world"])
        #expect(sentences(alone, "好。\n坏。") == ["好。", "坏。"])
        #expect(SentenceSplitter().sentences(of: [], in: []).isEmpty)
    }

    @Test("sentences shorter than minimumPieces join the next on their line; line breaks always separate")
    func shortSentencesJoin() throws {
        let tokenizer = try TokenizerTests.tokenizers()[0]
        func sentences(_ text: String, minimum: Int = 8) -> [String] {
            let pieces = tokenizer.encode(text), scalars = Array(text.unicodeScalars)
            return SentenceSplitter(minimumPieces: minimum).sentences(of: pieces, in: scalars).map { range in
                String(String.UnicodeScalarView(scalars[pieces[range.lowerBound].start..<pieces[range.upperBound - 1].end]))
            }
        }
        // Two-piece sentences group until a group has 8 pieces; the short rest stays as it is.
        #expect(sentences("好。坏。对。错。是。否。上。下。左。右。") == ["好。坏。对。错。", "是。否。上。下。", "左。右。"])
        // A long sentence is never joined to what follows; a short one joins even a long one.
        #expect(sentences("国务院总理在北京会见了外宾。好。") == ["国务院总理在北京会见了外宾。", "好。"])
        #expect(sentences("好。国务院总理在北京会见了外宾。") == ["好。国务院总理在北京会见了外宾。"])
        // One name per line: never run together, however short.
        #expect(sentences("张三\n李四\n王五。\n赵六") == ["张三", "李四", "王五。", "赵六"])
    }
}
