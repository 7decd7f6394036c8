import Foundation
import Testing
@_spi(Benchmarks) @testable import BertNER

/// Bundles written by `tools/export.py` from synthetic Hugging Face and AdaSeq (RaNER-layout)
/// checkpoints reproduce the source PyTorch model's logits and CRF paths.
@Suite("Exporter round trip")
struct ExportRoundTripTests {
    struct Reference: Decodable {
        let sequences: [[Int32]]
        let viterbi_paths: [[Int]]
    }

    @Test("exported bundle gives the source model's logits and paths", arguments: ["hf", "adaseq", "modelscope"])
    func roundTrip(layout: String) throws {
        let folder = EngineFixture.root.appendingPathComponent("export/\(layout)")
        let model = try ModelBundle(directory: folder.path).loadModel()
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: folder.appendingPathComponent("reference.json")))
        let expected = try SafeTensorsFile(path: folder.appendingPathComponent("reference.safetensors").path)
        let logits = try model.logits(PackedBatch(sequences: reference.sequences))
        let labels = model.config.labels.count
        for (k, ours) in logits.enumerated() {
            let values = try expected.floats("logits.\(k)")
            let difference = ours.maxAbsoluteDifference(to: Matrix(rows: values.count / labels, columns: labels, storage: values))
            #expect(difference <= 1e-4, "\(layout) sequence \(k): max |Δ| \(difference)")
        }
        #expect(model.decode(logits) == reference.viterbi_paths)
        #expect(model.config.labels.first == "O" && model.config.usesCRF)
        _ = try NERPipeline(modelDirectory: folder.path)  // labels parse as BIOES, tokenizer files present
    }
}
