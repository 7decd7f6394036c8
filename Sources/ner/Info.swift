import ArgumentParser
import BertNER
import NERServing
import Foundation

/// `ner info`: what a model bundle contains, after loading and checking every tensor.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Load a model bundle and describe it.")

    @Option(name: .long, help: "Model bundle folder (config.json, model.safetensors, vocab.txt).")
    var model: String = ModelLocation.defaultBundle

    @Option(name: .long, help: PrecisionChoice.help)
    var precision: PrecisionChoice?

    @Option(name: .long, help: "Cores a forward pass uses (what --precision auto times with); 0: every active processor.")
    var threads: Int = 0

    @Option(name: .long, help: DictionaryOption.help)
    var dictionary: String?

    func run() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let pipeline = try NERPipeline(modelDirectory: model, precision: try PrecisionChoice.resolve(precision, default: .fixed(.fp32)),
                                       threads: threads)
        let seconds = (clock.now - start).seconds
        let c = pipeline.config
        let kernels = BLASKernels.current()
        print("""
        model:       \(model)
        geometry:    \(c.numHiddenLayers) layers, hidden \(c.hiddenSize), \(c.numAttentionHeads) heads, \
        intermediate \(c.intermediateSize), \(c.hiddenActivation)
        vocabulary:  \(c.vocabSize) ids, max \(c.maxPositionEmbeddings) positions
        labels:      \(c.labels.joined(separator: " "))
        decoder:     \(c.usesCRF ? "CRF (Viterbi)" : "argmax")
        precision:   \(pipeline.precision) — \(pipeline.productKernels)\(pipeline.precisionSelection.map { "\nchosen:      \($0.summary)" } ?? "")
        load time:   \(String(format: "%.3f", seconds)) s
        blas:        \(kernels.summary)
        """)
        kernels.warnOnStandardError()
        if let dictionary {
            let loadStart = clock.now
            let entries = try EntityDictionary(contentsOfFile: dictionary, for: pipeline)
            let size = String(format: "%.1f", Double(entries.byteCount) / 1_048_576)
            let seconds = String(format: "%.3f", (clock.now - loadStart).seconds)
            print("dictionary:  \(dictionary): \(entries.entryCount) entries, \(size) MiB of tables, loaded in \(seconds) s")
        }
    }
}
