// The Swift example of README.md, verbatim (ExamplesTests checks it); run from the repository root:
//   swift run readme-example
import BertNER

// A pipeline loads a bundle folder once; it is then safe to share between threads and tasks.
let pipeline = try NERPipeline(modelDirectory: "Weights/default")
let text = "新华社北京电，国家主席江泽民今天在人民大会堂会见了美国总统克林顿和微软公司董事长比尔·盖茨。"
for entity in try pipeline.recognize(text) {                // code-point offsets, end exclusive
    print(entity.word, entity.type, entity.start, entity.end, entity.score)
}
let many = try pipeline.recognize(batch: [text, "马云在杭州阿里巴巴总部发表演讲"])  // one packed forward pass for all windows
print(many[1].map(\.word))                                  // the model alone: ["马云", "杭州阿里巴巴总部"]

// A dictionary forces or blocks entities: for every call, or layered over it for one call.
var decided = pipeline
decided.dictionary = try EntityDictionary(entries: [.init(word: "阿里巴巴", type: "ORG")], for: pipeline)
print(try decided.recognize("马云在杭州阿里巴巴总部发表演讲").map { "\($0.word) \($0.source)" })  // ["马云 model", "杭州 model", "阿里巴巴 dictionary"]
let mine = try EntityDictionary(entries: [.init(word: "小米", type: "O")], for: pipeline)
let once = try decided.recognize("小米在北京发布了新手机", dictionary: mine.layered(over: decided.dictionary))
print(once.map(\.word))                                      // ["北京"]: 小米 is blocked for this call

// Precision: one named, or `.auto`, the fastest this CPU runs within the accuracy bound.
let fast = try NERPipeline(modelDirectory: "Weights/default", precision: .int8)
print(fast.precision)                                       // int8 (`ner info --precision int8` names its kernels)
let fastest = try NERPipeline(modelDirectory: "Weights/default", precision: .auto, threads: 2)
print(fastest.precisionSelection?.summary ?? "")            // "int8, fastest per probe round on 2 threads (3 rounds): …"

// The word pieces the model sees: ids from the bundle's own vocabulary (it may be pruned: never
// assume [CLS] = 101) and code-point offsets, as Hugging Face's BertTokenizerFast gives them.
let tokenizer = pipeline.tokenizer
let pieces = tokenizer.encode("江泽民在北京")
print([tokenizer.clsID] + pieces.map(\.id) + [tokenizer.sepID])  // the model's input for this text
print(pieces.map { "\($0.start)..<\($0.end)" })                   // ["0..<1", "1..<2", …]: a piece per character
