import BertNER

/// A configuration as `/info` reports it: the engine settings a loaded pipeline decides are read
/// from the pipeline once there is one (so `--threads 0` reports the cores actually used).
package protocol EngineSettingsReport {
    var threads: Int { get set }
    var maxBatchTokens: Int { get set }
    var stride: Int { get set }
}

extension EngineSettingsReport {
    /// The settings in force in `pipeline`; without one (still loading) the configured ones stay.
    package mutating func report(_ pipeline: NERPipeline?) {
        guard let pipeline else { return }
        threads = pipeline.threads
        maxBatchTokens = pipeline.maxTokensPerForward
        stride = pipeline.windowing.stride
    }
}
