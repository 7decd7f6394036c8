import Foundation
import Testing
@_spi(Benchmarks) @testable import BertNER

/// Wrong model files give the documented `ModelLoadingError`, never a crash.
@Suite("Model loading errors")
struct LoadingErrorTests {
    /// Builds a safetensors file: tensors as (name, dtype, shape, raw little-endian bytes).
    static func safetensors(_ tensors: [(String, String, [Int], [UInt8])], header: String? = nil) -> Data {
        var entries: [String] = []
        var payload: [UInt8] = []
        for (name, dtype, shape, bytes) in tensors {
            entries.append("\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[\(payload.count),\(payload.count + bytes.count)]}")
            payload += bytes
        }
        let json = Array((header ?? "{" + entries.joined(separator: ",") + "}").utf8)
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: json)
        data.append(contentsOf: payload)
        return data
    }

    static func f32(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    }

    /// A copy of the tiny fixture bundle whose tensors pass through `edit` first.
    static func editedTinyBundle(_ edit: (inout [(String, String, [Int], [UInt8])]) -> Void) throws -> URL {
        let source = EngineFixture.root.appendingPathComponent("tiny")
        let original = try SafeTensorsFile(path: source.appendingPathComponent("model.safetensors").path)
        var tensors = try original.tensors.keys.sorted().map { name in
            (name, "F32", original.tensors[name]!.shape, f32(try original.floats(name)))
        }
        edit(&tensors)
        let directory = try temporaryDirectory()
        for file in ["config.json", "vocab.txt"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: directory.appendingPathComponent(file))
        }
        try safetensors(tensors).write(to: directory.appendingPathComponent("model.safetensors"))
        return directory
    }

    static func loadError(_ directory: URL) -> String? {
        do {
            _ = try ModelBundle(directory: directory.path).loadModel()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("a missing tensor is named")
    func missingTensor() throws {
        let directory = try Self.editedTinyBundle { $0.removeAll { $0.0 == "bert.encoder.layer.1.output.dense.bias" } }
        #expect(Self.loadError(directory) == "missing tensor 'bert.encoder.layer.1.output.dense.bias' in \(directory.path)/model.safetensors")
    }

    @Test("a wrong shape names expected and found")
    func wrongShape() throws {
        let directory = try Self.editedTinyBundle { tensors in
            let i = tensors.firstIndex { $0.0 == "classifier.weight" }!
            tensors[i] = ("classifier.weight", "F32", [12, 32], Self.f32([Float](repeating: 0, count: 12 * 32)))
        }
        #expect(Self.loadError(directory) == "tensor 'classifier.weight' has shape [12, 32], expected [13, 32]")
    }

    @Test("an unsupported dtype is named")
    func wrongDType() throws {
        let directory = try Self.editedTinyBundle { tensors in
            let i = tensors.firstIndex { $0.0 == "crf.transitions" }!
            tensors[i] = ("crf.transitions", "I64", [13, 13], [UInt8](repeating: 0, count: 13 * 13 * 8))
        }
        #expect(Self.loadError(directory) == "tensor 'crf.transitions' has dtype I64, expected one of F32, F16, BF16")
    }

    @Test("a truncated file is reported at every cut, never a crash")
    func truncatedFiles() throws {
        let source = EngineFixture.root.appendingPathComponent("tiny/model.safetensors")
        let full = try Data(contentsOf: source)
        let headerEnd = 8 + Int(full.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        for cut in [0, 3, 8, 20, headerEnd - 1, headerEnd, headerEnd + 100, full.count / 2, full.count - 1] {
            let message = "\(#expect(throws: ModelLoadingError.self) { try SafeTensorsFile(data: full.prefix(cut), path: "m") } as Any)"
            #expect(message.contains("truncated") || message.contains("invalid safetensors header"), "cut at \(cut): \(message)")
        }
        #expect(throws: ModelLoadingError.truncatedFile(path: "m", reason: "3 bytes, too short for the 8-byte header length")) {
            try SafeTensorsFile(data: full.prefix(3), path: "m")
        }
        let lastTensorCut = full.count - 1
        let error = #expect(throws: ModelLoadingError.self) { try SafeTensorsFile(data: full.prefix(lastTensorCut), path: "m") }
        #expect(error?.description.hasPrefix("truncated safetensors file m: tensor '") == true)
        #expect(error?.description.hasSuffix("ends at byte \(full.count - headerEnd) of a \(full.count - headerEnd - 1)-byte data section") == true)
    }

    @Test("corrupt headers give precise messages")
    func corruptHeaders() throws {
        #expect(throws: ModelLoadingError.invalidHeader(path: "m", reason: "header is not a JSON object")) {
            try SafeTensorsFile(data: Self.safetensors([], header: "{not json"), path: "m")
        }
        #expect(throws: ModelLoadingError.invalidHeader(path: "m", reason: "entry 'x' lacks dtype, shape or data_offsets")) {
            try SafeTensorsFile(data: Self.safetensors([], header: "{\"x\":{\"dtype\":\"F32\"}}"), path: "m")
        }
        #expect(throws: ModelLoadingError.invalidHeader(path: "m", reason: "tensor 'x' has 8 bytes for shape [3] of F32")) {
            try SafeTensorsFile(data: Self.safetensors([("x", "F32", [3], Self.f32([1, 2]))]), path: "m")
        }
        var huge = Data()
        withUnsafeBytes(of: UInt64.max.littleEndian) { huge.append(contentsOf: $0) }
        #expect(throws: ModelLoadingError.invalidHeader(path: "m", reason: "header length \(UInt64.max) is implausibly large")) {
            try SafeTensorsFile(data: huge, path: "m")
        }
    }

    @Test("F32, F16 and BF16 decode to the same floats")
    func dtypes() throws {
        let values: [Float] = [0, 1, -2.5, 0.15625, 65504]
        let f16 = values.flatMap { v in withUnsafeBytes(of: Float16(v).bitPattern.littleEndian) { Array($0) } }
        let bf16 = values.flatMap { v in withUnsafeBytes(of: UInt16(v.bitPattern >> 16).littleEndian) { Array($0) } }
        let file = try SafeTensorsFile(data: Self.safetensors([("a", "F32", [5], Self.f32(values)), ("b", "F16", [5], f16),
                                                                ("c", "BF16", [5], bf16)]))
        #expect(try file.floats("a") == values)
        #expect(try file.floats("b") == values)
        #expect(try file.floats("c") == [0, 1, -2.5, 0.15625, 65280])  // truncated to bf16: 8 mantissa bits
    }

    @Test("missing files and folders are named")
    func missingFiles() throws {
        #expect(throws: ModelLoadingError.fileNotFound(path: "/nonexistent/model")) {
            try ModelBundle(directory: "/nonexistent/model")
        }
        let directory = try temporaryDirectory()
        #expect(throws: ModelLoadingError.fileNotFound(path: directory.appendingPathComponent("config.json").path)) {
            try ModelBundle(directory: directory.path)
        }
        try FileManager.default.copyItem(at: EngineFixture.root.appendingPathComponent("tiny/config.json"),
                                         to: directory.appendingPathComponent("config.json"))
        #expect(Self.loadError(directory) == "model file not found: \(directory.path)/model.safetensors")
    }

    @Test("bad config.json values are explained", arguments: [
        ("[1, 2]", "not a JSON object"),
        ("{\"hidden_size\": 32}", "missing 'vocab_size'"),
        (#"{"vocab_size": "big", "hidden_size": 32}"#, "'vocab_size' must be a number"),
        (#"{"vocab_size": 10, "hidden_size": 30, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 8}"#,
         "hidden_size 30 is not a multiple of num_attention_heads 4"),
        (#"{"vocab_size": 10, "hidden_size": 32, "num_hidden_layers": 0, "num_attention_heads": 4, "intermediate_size": 8}"#,
         "'num_hidden_layers' must be positive, found 0"),
        (#"{"vocab_size": 10, "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 8, "hidden_act": "swish"}"#,
         "unsupported hidden_act 'swish' (supported: gelu, gelu_new, gelu_pytorch_tanh, relu)"),
        (#"{"vocab_size": 10, "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 8}"#,
         "missing 'id2label' (the label of each output id)"),
        (#"{"vocab_size": 10, "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 8, "id2label": {"0": "O", "2": "B-PER"}}"#,
         "id2label keys must be 0..1, found '2'"),
        (#"{"vocab_size": 10, "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 8, "id2label": {"0": "O"}, "use_crf": "yes"}"#,
         "'use_crf' must be true or false"),
        (#"{"vocab_size": 10, "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 8, "max_position_embeddings": 2, "id2label": {"0": "O"}}"#,
         "'max_position_embeddings' must be at least 3 ([CLS], one piece, [SEP]), found 2"),
        (#"{"vocab_size": 10, "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 8, "id2label": {"0": "O"}, "tag_scheme": "IOB1"}"#,
         "unknown tag_scheme 'IOB1' (expected BIO, BIOES or BMES)"),
    ])
    func badConfig(json: String, reason: String) {
        #expect(throws: ModelLoadingError.invalidConfig(path: "config.json", reason: reason)) {
            try BertConfig(json: Data(json.utf8))
        }
    }

    @Test("a vocab.txt with more tokens than vocab_size fails at load, naming both files")
    func vocabularyLargerThanEmbeddings() throws {
        let source = EngineFixture.root.appendingPathComponent("tiny")
        let directory = try temporaryDirectory()
        for file in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: directory.appendingPathComponent(file))
        }
        let vocabulary = try String(contentsOf: source.appendingPathComponent("vocab.txt"), encoding: .utf8)
        try (vocabulary + "extra1\nextra2\n").write(to: directory.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        let tokens = vocabulary.split(separator: "\n", omittingEmptySubsequences: false).count - 1 + 2
        let config = try BertConfig(contentsOf: directory.appendingPathComponent("config.json").path)
        #expect(throws: ModelLoadingError.vocabularyMismatch(path: directory.appendingPathComponent("vocab.txt").path, tokens: tokens,
                                                             vocabSize: config.vocabSize,
                                                             configPath: directory.appendingPathComponent("config.json").path)) {
            try NERPipeline(modelDirectory: directory.path)
        }
        let message = "\(#expect(throws: ModelLoadingError.self) { try NERPipeline(modelDirectory: directory.path) } as Any)"
        #expect(message.contains("has \(tokens) tokens but") && message.contains("vocab_size \(config.vocabSize)"), "\(message)")
    }

    @Test("a valid config decodes every field")
    func goodConfig() throws {
        let config = try ModelBundle(directory: EngineFixture.root.appendingPathComponent("tiny-gelu-new-bf16").path).config
        #expect(config.hiddenActivation == .geluNew)
        #expect(config.layerNormEpsilon == 1e-5)
        #expect(config.labels.count == 13 && config.labels[0] == "O" && config.labels[12] == "S-PER")
        #expect(!config.usesCRF)
        #expect(config.tagScheme == .bioes)
    }
}
