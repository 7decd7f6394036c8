import Foundation

/// A user dictionary that decides entities: each entry either forces a word to be one entity of a
/// type, or blocks it (its pieces decode as `O`). The pipeline finds the entries in a text
/// (leftmost-longest, on word-piece boundaries) and decodes the best tag path *subject to* them, so
/// the tags around a forced entity adapt to it — see `NERPipeline.dictionary`.
///
/// Files hold one entry a line, `word<TAB>TYPE`, TYPE one of the model's entity types or `O`;
/// `#` comment lines and blank lines are skipped; a UTF-8 byte-order mark is ignored. With a
/// lower-casing tokenizer, letters match case-insensitively (one-to-one lower-case mappings only;
/// accents are not folded).
///
/// A dictionary is immutable and cheap to copy (its tables are shared). `layered(over:)` puts one
/// dictionary in front of another without copying either — how a request's entries override a
/// server's million.
public struct EntityDictionary: Sendable {
    /// What an entry decides for its word.
    enum Decision: Hashable, Sendable, CustomStringConvertible {
        /// The word is one entity of this type.
        case entity(type: String)
        /// The word is no entity, nor part of one.
        case block

        /// `O` for a block, as in the files.
        var description: String {
            switch self {
            case .entity(let type): return type
            case .block: return "O"
            }
        }
    }

    public struct Entry: Hashable, Sendable {
        var word: String
        var decision: Decision

        init(word: String, decision: Decision) {
            self.word = word
            self.decision = decision
        }

        /// `type` is an entity type, or `O` to block the word.
        public init(word: String, type: String) {
            self.init(word: word, decision: type == "O" ? .block : .entity(type: type))
        }
    }

    /// One dictionary's table, its types and how it folds case. Code 1 blocks; 2 + i is types[i].
    struct Layer: Sendable {
        let trie: DictionaryTrie
        let types: [String]
        let lowercase: Bool
        let source: String

        func decision(_ code: UInt8) -> Decision {
            code == Self.blockCode ? .block : .entity(type: types[Int(code) - 2])
        }

        static let blockCode: UInt8 = 1
    }

    /// Highest priority first.
    let layers: [Layer]

    /// No entries: text decodes exactly as without a dictionary.
    public static let empty = EntityDictionary(layers: [])

    init(layers: [Layer]) {
        self.layers = layers
    }

    /// Entries of all layers (a word present in two layers counts twice).
    public var entryCount: Int { layers.reduce(0) { $0 + $1.trie.entryCount } }

    public var isEmpty: Bool { entryCount == 0 }

    /// Where the entries came from, highest priority first: file paths, or the `source` given.
    var sources: [String] { layers.map(\.source) }

    /// Memory held by the tables, in bytes.
    package var byteCount: Int { layers.reduce(0) { $0 + $1.trie.byteCount } }

    /// This dictionary in front of `base`: where both have an entry for the same word, this one's
    /// decides; otherwise the longest entry at the leftmost position wins, whichever holds it.
    public func layered(over base: EntityDictionary) -> EntityDictionary {
        EntityDictionary(layers: layers + base.layers)
    }

    /// Entries given in code. `entityTypes` are the types a word may be forced to (the model's:
    /// see `init(entries:for:)`); `lowercase` folds Latin letters as the tokenizer does. Errors
    /// name `source` and the entry's index + 1 as the line. `maxEntries` and `maxWordCharacters`
    /// bound what an untrusted caller may send.
    init(entries: [Entry], entityTypes: [String], lowercase: Bool = true, source: String = "entries",
                maxEntries: Int? = nil, maxWordCharacters: Int? = nil) throws(DictionaryError) {
        if let maxEntries, entries.count > maxEntries {
            throw .tooManyEntries(path: source, count: entries.count, limit: maxEntries)
        }
        var builder = DictionaryBuilder(types: entityTypes, lowercase: lowercase, source: source, expectedScalars: entries.reduce(0) { $0 + $1.word.unicodeScalars.count })
        for (index, entry) in entries.enumerated() {
            let word = entry.word.trimmingCharacters(in: .whitespacesAndNewlines)
            if let maxWordCharacters, word.unicodeScalars.count > maxWordCharacters {
                throw .wordTooLong(path: source, line: index + 1, characters: word.unicodeScalars.count, limit: maxWordCharacters)
            }
            try builder.add(word: Substring(word), type: entry.decision.description, line: index + 1)
        }
        layers = [builder.finish()]
    }

    /// Entries for `pipeline`'s model: its entity types, its tokenizer's case folding.
    public init(entries: [Entry], for pipeline: NERPipeline, source: String = "entries") throws(DictionaryError) {
        try self.init(entries: entries, entityTypes: pipeline.entityTypes, lowercase: pipeline.tokenizer.options.lowercase, source: source)
    }

