import Foundation

/// Text in, entities out: tokenize with offsets, window long inputs, run the model on one packed
/// batch, decode tags (CRF Viterbi or argmax) with the model's tag scheme, and score each entity.
public struct NERPipeline: Sendable {
    package let model: TokenClassifier
    public let tokenizer: BertTokenizer
    package let scheme: TagScheme
    package let windowing: Windowing
    /// Upper bound on the tokens of one forward pass; larger batches run in several passes so
    /// memory stays bounded whatever the caller hands in.
    public var maxTokensPerForward: Int = 16_384
    /// Tag each sentence on its own (see `SentenceSplitter` for why); false tags whole texts,
    /// windowing only where they exceed the model's positions.
    package var splitsSentences: Bool = true
    /// Cores one forward pass may use (GEMM blocks, rows and attention heads run in parallel).
    /// Defaults to the machine's active processors.
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Entries that force or block entities in every call that does not pass its own (see
    /// `EntityDictionary`; build it for this pipeline with `EntityDictionary(contentsOfFile:for:)`).
    public var dictionary: EntityDictionary = .empty
    private let tags: [TagScheme.Tag]
    private let spanLabels: SpanLabels
    private let workspaces = WorkspacePool()

    /// Identifies one loaded pipeline across copies (copies share its model and workspaces), so a
    /// batcher never packs sequences of two different models into one forward pass.
    package var identity: ObjectIdentifier { ObjectIdentifier(workspaces) }

    /// What `PrecisionChoice.auto` measured when this pipeline loaded (nil for a fixed precision).
    public private(set) var precisionSelection: PrecisionSelection?

    /// Loads the model and tokenizer from a bundle folder. `stride` is the overlap (in word pieces)
    /// between consecutive windows of a long text; `precision` that of the encoder's dense layers.
    public init(modelDirectory: String, stride: Int = 128, precision: Precision = .fp32) throws {
        try self.init(modelDirectory: modelDirectory, stride: stride, precision: .fixed(precision))
    }

    /// Loads a bundle folder with a fixed precision, or with `.auto` the one that measures fastest
    /// on this CPU at `threads` cores within the accuracy bound (`precisionSelection` says what was
    /// measured). `threads` also becomes the pipeline's `threads`; 0 means every active processor.
    public init(modelDirectory: String, stride: Int = 128, precision: PrecisionChoice, threads: Int = 0) throws {
        try self.init(modelDirectory: modelDirectory, stride: stride, precision: precision, threads: threads, selector: PrecisionSelector())
    }

    /// `selector` decides `.auto` (tests give it a measurement that makes one precision slow).
    init(modelDirectory: String, stride: Int, precision: PrecisionChoice, threads: Int, selector: PrecisionSelector) throws {
        let bundle = try ModelBundle(directory: modelDirectory)
        let tokenizer = try BertTokenizer(bundleDirectory: modelDirectory)
        // Checked before any precision is loaded and timed.
        try Self.checkVocabulary(of: tokenizer, against: bundle.config, vocabularyPath: bundle.vocabularyPath, configPath: bundle.configPath)
        let threads = threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount
        let model: TokenClassifier, selection: PrecisionSelection?
        switch precision {
        case .fixed(let fixed):
            (model, selection) = (try bundle.loadModel(precision: fixed), nil)
        case .auto:
            (model, selection) = try selector.select(bundle: bundle, tokenizer: tokenizer, threads: threads)
            FreedMemory.release()  // the precisions not kept
        }
        try self.init(model: model, tokenizer: tokenizer, configPath: bundle.configPath, vocabularyPath: bundle.vocabularyPath, stride: stride)
        self.threads = threads
        precisionSelection = selection
    }

    /// `configPath` and `vocabularyPath` only name the files in error messages.
    init(model: TokenClassifier, tokenizer: BertTokenizer, configPath: String = "config.json",
                vocabularyPath: String = "vocab.txt", stride: Int = 128) throws {
        try Self.checkVocabulary(of: tokenizer, against: model.config, vocabularyPath: vocabularyPath, configPath: configPath)
        let labels = model.config.labels
        let scheme = model.config.tagScheme ?? TagScheme(inferringFrom: labels)
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
        spanLabels = SpanLabels(scheme: scheme, labels: tags)
        windowing = Windowing(capacity: model.config.maxPositionEmbeddings - 2, stride: stride)
    }

    /// Every id the tokenizer can emit must have an embedding row; checked at load, once, rather
    /// than failing each request that happens to contain a token past the table.
    private static func checkVocabulary(of tokenizer: BertTokenizer, against config: BertConfig, vocabularyPath: String,
                                        configPath: String) throws {
        guard tokenizer.vocabulary.count <= config.vocabSize else {
            throw ModelLoadingError.vocabularyMismatch(path: vocabularyPath, tokens: tokenizer.vocabulary.count,
                                                       vocabSize: config.vocabSize, configPath: configPath)
        }
    }

    /// The precision the encoder's dense layers run in: the one asked for, or what `.auto` chose.
    public var precision: Precision { model.precision }

    /// The model's geometry and labels, for the server's `/info` and `ner info`.
    package var config: BertConfig { model.config }

    /// The kernels of the dense products (see `TokenClassifier.productKernels`), for logs and `/info`.
    package var productKernels: String { model.productKernels }

    /// The entity types the model can produce, in label order.
    public var entityTypes: [String] {
        var seen: [String] = []
        for tag in tags where tag.prefix != "O" && !seen.contains(tag.type) { seen.append(tag.type) }
        return seen
    }

    /// The entities of `text`, decided with `dictionary` (default: the pipeline's `dictionary`).
    public func recognize(_ text: String, dictionary: EntityDictionary? = nil) throws -> [Entity] {
        try recognize(batch: [text], dictionary: dictionary)[0]
    }

    /// Entities for each text, in input order. All windows of all texts share packed forward passes.
    /// `dictionary` replaces the pipeline's for this call; to add entries to it instead, pass
    /// `mine.layered(over: pipeline.dictionary)`.
    public func recognize(batch texts: [String], dictionary: EntityDictionary? = nil) throws -> [[Entity]] {
        try recognizeWithStatistics(batch: texts, dictionary: dictionary).entities
    }

    /// What one call did, for servers that report throughput: the entities, plus the number of
    /// sequences (sentences/windows) and tokens (word pieces incl. [CLS]/[SEP]) the model ran on.
    package struct BatchResult: Sendable {
        package var entities: [[Entity]]
        var sequences: Int
        var tokens: Int
        /// Dictionary entries applied, and occurrences skipped for falling inside a word piece.
        package var dictionaryMatches: Int
        package var misalignedDictionaryMatches: Int
    }

    package func recognizeWithStatistics(batch texts: [String], dictionary: EntityDictionary? = nil) throws -> BatchResult {
        let dictionary = dictionary ?? self.dictionary
        let prepared = texts.map { prepare($0, dictionary: dictionary) }
        let decoded = try decode(prepared.flatMap(\.sequences), constraints: prepared.flatMap(\.constraints))
        let entities = self.entities(of: prepared, decoded: decoded)
        return BatchResult(entities: entities, sequences: decoded.count, tokens: prepared.reduce(0) { $0 + $1.tokenCount },
                           dictionaryMatches: prepared.reduce(0) { $0 + $1.dictionary.matches.count },
                           misalignedDictionaryMatches: prepared.reduce(0) { $0 + $1.dictionary.misaligned })
    }

    /// `prepare(_:dictionary:)` with the pipeline's dictionary.
    package func prepare(_ text: String) -> PreparedText {
        prepare(text, dictionary: dictionary)
    }

    /// Tokenizes, splits into sentences and windows one text, and finds its dictionary entries:
    /// everything before the model.
    package func prepare(_ text: String, dictionary: EntityDictionary) -> PreparedText {
        let pieces = tokenizer.encode(text)
        let scalars = Array(text.unicodeScalars)
        let segments = splitsSentences ? SentenceSplitter().sentences(of: pieces, in: scalars)
            : pieces.isEmpty ? [] : [0..<pieces.count]
        // Windows of different sentences never overlap, so each piece is owned within its sentence.
        let windows = segments.flatMap { segment in
            windowing.windows(count: segment.count).map { ($0.lowerBound + segment.lowerBound)..<($0.upperBound + segment.lowerBound) }
        }
        let sequences = windows.map { window in [tokenizer.clsID] + pieces[window].map(\.id) + [tokenizer.sepID] }
        let matches = dictionary.matches(in: scalars, pieces: pieces)
        let constraints = windows.map { matches.matches.isEmpty ? nil : spanLabels.constraints(window: $0, matches: matches.matches) }
        return PreparedText(text: text, pieces: pieces, windows: windows, sequences: sequences, dictionary: matches,
                            constraints: constraints)
    }

    /// Best tag path and per-position probability of each chosen tag, for the pieces of each
    /// sequence (positions of [CLS] and [SEP] excluded, as in training), under each sequence's
    /// dictionary constraints (none when `constraints` is empty). Sequences share forward passes of
    /// at most `maxTokensPerForward` tokens (a longer sequence runs alone).
    package func decode(_ sequences: [[Int32]], constraints: [TagConstraints?] = []) throws -> [DecodedSequence] {
        precondition(constraints.isEmpty || constraints.count == sequences.count, "one constraint entry per sequence")
        var results: [DecodedSequence] = []
        results.reserveCapacity(sequences.count)
        let decoder = model.decoder
        var start = 0
        while start < sequences.count {
            var end = start, tokens = 0
            while end < sequences.count, end == start || tokens + sequences[end].count <= maxTokensPerForward {
                tokens += sequences[end].count
                end += 1
            }
            try workspaces.withWorkspace(threads: max(1, threads)) { workspace in
                // Packed in an order that cuts into equal groups, so the encoder runs a group per
                // thread (`SequenceLanes`); results go back to the callers' order.
                let order = SequenceLanes.balancedOrder(lengths: sequences[start..<end].map(\.count),
                                                        threads: workspace.pool.lanes.count,
                                                        cost: model.config.encoderFLOPs(tokens:)).map { start + $0 }
                let batch = PackedBatch(sequences: order.map { sequences[$0] })
                let logits = try model.emissions(batch, workspace: workspace)
                var decoded = [DecodedSequence?](repeating: nil, count: end - start)
                for (index, range) in zip(order, batch.ranges) {
                    let constraint = constraints.isEmpty ? nil : constraints[index]
                    decoded[index - start] = decoder.decode(logits.rows((range.lowerBound + 1)..<(range.upperBound - 1)), constraints: constraint)
                }
                results.append(contentsOf: decoded.compactMap { $0 })  // a permutation: every slot is filled
            }
            start = end
        }
        return results
    }

    /// The entities of each prepared text, from the decoded sequences of all their windows in order.
    package func entities(of texts: [PreparedText], decoded: [DecodedSequence]) -> [[Entity]] {
        var next = 0
        return texts.map { text in
            defer { next += text.sequences.count }
            return entities(of: text, decoded: decoded[next..<(next + text.sequences.count)])
        }
    }

    /// The entities of a prepared text from the decoded sequences of its windows (in order).
    package func entities(of text: PreparedText, decoded: ArraySlice<DecodedSequence>) -> [Entity] {
        precondition(decoded.count == text.windows.count, "one decoded sequence per window")
        let pieces = text.pieces, windows = text.windows
        guard !pieces.isEmpty else { return [] }
        let results = Array(decoded)
        let owners = windowing.owners(count: pieces.count, windows: windows)
        var pieceTags: [TagScheme.Tag] = []
        var probabilities: [Double] = []
        // Without the dictionary's constraints, for the pieces of forced entities.
        var modelProbabilities: [Double] = []
        pieceTags.reserveCapacity(pieces.count)
        probabilities.reserveCapacity(pieces.count)
        for (piece, owner) in owners.enumerated() {
            let local = piece - windows[owner].lowerBound
            pieceTags.append(tags[results[owner].path[local]])
            probabilities.append(results[owner].probabilities[local])
            if !text.dictionary.matches.isEmpty {
                modelProbabilities.append(results[owner].modelProbabilities?[local] ?? results[owner].probabilities[local])
            }
        }
        var forced: [Range<Int>: String] = [:]
        for match in text.dictionary.matches {
            if case .entity(let type) = match.decision { forced[match.pieces] = type }
        }
        let scalars = Array(text.text.unicodeScalars)
        return scheme.spans(pieceTags).map { span in
            let start = pieces[span.start].start, end = pieces[span.end - 1].end
            var word = String.UnicodeScalarView()
            word.append(contentsOf: scalars[start..<end])
            if forced[span.start..<span.end] == span.type {
                return Entity(word: String(word), start: start, end: end, type: span.type,
                              score: modelProbabilities[span.start..<span.end].reduce(1, *), source: .dictionary)
            }
            let score = probabilities[span.start..<span.end].reduce(1, *)
            return Entity(word: String(word), start: start, end: end, type: span.type, score: score)
        }
    }
}
