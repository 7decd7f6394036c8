import Foundation
import Testing

/// The Swift examples of README.md and the DocC article are the programs in `Examples/`, which the
/// package compiles and these tests run: an example edited in a document but not there, or one that
/// no longer compiles or runs, fails here instead of rotting unnoticed.
@Suite("Documented examples")
struct ExamplesTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The ```swift blocks of a Markdown file, but for package manifests (`// Package.swift`).
    static func swiftBlocks(of path: String) throws -> [String] {
        let text = try String(contentsOf: repository.appendingPathComponent(path), encoding: .utf8)
        return text.matches(of: /```swift\n(?<code>(?:.|\n)*?)```\n/).map { String($0.output.code) }
            .filter { !$0.hasPrefix("// Package.swift") }
    }

    @Test("every Swift example of README.md and GettingStarted.md is, verbatim, in Examples/", arguments: [
        ("README.md", "Examples/readme-example/main.swift"),
        ("Sources/BertNER/BertNER.docc/GettingStarted.md", "Examples/getting-started/main.swift"),
    ])
    func examplesCompiled(document: String, source: String) throws {
        let blocks = try Self.swiftBlocks(of: document)
        #expect(!blocks.isEmpty, "\(document) has no Swift example")
        let compiled = try String(contentsOf: Self.repository.appendingPathComponent(source), encoding: .utf8)
        for block in blocks {
            #expect(compiled.contains(block), "\(document): this example is not in \(source):\n\(block)")
        }
    }

    /// Runs an example from the repository root (its model path is relative), as a user would.
    static func run(_ name: String) throws -> (Int32, String) {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
        let fallback = repository.appendingPathComponent(".build/debug/\(name)")
        let process = Process()
        process.executableURL = FileManager.default.isExecutableFile(atPath: binary.path) ? binary : fallback
        process.currentDirectoryURL = repository
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("the README example runs: the seed sentence's entities, the dictionary's decisions, an auto choice, the tokenizer's pieces")
    func readmeExampleRuns() throws {
        let (status, output) = try Self.run("readme-example")
        #expect(status == 0, "\(output)")
        for line in ["新华社 ORG 0 3 ", "北京 LOC 3 5 ", "江泽民 PER 11 14 ", "人民大会堂 LOC 17 22 ", "美国 LOC 25 27 ",
                     "克林顿 PER 29 32 ", "微软公司 ORG 33 37 ", "比尔·盖茨 PER 40 45 "] {
            #expect(output.contains("\n" + line) || output.hasPrefix(line), "missing '\(line)' in:\n\(output)")
        }
        #expect(output.contains("\n[\"马云 model\", \"杭州 model\", \"阿里巴巴 dictionary\"]\n[\"北京\"]\n"), "\(output)")
        #expect(output.contains(", fastest per probe round on 2 threads ("), "\(output)")
        #expect(output.contains("\nint8\n"), "\(output)")
        #expect(output.contains("\n[\"0..<1\", \"1..<2\", \"2..<3\", \"3..<4\", \"4..<5\", \"5..<6\"]\n"), "\(output)")
    }

    @Test("the getting-started example runs and prints the seed sentence's entities")
    func gettingStartedRuns() throws {
        let (status, output) = try Self.run("getting-started")
        #expect(status == 0 && output.hasPrefix("新华社 ORG 0 3 ") && output.contains("\n江泽民 PER 11 14 "), "\(output)")
        #expect(output.contains("model file not found: models/broken"), "\(output)")
    }
}
