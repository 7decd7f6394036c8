import Foundation

/// Text in, entities out: tokenize with offsets, window long inputs, run the model on one packed
/// batch, decode tags (CRF Viterbi or argmax) with the model's tag scheme, and score each entity.
public struct NERPipeline: Sendable {
    public let model: TokenClassifier
    public let tokenizer: BertTokenizer
    public let scheme: TagScheme
    public let windowing: Windowing
    /// Upper bound on the tokens of one forward pass; larger batches run in several passes so
    /// memory stays bounded whatever the caller hands in.
    public var maxTokensPerForward: Int = 16_384
    /// Tag each sentence on its own (see `SentenceSplitter` for why); false tags whole texts,
    /// windowing only where they exceed the model's positions.
    public var splitsSentences: Bool = true
    /// Cores one forward pass may use (GEMM blocks, rows and attention heads run in parallel).
    /// Defaults to the machine's active processors.
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    private let tags: [TagScheme.Tag]
    private let workspaces = WorkspacePool()

    /// Loads the model and tokenizer from a bundle folder. `stride` is the overlap (in word pieces)
    /// between consecutive windows of a long text.
    public init(modelDirectory: String, stride: Int = 128) throws {
        let bundle = try ModelBundle(directory: modelDirectory)
        try self.init(model: try bundle.loadModel(), tokenizer: try BertTokenizer(bundleDirectory: modelDirectory),
                      configPath: bundle.configPath, stride: stride)
    }

    public init(model: TokenClassifier, tokenizer: BertTokenizer, configPath: String = "config.json", stride: Int = 128) throws {
        let labels = model.config.labels
        let scheme: TagScheme
        if let name = model.config.tagScheme {
            guard let named = TagScheme(rawValue: name.uppercased()) else {
                throw ModelLoadingError.invalidConfig(path: configPath, reason: "unknown tag_scheme '\(name)' (expected BIO, BIOES or BMES)")
            }
            scheme = named
        } else {
            scheme = TagScheme(inferringFrom: labels)
        }
        tags = try labels.map { label in
            guard let tag = scheme.parse(label) else {
                throw ModelLoadingError.invalidConfig(
                    path: configPath,
                    reason: "label '\(label)' is neither 'O' nor one of \(scheme.prefixes.sorted().map { "\($0)-" }.joined(separator: "/"))<TYPE> (\(scheme.rawValue))")
            }
            return tag
        }
        self.model = model
        self.tokenizer = tokenizer
        self.scheme = scheme
        windowing = Windowing(capacity: model.config.maxPositionEmbeddings - 2, stride: stride)
    }

    /// The entity types the model can produce, in label order.
    public var entityTypes: [String] {
        var seen: [String] = []
        for tag in tags where tag.prefix != "O" && !seen.contains(tag.type) { seen.append(tag.type) }
        return seen
    }

    public func recognize(_ text: String) throws -> [Entity] {
        try recognize(batch: [text])[0]
    }

    /// Entities for each text, in input order. All windows of all texts share packed forward passes.
    public func recognize(batch texts: [String]) throws -> [[Entity]] {
        try recognizeWithStatistics(batch: texts).entities
    }

    /// What one call did, for servers that report throughput: the entities, plus the number of
    /// sequences (sentences/windows) and tokens (word pieces incl. [CLS]/[SEP]) the model ran on.
    public struct BatchResult: Sendable {
        public var entities: [[Entity]]
        public var sequences: Int
        public var tokens: Int
    }

    public func recognizeWithStatistics(batch texts: [String]) throws -> BatchResult {
        let pieces = texts.map { tokenizer.encode($0) }
        var windowsOfText: [[Range<Int>]] = []
        var sequences: [[Int32]] = []
        for (text, textPieces) in zip(texts, pieces) {
            let segments = splitsSentences ? SentenceSplitter().sentences(of: textPieces, in: Array(text.unicodeScalars))
                : textPieces.isEmpty ? [] : [0..<textPieces.count]
            // Windows of different sentences never overlap, so each piece is owned within its sentence.
            let windows = segments.flatMap { segment in
                windowing.windows(count: segment.count).map { ($0.lowerBound + segment.lowerBound)..<($0.upperBound + segment.lowerBound) }
            }
            windowsOfText.append(windows)
            for window in windows {
                sequences.append([tokenizer.clsID] + textPieces[window].map(\.id) + [tokenizer.sepID])
            }
        }
        let decoded = try decodeWindows(sequences)
        var next = 0
        let entities = texts.indices.map { t in
            let windows = windowsOfText[t]
            let results = Array(decoded[next..<(next + windows.count)])
            next += windows.count
            return self.entities(text: texts[t], pieces: pieces[t], windows: windows, results: results)
        }
        return BatchResult(entities: entities, sequences: sequences.count, tokens: sequences.reduce(0) { $0 + $1.count })
    }

    /// Best tag path and per-position probability of each chosen tag, for the pieces of each
    /// window (positions of [CLS] and [SEP] excluded, as in training).
    private func decodeWindows(_ sequences: [[Int32]]) throws -> [(path: [Int], probabilities: [Double])] {
        var results: [(path: [Int], probabilities: [Double])] = []
        var start = 0
        while start < sequences.count {
            var end = start, tokens = 0
            while end < sequences.count, end == start || tokens + sequences[end].count <= maxTokensPerForward {
                tokens += sequences[end].count
                end += 1
            }
            let batch = PackedBatch(sequences: Array(sequences[start..<end]))
            let logits = try workspaces.withWorkspace(threads: max(1, threads)) { try model.logits(batch, workspace: $0) }
            let emissions = logits.map { $0.rows(1..<($0.rows - 1)) }
            let paths = model.decode(emissions)
            for (scores, path) in zip(emissions, paths) {
                let probabilities = model.crf.map { $0.marginals(scores) } ?? Self.softmax(scores)
                results.append((path, path.enumerated().map { Double(probabilities[$0.offset, $0.element]) }))
            }
            start = end
        }
        return results
    }

    private static func softmax(_ scores: Matrix) -> Matrix {
        var result = scores
        result.storage.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            softmaxRows(base, rows: scores.rows, columns: scores.columns, stride: scores.columns)
        }
        return result
    }

    private func entities(text: String, pieces: [BertTokenizer.Token], windows: [Range<Int>],
                          results: [(path: [Int], probabilities: [Double])]) -> [Entity] {
        guard !pieces.isEmpty else { return [] }
        let owners = windowing.owners(count: pieces.count, windows: windows)
        var pieceTags: [TagScheme.Tag] = []
        var probabilities: [Double] = []
        for (piece, owner) in owners.enumerated() {
            let local = piece - windows[owner].lowerBound
            pieceTags.append(tags[results[owner].path[local]])
            probabilities.append(results[owner].probabilities[local])
        }
        let scalars = Array(text.unicodeScalars)
        return scheme.spans(pieceTags).map { span in
            let start = pieces[span.start].start, end = pieces[span.end - 1].end
            var word = String.UnicodeScalarView()
            word.append(contentsOf: scalars[start..<end])
            let score = probabilities[span.start..<span.end].reduce(1, *)
            return Entity(word: String(word), start: start, end: end, type: span.type, score: score)
        }
    }
}
