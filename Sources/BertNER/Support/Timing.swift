/// Median and 90th percentile of repeated wall-clock timings. `ner bench` and `SGEMMReference`
/// time the same way, so their rates are comparable.
package struct Timing: Sendable, Equatable {
    package let median: Duration
    package let p90: Duration

    /// Runs `body` `warmUps` times untimed (paging in buffers, waking threads), then `repetitions`
    /// times timed.
    package static func measure(repetitions: Int, warmUps: Int = 1, _ body: () throws -> Void) rethrows -> Timing {
        for _ in 0..<warmUps { try body() }
        let clock = ContinuousClock()
        var samples: [Duration] = []
        samples.reserveCapacity(max(1, repetitions))
        for _ in 0..<max(1, repetitions) {
            let start = clock.now
            try body()
            samples.append(clock.now - start)
        }
        samples.sort()
        return Timing(median: samples[samples.count / 2],
                      p90: samples[min(samples.count - 1, samples.count * 9 / 10)])
    }
}
