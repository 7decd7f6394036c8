import Foundation

/// A `char TAG` corpus (MSRA / CoNLL style): one character and its tag per line, a blank line
/// between sentences.
package struct TaggedSentence: Sendable, Equatable {
    package var text: String
    package var tags: [String]
}

enum TaggedCorpusError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String)
    case invalidUTF8(path: String, line: Int)
    case malformedLine(path: String, line: Int, content: String)

    var description: String {
        switch self {
        case .unreadable(let path): return "cannot read \(path)"
        case .invalidUTF8(let path, let line): return "\(path):\(line): invalid UTF-8"
        case .malformedLine(let path, let line, let content):
            return "\(path):\(line): expected '<character> <TAG>', found '\(content)'"
        }
    }
}

package enum TaggedCorpus {
    package static func read(path: String) throws -> [TaggedSentence] {
        guard let data = FileManager.default.contents(atPath: path) else { throw TaggedCorpusError.unreadable(path: path) }
        return try parse(data, path: path)
    }

    static func parse(_ data: Data, path: String = "<data>") throws -> [TaggedSentence] {
        var sentences: [TaggedSentence] = []
        var text = String.UnicodeScalarView(), tags: [String] = []
        func finish() {
            if !tags.isEmpty { sentences.append(TaggedSentence(text: String(text), tags: tags)) }
            text = String.UnicodeScalarView()
            tags = []
        }
        do {
            try LineReader.forEachLine(in: data, path: path) { lineNumber, line in
                if line.isEmpty { finish(); return }
                // The tag is after the last space; the character before it (which may itself be a space).
                guard let space = line.lastIndex(of: " "), space != line.startIndex,
                      line.unicodeScalars[line.startIndex..<space].count == 1 else {
                    throw TaggedCorpusError.malformedLine(path: path, line: lineNumber, content: line)
                }
                text.append(contentsOf: line.unicodeScalars[line.startIndex..<space])
                tags.append(String(line[line.index(after: space)...]))
            }
        } catch let error as LineReader.InvalidUTF8 {
            throw TaggedCorpusError.invalidUTF8(path: error.path, line: error.line)
        }
        finish()
        return sentences
    }
}
