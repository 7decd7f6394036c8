import Foundation
import Synchronization

/// How the precision of the encoder's dense products is decided when a model loads.
///
/// Which precision is fastest depends on the CPU: with AVX-512 VNNI and BF16 int8 and bf16 beat
/// fp32 by 2–3×, on an AVX2-only core int8 runs at fp32's speed on one thread and slower on two.
/// `auto` measures instead of guessing.
public enum PrecisionChoice: RawRepresentable, Sendable, Equatable, Codable, CustomStringConvertible {
    /// Load every precision this CPU runs, time each on the service's batch shapes, keep the fastest
    /// whose logits stay within the accuracy bound (`PrecisionSelection`).
    case auto
    /// Exactly this precision.
    case fixed(Precision)

    /// `auto`, `fp32`, `bf16` or `int8` (any letter case).
    public init?(rawValue: String) {
        let value = rawValue.lowercased()
        if value == "auto" { self = .auto } else if let precision = Precision(rawValue: value) { self = .fixed(precision) } else { return nil }
    }

    public var rawValue: String {
        switch self {
        case .auto: "auto"
        case .fixed(let precision): precision.rawValue
        }
    }

    public var description: String { rawValue }

    /// Every accepted spelling, for error messages and help.
    package static let names = ["auto"] + Precision.allCases.map(\.rawValue)
}

/// What `PrecisionChoice.auto` measured at load and why it kept what it kept.
public struct PrecisionSelection: Sendable, Codable, Equatable {
    /// One precision as the selection saw it.
    struct Trial: Sendable, Codable, Equatable {
        let precision: Precision
        /// Median wall time of one probe round (a lone sentence, then eight together), in
        /// milliseconds; nil when the precision could not be loaded.
        let milliseconds: Double?
        /// Mean |Δ| of its logits against fp32's on the probe sentences, relative to fp32's mean |logit|.
        let relativeError: Double?
        /// Fraction of probe tokens whose best tag equals fp32's.
        let agreement: Double?
        /// Why it was not eligible (kernels missing on this CPU, logits over the bound); nil if eligible.
        let rejection: String?
    }

    public let chosen: Precision
    let trials: [Trial]
    /// Cores each timed pass used (the pipeline's `threads`).
    let threads: Int
    /// Rounds timed (interleaved, so that drift of the machine hits all alike); a precision half
    /// as slow again as the fastest after two rounds is not timed further.
    let rounds: Int

    /// One line for logs and `ner info`: the choice, then every precision's time or rejection.
    public var summary: String {
        let parts = trials.map { trial -> String in
            if let rejection = trial.rejection { return "\(trial.precision) not eligible (\(rejection))" }
            return "\(trial.precision) \(String(format: "%.2f", trial.milliseconds ?? 0)) ms"
        }
        return "\(chosen), fastest per probe round on \(threads) thread\(threads == 1 ? "" : "s") (\(rounds) rounds): " + parts.joined(separator: ", ")
    }
}

/// Loads a bundle in each precision and keeps the one that runs the service's shapes fastest.
///
/// The probe is what the service runs: a lone sentence (a request at concurrency 1) and eight
/// news sentences in one packed batch (its batch at concurrency 8), timed as one round. Rounds go
/// through the precisions in turn so that a change of clock or a neighbour's load falls on all of
/// them; the median round decides. A reduced precision is eligible only if its logits on the eight
/// sentences stay close to fp32's (`relativeErrorBound`) and its best tags agree on nearly every
/// token (`agreementBound`): a broken kernel or scale is refused, however fast.
struct PrecisionSelector {
    /// Times one forward pass of `batch`. Tests replace it to make a precision look slow without
    /// timing anything; the default runs the pass.
    typealias Measure = @Sendable (TokenClassifier, PackedBatch, ForwardWorkspace) throws -> Duration

    var measure: Measure = { model, batch, workspace in
        let clock = ContinuousClock(), start = clock.now
        _ = try model.emissions(batch, workspace: workspace)
        return clock.now - start
    }
    /// At least this many rounds, and more while the time spent timing stays within `budget`:
    /// load time is part of a replica's start-up, and three rounds of the default model take
    /// ~70 ms on two cores.
    var minimumRounds = 3
    var maximumRounds = 15
    var budget: Duration = .milliseconds(60)

    /// On the default model's probe (`/info` → `model.precisionSelection`): int8 0.8 %, 1.6 % with
    /// the 7-bit activations of CPUs without VNNI (`ONEDNN_MAX_CPU_ISA=AVX2`), bf16 0.1 %. A wrong
    /// scale, zero point or panel offset moves logits of magnitude ~10 by several units (PrecisionTests).
    var relativeErrorBound = 0.03
    /// int8 and bf16 agree with fp32 on every probe token of the default model.
    var agreementBound = 0.98

    /// Eight sentences of news prose, 20–45 characters: the length MSRA's sentences have, and so
    /// the batch `ner serve` runs at concurrency 8.
    static let probeSentences = [
        "新华社北京电，国家主席今天在人民大会堂会见了来访的外国客人。",
        "上海市政府昨天发布通知，要求各区加强对食品安全的监督检查。",
        "中国科学院的研究人员在青藏高原发现了一种新的植物。",
        "据中央气象台预报，明天华北地区将有一次明显的降温过程。",
        "北京大学和清华大学的学生代表参加了在天津举行的交流活动。",
        "记者从铁道部获悉，今年春运期间全国铁路将增开临时列车三百多对。",
        "联合国秘书长在纽约总部发表讲话，呼吁各方通过对话解决争端。",
        "广东省委书记在深圳考察时强调，要进一步扩大对外开放。",
    ]