    /// Reads a dictionary file (see the type's documentation for the format).
    init(contentsOfFile path: String, entityTypes: [String], lowercase: Bool = true) throws(DictionaryError) {
        let data: Data
        do {
            // Read, not mapped: a file truncated while it is parsed (an editor saving in place
            // during a reload) must give an error, not SIGBUS.
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        try self.init(data: data, entityTypes: entityTypes, lowercase: lowercase, source: path)
    }

    /// A dictionary file for `pipeline`'s model.
    public init(contentsOfFile path: String, for pipeline: NERPipeline) throws(DictionaryError) {
        try self.init(contentsOfFile: path, entityTypes: pipeline.entityTypes, lowercase: pipeline.tokenizer.options.lowercase)
    }

    /// The bytes of a dictionary file; `source` names it in errors.
    init(data: Data, entityTypes: [String], lowercase: Bool = true, source: String) throws(DictionaryError) {
        var builder = DictionaryBuilder(types: entityTypes, lowercase: lowercase, source: source, expectedScalars: data.count / 3)
        var lineNumber = 0
        var failure: DictionaryError?
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            // Editors on Windows start UTF-8 files with a byte-order mark; it is no part of a word.
            var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
            while start < bytes.count, failure == nil {
                var end = start
                while end < bytes.count, bytes[end] != 0x0A { end += 1 }
                lineNumber += 1
                var last = end
                if last > start, bytes[last - 1] == 0x0D { last -= 1 }  // CRLF files
                do {
                    try builder.add(line: UnsafeBufferPointer(rebasing: bytes[start..<last]), number: lineNumber)
                } catch let error as DictionaryError {
                    failure = error
                } catch {}
                start = end + 1
            }
        }
        if let failure { throw failure }
        layers = [builder.finish()]
    }
}

/// Builds one layer's trie from entries, checking each as it comes.
private struct DictionaryBuilder {
    let types: [String]
    let lowercase: Bool
    let source: String
    var trie: DictionaryTrie
    /// The line of the entry ending at each node (0: none), for conflict messages.
    var lines: [Int32] = []

    init(types: [String], lowercase: Bool, source: String, expectedScalars: Int) {
        self.types = types
        self.lowercase = lowercase
        self.source = source
        trie = DictionaryTrie(expectedNodes: expectedScalars)
    }

    /// One line of a file: skips comments and blank lines, splits at the first tab. Works on the
    /// bytes (no Foundation string calls): a million lines must load in well under two seconds.
    mutating func add(line bytes: UnsafeBufferPointer<UInt8>, number: Int) throws(DictionaryError) {
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        guard let first = bytes.firstIndex(where: { !isBlank($0) }) else { return }
        if bytes[first] == UInt8(ascii: "#") { return }
        guard let tab = bytes.firstIndex(of: 0x09) else {
            if String(validating: bytes, as: UTF8.self) == nil { throw .invalidUTF8(path: source, line: number) }
            throw .missingTab(path: source, line: number)
        }
        func trimmed(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
            var lower = range.lowerBound, upper = range.upperBound
            while lower < upper, isBlank(bytes[lower]) { lower += 1 }
            while upper > lower, isBlank(bytes[upper - 1]) { upper -= 1 }
            return UnsafeBufferPointer(rebasing: bytes[lower..<upper])
        }
        guard let word = String(validating: trimmed(0..<tab), as: UTF8.self),
              let type = String(validating: trimmed((tab + 1)..<bytes.count), as: UTF8.self) else {
            throw .invalidUTF8(path: source, line: number)
        }
        try add(word: Substring(word), type: type, line: number)
    }

    mutating func add(word: Substring, type: String, line: Int) throws(DictionaryError) {
        // Offsets of entities never include white space (no piece covers it); trimmed here so that
        // an entry with a stray ideographic space still matches.
        var word = word
        if word.unicodeScalars.first?.properties.isWhitespace == true || word.unicodeScalars.last?.properties.isWhitespace == true {
            word = Substring(word.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard !word.isEmpty else { throw .emptyWord(path: source, line: line) }
        let code: UInt8
        if type == "O" {
            code = EntityDictionary.Layer.blockCode
        } else if let index = types.firstIndex(of: type), index < 254 {
            code = UInt8(index + 2)
        } else {
            throw .unknownType(path: source, line: line, type: type, known: types)
        }
        let lowercase = lowercase
        let node = trie.insert(word.unicodeScalars.lazy.map { CaseFolding.fold($0, lowercase: lowercase) })
        if lines.count < trie.nodeCount { lines.append(contentsOf: repeatElement(0, count: trie.nodeCount - lines.count)) }
        let existing = trie.decisions[Int(node)]
        if existing == 0 {
            trie.setDecision(code, at: node)
            lines[Int(node)] = Int32(clamping: line)
        } else if existing != code {
            let firstLine = Int(lines[Int(node)])
            throw .conflictingDuplicate(path: source, line: line, word: String(word), type: type, firstLine: firstLine,
                                        firstType: existing == EntityDictionary.Layer.blockCode ? "O" : types[Int(existing) - 2])
        }
    }

    func finish() -> EntityDictionary.Layer {
        EntityDictionary.Layer(trie: trie, types: types, lowercase: lowercase, source: source)
    }
}

/// The case folding dictionary words and texts share: with a lower-casing tokenizer, a scalar
/// becomes its lower-case form where that is one scalar (so offsets stay one-to-one with the text).
enum CaseFolding {
    @inline(__always)
    static func fold(_ scalar: Unicode.Scalar, lowercase: Bool) -> UInt32 {
        let value = scalar.value
        guard lowercase else { return value }
        if value < 0x80 { return (65...90).contains(value) ? value + 32 : value }
        guard scalar.properties.changesWhenLowercased else { return value }
        let mapping = scalar.properties.lowercaseMapping.unicodeScalars
        guard mapping.count == 1, let folded = mapping.first else { return value }
        return folded.value
    }
}
