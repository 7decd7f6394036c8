/// How a model's labels spell entities: BIO (IOB2), BIOES, or BMES (M = inside). Decoding follows
/// seqeval's strict mode, so `ner eval` and the entities users see agree with the standard scorer:
///
/// - BIOES / BMES: an entity is `S-X`, or `B-X` (`I-X`|`M-X`)* `E-X`.
/// - BIO: an entity is `B-X` (`I-X`)*.
/// - Anything else — `I-`/`E-` without a `B-`, a `B-` never closed (BIOES), a type change inside —
///   yields no entity for those tokens (strict mode counts them as nothing, not as a guess).
package enum TagScheme: String, Sendable, CaseIterable {
    case bio = "BIO"
    case bioes = "BIOES"
    case bmes = "BMES"

    /// A label split into its prefix and type (`"B-PER"` → `("B", "PER")`, `"O"` → `("O", "")`).
    struct Tag: Sendable, Equatable {
        let prefix: Character
        let type: String
    }

    /// The scheme a label set implies: any `M-` → BMES, any `E-`/`S-` → BIOES, else BIO.
    init(inferringFrom labels: [String]) {
        let prefixes = Set(labels.compactMap { $0.count > 2 ? $0.first : nil })
        if prefixes.contains("M") { self = .bmes } else if prefixes.contains("E") || prefixes.contains("S") { self = .bioes } else { self = .bio }
    }

    var prefixes: Set<Character> {
        switch self {
        case .bio: return ["B", "I"]
        case .bioes: return ["B", "I", "E", "S"]
        case .bmes: return ["B", "M", "E", "S"]
        }
    }

    /// Parses a label, or nil when it is not `O` and not `<prefix>-<type>` with one of this scheme's prefixes.
    func parse(_ label: String) -> Tag? {
        if label == "O" { return Tag(prefix: "O", type: "") }
        let parts = label.split(separator: "-", maxSplits: 1)
        guard parts.count == 2, parts[0].count == 1, let prefix = parts[0].first, prefixes.contains(prefix),
              !parts[1].isEmpty else { return nil }
        return Tag(prefix: prefix, type: String(parts[1]))
    }

    /// Entity spans `(start, end, type)` over tag positions, `end` exclusive.
    func spans(_ tags: [Tag]) -> [(start: Int, end: Int, type: String)] {
        var spans: [(start: Int, end: Int, type: String)] = []
        let inside: Character = self == .bmes ? "M" : "I"
        var i = 0
        while i < tags.count {
            let tag = tags[i]
            if tag.prefix == "S" {
                spans.append((i, i + 1, tag.type))
            } else if tag.prefix == "B" {
                var j = i + 1
                while j < tags.count, tags[j].prefix == inside, tags[j].type == tag.type { j += 1 }
                if self == .bio {
                    spans.append((i, j, tag.type))
                    i = j
                    continue
                }
                if j < tags.count, tags[j].prefix == "E", tags[j].type == tag.type {
                    spans.append((i, j + 1, tag.type))
                    i = j + 1
                } else {
                    i = j
                }
                continue
            }
            i += 1
        }
        return spans
    }

    /// Spans from label strings; labels this scheme cannot parse count as `O`.
    package func spans(labels: [String]) -> [(start: Int, end: Int, type: String)] {
        spans(labels.map { parse($0) ?? Tag(prefix: "O", type: "") })
    }
}
