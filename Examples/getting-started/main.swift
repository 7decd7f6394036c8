// The Swift examples of Sources/BertNER/BertNER.docc/GettingStarted.md in order, each verbatim
// (ExamplesTests checks them); run from the repository root:
//   swift run getting-started
import BertNER

let pipeline = try NERPipeline(modelDirectory: "Weights/default")
for entity in try pipeline.recognize("新华社北京电，国家主席江泽民今天在人民大会堂会见了美国总统克林顿。") {
    print(entity.word, entity.type, entity.start, entity.end, entity.score)
}
// 新华社 ORG 0 3 0.9999
// 北京 LOC 3 5 0.9998
// …

let results = try pipeline.recognize(batch: ["国务院总理在北京会见了外宾。", "微软公司董事长比尔·盖茨访问上海。"])

let fastest = try NERPipeline(modelDirectory: "Weights/default", precision: .auto, threads: 2)
if let selection = fastest.precisionSelection {
    print(selection.summary)   // int8, fastest per probe round on 2 threads (3 rounds): fp32 45.11 ms, bf16 20.05 ms, int8 12.32 ms
}

do {
    _ = try NERPipeline(modelDirectory: "models/broken")
} catch let error as ModelLoadingError {
    print(error)   // tensor 'classifier.weight' has shape [12, 32], expected [13, 32]
}

let tokenizer = try BertTokenizer(bundleDirectory: "Weights/default")
// Ids come from the bundle's own vocabulary, which may be pruned: [CLS] is not always 101.
let ids = [tokenizer.clsID] + tokenizer.encode("江泽民在北京").map(\.id) + [tokenizer.sepID]
print(ids.count)   // 8: [CLS], a piece per character, [SEP]
