import Foundation
import Testing

/// The `ner` executable as users run it: exit codes, JSON output, error messages.
@Suite("ner command line")
struct CommandLineTests {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("ner")
    static let model = PipelineTests.modelDirectory

    /// Runs `ner` and returns (exit status, stdout, stderr).
    static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) throws -> (Int32, String, String) {
        var candidates = [binary]
        // swift-testing on Linux runs from the .xctest bundle; the binary sits in the same folder.
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/ner"))
        guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw CocoaError(.fileNoSuchFile)
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        // An empty value in `environment` removes the variable.
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }.filter { !$0.value.isEmpty }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self))
    }

    @Test("ner tag prints one JSON line per text with code-point offsets")
    func tag() throws {
        let (status, output, _) = try Self.run(["tag", "--model", Self.model, "😀江泽民会见克林顿。", ""])
        #expect(status == 0)
        let lines = output.split(separator: "\n")
        #expect(lines.count == 2)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(first?["text"] as? String == "😀江泽民会见克林顿。")
        let entities = first?["entities"] as? [[String: Any]] ?? []
        #expect(entities.contains { $0["word"] as? String == "江泽民" && $0["start"] as? Int == 1 && $0["end"] as? Int == 4 })
        #expect(lines[1] == #"{"entities":[],"text":""}"#)
    }

    @Test("ner tag|eval|info --dictionary: the seed's sentence decided by the dictionary; a bad file fails with its line")
    func dictionaryFlag() throws {
        let fixtures = EngineFixture.root.appendingPathComponent("dictionaries")
        let seed = fixtures.appendingPathComponent("seed.tsv").path
        let (status, output, _) = try Self.run(["tag", "--model", Self.model, "--dictionary", seed, "马云在杭州阿里巴巴总部发表演讲"])
        #expect(status == 0)
        let line = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let entities = (line["entities"] as? [[String: Any]] ?? []).map {
            "\($0["word"] ?? "") \($0["type"] ?? "") [\($0["start"] ?? ""),\($0["end"] ?? "")) \($0["source"] ?? "")"
        }
        #expect(entities == ["马云 PER [0,2) model", "杭州 LOC [3,5) dictionary", "阿里巴巴 ORG [5,9) dictionary"])
        let (_, plain, _) = try Self.run(["tag", "--model", Self.model, "马云在杭州阿里巴巴总部发表演讲"])
        #expect(plain.contains("杭州阿里巴巴总部"), "without the dictionary the model joins them: \(plain)")

        // ner eval: the seed's sentence as gold data scores 1.0 with the dictionary only.
        let gold = try temporaryDirectory().appendingPathComponent("seed.bioes")
        let tags = ["B-PER", "E-PER", "O", "B-LOC", "E-LOC", "B-ORG", "I-ORG", "I-ORG", "E-ORG", "O", "O", "O", "O", "O", "O"]
        try Data(zip("马云在杭州阿里巴巴总部发表演讲", tags).map { "\($0) \($1)\n" }.joined().utf8).write(to: gold)
        func f1(_ extra: [String]) throws -> (Double?, [String: Any]?) {
            let (_, json, _) = try Self.run(["eval", "--model", Self.model, "--data", gold.path, "--json"] + extra)
            let scores = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            return ((scores?["micro"] as? [String: Any])?["f1"] as? Double, scores?["dictionary"] as? [String: Any])
        }
        let (withDictionary, record) = try f1(["--dictionary", seed])
        #expect(withDictionary == 1)
        #expect(record?["entries"] as? Int == 2 && record?["matches"] as? Int == 2)
        #expect(try f1([]).0 ?? 1 < 1)

        let bad = try temporaryDirectory().appendingPathComponent("bad.tsv")
        try Data("阿里巴巴\tORG\n杭州\tCITY\n".utf8).write(to: bad)
        for command in ["tag", "eval", "info"] {
            let arguments = [command, "--model", Self.model, "--dictionary", bad.path] + (command == "eval"
                ? ["--data", gold.path] : command == "tag" ? ["x"] : [])
            let (badStatus, _, error) = try Self.run(arguments)
            #expect(badStatus != 0, "\(command)")
            #expect(error.contains("\(bad.path):2: unknown type 'CITY'; the model's types are LOC, ORG, PER, and O blocks a word"), "\(command): \(error)")
        }
        let (infoStatus, info, _) = try Self.run(["info", "--model", Self.model, "--dictionary", seed])
        #expect(infoStatus == 0 && info.contains("dictionary:  \(seed): 2 entries"), "\(info)")
    }

    @Test("ner tag reads stdin and names the line of invalid UTF-8 in a file")
    func tagInputs() throws {
        let (status, output, _) = try Self.run(["tag", "--model", Self.model], stdin: Data("北京\n上海\n".utf8))
        #expect(status == 0 && output.split(separator: "\n").count == 2)
        let file = try temporaryDirectory().appendingPathComponent("bad.txt")
        try Data([0xE5, 0x8C, 0x97, 0x0A, 0xFF, 0xFE, 0x0A]).write(to: file)
        let (badStatus, _, error) = try Self.run(["tag", "--model", Self.model, "--file", file.path])
        #expect(badStatus != 0)
        #expect(error.contains("\(file.path):2: invalid UTF-8"))
    }

    @Test("ner eval prints seqeval-style scores; a bad model folder is a clear error")
    func eval() throws {
        let data = try temporaryDirectory().appendingPathComponent("gold.bioes")
        try Data("江 B-PER\n泽 I-PER\n民 E-PER\n好 O\n\n北 B-LOC\n京 E-LOC\n".utf8).write(to: data)
        let (status, output, progress) = try Self.run(["eval", "--model", Self.model, "--data", data.path, "--json"])
        #expect(status == 0)
        let scores = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        #expect(scores?["sentences"] as? Int == 2)
        #expect((scores?["micro"] as? [String: Any])?["support"] as? Int == 2)
        #expect(progress.contains("2/2 sentences"))
        let (badStatus, _, error) = try Self.run(["eval", "--model", "/nonexistent", "--data", data.path])
        #expect(badStatus != 0)
        #expect(error.contains("model file not found: /nonexistent"))
    }

    @Test("ner serve refuses settings it cannot apply, naming the flag", arguments: [
        (["--request-timeout-seconds", "inf"], "--request-timeout-seconds must be 0.001…86400 seconds (got inf)"),
        (["--idle-timeout-seconds", "0.0001"], "--idle-timeout-seconds must be 0.001…86400 seconds (got 0.0001)"),
        (["--threads=-1"], "must not be negative"),
        (["--max-batch-tokens", "0"], "--max-batch-tokens must be at least 1 (got 0)"),
        (["--log-level", "loud"], "unknown --log-level 'loud'"),
    ])
    func serveValidation(arguments: [String], message: String) throws {
        let (status, _, error) = try Self.run(["serve", "--port", "0"] + arguments)
        #expect(status != 0)
        #expect(error.contains(message), "stderr: \(error)")
    }

    @Test("ner info --precision auto (or NER_PRECISION=auto) says what it chose and every precision's time; a misspelt value fails")
    func infoReportsAutoChoice() throws {
        let tiny = EngineFixture.root.appendingPathComponent("tiny").path
        for (arguments, environment) in [(["--precision", "auto"], [:]), ([], ["NER_PRECISION": "auto"])] {
            let (status, output, error) = try Self.run(["info", "--model", tiny, "--threads", "1"] + arguments, environment: environment)
            #expect(status == 0, "\(error)")
            let chosen = try #require(output.split(separator: "\n").first { $0.hasPrefix("chosen:") }, "\(output)")
            #expect(chosen.contains("fastest per probe round on 1 thread (") && chosen.contains("fp32 ") && chosen.contains("int8 "), "\(chosen)")
        }
        let (fixed, output, _) = try Self.run(["info", "--model", tiny, "--precision", "int8"])
        #expect(fixed == 0 && output.contains("precision:   int8") && !output.contains("chosen:"), "\(output)")
        let (status, _, error) = try Self.run(["info", "--model", tiny], environment: ["NER_PRECISION": "fastest"])
        #expect(status != 0 && error.contains("NER_PRECISION must be one of auto, fp32, bf16, int8, not 'fastest'"), "\(error)")
    }

    @Test("ner info names the OpenBLAS kernels and the environment variable that forced them")
    func infoReportsKernels() throws {
        let (status, output, _) = try Self.run(["info", "--model", Self.model],
                                               environment: ["OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": ""])
        #expect(status == 0)
        #expect(output.contains("blas:        OpenBLAS core Haswell (environment: OPENBLAS_CORETYPE=Haswell)"))
        let (_, plain, _) = try Self.run(["info", "--model", Self.model], environment: ["OPENBLAS_CORETYPE": "", "OPENBLAS_L2_SIZE": ""])
        #expect(plain.contains("(chosen by cpuid)"))
    }
}
