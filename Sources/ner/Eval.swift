import ArgumentParser
import BertNER
import Foundation
import NERServing

/// `ner eval`: entity-level P/R/F1 on a `char TAG` file, as seqeval's strict mode computes them.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Entity-level precision / recall / F1 (seqeval strict) on a 'char TAG' file.")

    @Option(name: .long, help: "Model bundle folder.")
    var model: String = ModelLocation.defaultBundle

    @Option(name: .long, help: "Gold data: one 'char TAG' per line, blank line between sentences.")
    var data: String

    @Option(name: .long, help: "Tag scheme of the gold file: bioes, bio or bmes.")
    var format: String = "bioes"

    @Option(name: .long, help: "Sentences per forward pass.")
    var batchSize: Int = 64

    @Option(name: .long, help: "Cores one forward pass uses.")
    var threads: Int = 2

    @Option(name: .long, help: PrecisionChoice.help)
    var precision: PrecisionChoice?

    @Option(name: .long, help: DictionaryOption.help)
    var dictionary: String?

    @Flag(name: .long, help: "Print the scores as JSON.")
    var json = false

    func run() throws {
        guard let scheme = TagScheme(rawValue: format.uppercased()) else {
            throw ValidationError("--format must be bioes, bio or bmes, not '\(format)'")
        }
        var pipeline = try NERPipeline(modelDirectory: model, precision: try PrecisionChoice.resolve(precision, default: .fixed(.fp32)))
        pipeline.threads = threads
        if let dictionary { pipeline.dictionary = try EntityDictionary(contentsOfFile: dictionary, for: pipeline) }
        let sentences = try TaggedCorpus.read(path: data)
        var metrics = EntityMetrics()
        let clock = ContinuousClock()
        let start = clock.now
        var done = 0, matches = 0, misaligned = 0
        let step = max(1, batchSize)
        for batchStart in stride(from: 0, to: sentences.count, by: step) {
            let batch = Array(sentences[batchStart..<min(batchStart + step, sentences.count)])
            let result = try pipeline.recognizeWithStatistics(batch: batch.map(\.text))
            matches += result.dictionaryMatches
            misaligned += result.misalignedDictionaryMatches
            for (sentence, entities) in zip(batch, result.entities) {
                metrics.add(gold: scheme.spans(labels: sentence.tags),
                            predicted: entities.map { ($0.start, $0.end, $0.type) })
            }
            done += batch.count
            Progress.show(done: done, total: sentences.count, seconds: (clock.now - start).seconds)
        }
        let seconds = (clock.now - start).seconds
        FileHandle.standardError.write(Data("\n".utf8))
        let rate = Double(sentences.count) / max(seconds, 1e-9)
        if json {
            var record: [String: Any] = ["sentences": sentences.count, "seconds": seconds, "sentences_per_second": rate]
            func scores(_ c: EntityMetrics.Counts) -> [String: Any] {
                ["precision": c.precision, "recall": c.recall, "f1": c.f1, "support": c.gold, "predicted": c.predicted, "correct": c.correct]
            }
            record["micro"] = scores(metrics.micro)
            record["types"] = metrics.byType.mapValues(scores)
            if let dictionary {
                record["dictionary"] = ["path": dictionary, "entries": pipeline.dictionary.entryCount, "matches": matches, "misaligned": misaligned]
            }
            print(String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self))
        } else {
            func cell(_ text: String, _ width: Int, left: Bool = false) -> String {
                let pad = String(repeating: " ", count: max(0, width - text.count))
                return left ? text + pad : pad + text
            }
            print(cell("type", 10, left: true) + ["precision", "recall", "f1", "support"].map { cell($0, 10) }.joined())
            let rows = metrics.byType.keys.sorted().map { ($0, metrics.byType[$0] ?? .init()) } + [("micro avg", metrics.micro)]
            for (name, c) in rows {
                print(cell(name, 10, left: true) + [c.precision, c.recall, c.f1].map { cell(String(format: "%.4f", $0), 10) }.joined()
                      + cell(String(c.gold), 10))
            }
            print(String(format: "%d sentences in %.1f s: %.1f sentences/s", sentences.count, seconds, rate))
            if dictionary != nil {
                print("dictionary: \(pipeline.dictionary.entryCount) entries, \(matches) matches applied, \(misaligned) skipped inside word pieces")
            }
        }
    }
}
