import Foundation

/// Hugging Face's BERT normaliser and pre-tokeniser (the Rust `tokenizers` crate's `BertNormalizer`
/// + `BertPreTokenizer`, which `BertTokenizerFast` runs), keeping for every normalised character
/// the code-point index it came from in the input, so word pieces map back to exact offsets.
///
/// Normalisation, in HF's order: drop NUL, U+FFFD and control/format/private-use
/// characters; turn whitespace into spaces; surround CJK ideographs with spaces; strip accents
/// (NFD, then drop non-spacing marks); lower-case (full Unicode mapping, which may expand).
/// Pre-tokenisation: split on whitespace, and make every punctuation character its own word.
struct BasicTokenizer: Sendable {
    /// The words of a text: their normalised characters one after another, for each character the
    /// input code-point index it came from, and each word's range in them. (Flat arrays: a word
    /// of its own per Chinese character would cost two allocations a character.)
    struct Words: Sendable, Equatable {
        var scalars: [Unicode.Scalar] = []
        var origins: [Int] = []
        var ranges: [Range<Int>] = []

        /// Word `index`'s characters.
        subscript(index: Int) -> ArraySlice<Unicode.Scalar> { scalars[ranges[index]] }
    }

    let options: TokenizerOptions

    init(options: TokenizerOptions) {
        self.options = options
    }

    /// Words of `scalars`, whose index 0 is at input code point `offset`.
    func words(_ scalars: ArraySlice<Unicode.Scalar>, offset: Int = 0) -> Words {
        var words = Words()
        words.scalars.reserveCapacity(scalars.count)
        words.origins.reserveCapacity(scalars.count)
        var start = 0  // of the current word
        func finish() {
            if words.scalars.count > start { words.ranges.append(start..<words.scalars.count) }
            start = words.scalars.count
        }
        func word(_ scalar: Unicode.Scalar, from origin: Int) {
            finish()
            words.scalars.append(scalar)
            words.origins.append(origin)
            finish()
        }
        for (position, scalar) in zip(scalars.indices, scalars) {
            let origin = position - scalars.startIndex + offset
            if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
            if Self.isWhitespace(scalar) { finish(); continue }
            if options.tokenizeChineseCharacters && Self.isChineseCharacter(scalar) {
                // Lower-casing and accent stripping leave CJK ideographs unchanged.
                word(scalar, from: origin)
                continue
            }
            for normalized in normalize(scalar) {
                if Self.isPunctuation(normalized) {
                    word(normalized, from: origin)
                } else if Self.isWhitespace(normalized) {
                    finish()
                } else {
                    words.scalars.append(normalized)
                    words.origins.append(origin)
                }
            }
        }
        finish()
        return words
    }

    /// Accent stripping and lower-casing of one input character (0, 1 or more characters out).
    private func normalize(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        if scalar.isASCII {
            if options.lowercase, (65...90).contains(scalar.value) {
                return [Unicode.Scalar(scalar.value + 32) ?? scalar]
            }
            return [scalar]
        }
        var result: [Unicode.Scalar] = [scalar]
        if options.stripsAccents {
            result = String(Character(scalar)).decomposedStringWithCanonicalMapping.unicodeScalars
                .filter { $0.properties.generalCategory != .nonspacingMark }
        }
        if options.lowercase {
            result = result.flatMap { Array($0.properties.lowercaseMapping.unicodeScalars) }
        }
        return result
    }

    /// HF's `is_whitespace`: \t \n \r and Unicode White_Space.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.isWhitespace
    }

    /// HF's `is_control`: categories Cc, Cf, Co (and Cs, which Swift strings cannot hold), except
    /// \t \n \r (whitespace). Unassigned code points (Cn) are kept, as the Rust tokenizer keeps them.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        if scalar.isASCII { return scalar.value < 32 || scalar.value == 127 }
        switch scalar.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// HF's punctuation: every ASCII non-alphanumeric printable character, and Unicode P*.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        if scalar.isASCII { return false }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK ideograph blocks the Rust tokenizer pads with spaces (note: its list skips
    /// U+2B820–U+2B91F, and so does this one, for parity).
    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
