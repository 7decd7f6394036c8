import Foundation
@_spi(Benchmarks) @testable import BertNER

/// A golden fixture written by `tools/make_engine_fixtures.py`: a bundle plus PyTorch's outputs.
struct EngineFixture {
    struct Reference: Decodable {
        let sequences: [[Int32]]
        let viterbi_paths: [[Int]]
        let storage_dtype: String
    }

    static let names = ["tiny", "tiny-gelu-new-bf16", "tiny-relu-f16", "base-geometry-f16"]
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    let name: String
    let bundle: ModelBundle
    let reference: Reference
    let outputs: SafeTensorsFile

    init(_ name: String) throws {
        self.name = name
        let directory = Self.root.appendingPathComponent(name)
        bundle = try ModelBundle(directory: directory.path)
        reference = try JSONDecoder().decode(
            Reference.self, from: Data(contentsOf: directory.appendingPathComponent("reference.json")))
        outputs = try SafeTensorsFile(path: directory.appendingPathComponent("reference.safetensors").path)
    }

    /// PyTorch's tensor `<kind>.<sequence>` as a matrix of `columns` columns.
    func expected(_ kind: String, _ sequence: Int, columns: Int) throws -> Matrix {
        let values = try outputs.floats("\(kind).\(sequence)")
        return Matrix(rows: values.count / columns, columns: columns, storage: values)
    }
}

/// A scratch folder for tests that write model files.
func temporaryDirectory(_ label: String = #function) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("bertner-\(label.filter(\.isLetter))-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