    func select(bundle: ModelBundle, tokenizer: BertTokenizer, threads: Int) throws -> (model: TokenClassifier, selection: PrecisionSelection) {
        let sequences = Self.probeSentences.map { sentence in
            [tokenizer.clsID] + tokenizer.encode(sentence).prefix(bundle.config.maxPositionEmbeddings - 2).map(\.id) + [tokenizer.sepID]
        }
        let together = PackedBatch(sequences: sequences), alone = PackedBatch(sequences: [sequences[0]])
        let workspace = ForwardWorkspace(threads: max(1, threads))

        // Loading is single-threaded work (conversion, quantization, packing), so the precisions
        // load side by side on the cores the timing is about to use anyway.
        let loads = Mutex<[Precision: Result<TokenClassifier, any Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: Precision.allCases.count) { index in
            let precision = Precision.allCases[index]
            let loaded = Result { try bundle.loadModel(precision: precision) }
            loads.withLock { $0[precision] = loaded }
        }
        let models = loads.withLock { $0 }
        // fp32 is the reference of the accuracy check, and always eligible: the choice never fails.
        guard let reference = try models[.fp32]?.get() else { preconditionFailure("every precision was loaded") }
        let referenceLogits = try reference.logits(together, workspace: workspace)
        let referencePaths = reference.decode(referenceLogits)

        var eligible: [(precision: Precision, model: TokenClassifier)] = []
        var rejections: [Precision: String] = [:]
        var errors: [Precision: (relative: Double, agreement: Double)] = [:]
        for precision in Precision.allCases {
            let model: TokenClassifier
            do {
                guard let loaded = try models[precision]?.get() else { preconditionFailure("every precision was loaded") }
                model = loaded
            } catch ModelLoadingError.precisionUnavailable(_, let reason) {
                rejections[precision] = "unavailable: \(reason)"
                continue
            }
            if precision != .fp32 {
                let logits = try model.logits(together, workspace: workspace)
                let error = Self.compare(logits, model.decode(logits), to: referenceLogits, referencePaths)
                errors[precision] = error
                if error.relative > relativeErrorBound || error.agreement < agreementBound {
                    rejections[precision] = String(format: "logits off fp32 by %.2f %%, tags agree on %.1f %%", 100 * error.relative, 100 * error.agreement)
                    continue
                }
            }
            eligible.append((precision, model))
        }

        // The accuracy pass ran each candidate on the eight sentences; one untimed pass of the lone
        // one completes the warm-up (weights paged in, kernels for both shapes generated).
        for candidate in eligible {
            _ = try measure(candidate.model, alone, workspace)
        }
        var samples = [[Duration]](repeating: [], count: eligible.count)
        var timing = Set(eligible.indices)
        let clock = ContinuousClock(), started = clock.now
        var rounds = 0
        while rounds < minimumRounds || (rounds < maximumRounds && clock.now - started < budget) {
            for index in eligible.indices where timing.contains(index) {
                let model = eligible[index].model
                samples[index].append(try measure(model, alone, workspace) + measure(model, together, workspace))
            }
            rounds += 1
            // From the second round, a precision whose best round is half as slow again as another's
            // best cannot win (noise does not cost a core 50 % twice): it stops being timed, which
            // spares start-up most of fp32's rounds on CPUs where int8 is several times faster.
            if rounds >= 2, let fastest = timing.map({ samples[$0].min() ?? .zero }).min() {
                timing = timing.filter { (samples[$0].min() ?? .zero) <= fastest * 1.5 }
            }
        }
        let medians = samples.map { $0.sorted()[$0.count / 2] }
        let best = medians.indices.min { medians[$0] < medians[$1] } ?? 0

        let trials = Precision.allCases.map { precision -> PrecisionSelection.Trial in
            let index = eligible.firstIndex { $0.precision == precision }
            return PrecisionSelection.Trial(precision: precision, milliseconds: index.map { medians[$0].seconds * 1000 },
                                            relativeError: precision == .fp32 && index != nil ? 0 : errors[precision]?.relative,
                                            agreement: precision == .fp32 && index != nil ? 1 : errors[precision]?.agreement,
                                            rejection: rejections[precision])
        }
        return (eligible[best].model, PrecisionSelection(chosen: eligible[best].precision, trials: trials, threads: max(1, threads), rounds: rounds))
    }

    /// Mean |Δ| relative to the reference's mean |logit|, and the fraction of tokens with the same tag.
    static func compare(_ logits: [Matrix], _ paths: [[Int]], to reference: [Matrix], _ referencePaths: [[Int]]) -> (relative: Double, agreement: Double) {
        var difference = 0.0, magnitude = 0.0, same = 0, tokens = 0
        for (mine, theirs) in zip(logits, reference) {
            for (a, b) in zip(mine.storage, theirs.storage) {
                difference += Double(abs(a - b))
                magnitude += Double(abs(b))
            }
        }
        for (mine, theirs) in zip(paths, referencePaths) {
            same += zip(mine, theirs).filter { $0 == $1 }.count
            tokens += theirs.count
        }
        return (difference / max(magnitude, .leastNonzeroMagnitude), tokens == 0 ? 1 : Double(same) / Double(tokens))
    }
}
