import Foundation

/// A model folder as `tools/export.py` writes it:
///
///     config.json            Hugging Face BertConfig + id2label (+ use_crf, tag_scheme)
///     model.safetensors      bert.*, classifier.*, crf.* tensors (F32, F16 or BF16)
///     vocab.txt              WordPiece vocabulary, one token per line (line number = id)
///     tokenizer_config.json  optional: do_lower_case, tokenize_chinese_chars, strip_accents
@_spi(Benchmarks) public struct ModelBundle: Sendable {
    let directory: String
    let config: BertConfig

    var configPath: String { (directory as NSString).appendingPathComponent("config.json") }
    var weightsPath: String { (directory as NSString).appendingPathComponent("model.safetensors") }
    var vocabularyPath: String { (directory as NSString).appendingPathComponent("vocab.txt") }
    var tokenizerConfigPath: String { (directory as NSString).appendingPathComponent("tokenizer_config.json") }

    /// Opens the folder and reads its config; the weights load with `loadModel()`.
    public init(directory: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelLoadingError.fileNotFound(path: directory)
        }
        self.directory = directory
        config = try BertConfig(contentsOf: (directory as NSString).appendingPathComponent("config.json"))
    }

    /// Loads and checks every tensor the config calls for; the encoder's dense layers are converted
    /// to `precision` on the way (int8 and bf16 throw `ModelLoadingError.precisionUnavailable` on a
    /// CPU without fast kernels for them).
    public func loadModel(precision: Precision = .fp32) throws -> TokenClassifier {
        try TokenClassifier(weights: try SafeTensorsFile(path: weightsPath), config: config, precision: precision)
    }
}
