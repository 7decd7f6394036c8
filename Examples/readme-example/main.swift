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
print(fast.model.productKernels)                            // "oneDNN 2.6.3 brg:avx512_core_vnni (u8 activations 0…255)"
let fastest = try NERPipeline(modelDirectory: "Weights/default", precision: .auto, threads: 2)
print(fastest.precisionSelection?.summary ?? "")            // "int8, fastest per probe round on 2 threads (3 rounds): …"

// Lower: token ids from the bundle's tokenizer (its vocabulary may be pruned: never assume
// [CLS] = 101), logits and tag paths.
let tokenizer = pipeline.tokenizer
let ids = [tokenizer.clsID] + tokenizer.encode("江泽民在北京").map(\.id) + [tokenizer.sepID]
let batch = PackedBatch(sequences: [ids, [tokenizer.clsID, tokenizer.sepID]])  // any lengths, no padding
let logits = try pipeline.model.logits(batch)                // one [length, labels] Matrix per sequence
let paths = pipeline.model.decode(logits)                    // CRF Viterbi (or argmax without a CRF)
print(paths[0].map { pipeline.model.config.labels[$0] })     // ["O", "B-PER", "I-PER", "E-PER", "O", "B-LOC", "E-LOC", "O"]
