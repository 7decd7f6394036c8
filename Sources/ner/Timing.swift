/// Median and 90th percentile of repeated wall-clock timings. `ner bench` and `SGEMMReference`
/// time the same way, so their rates are comparable.
struct Timing: Sendable, Equatable {
    let median: Duration
    let p90: Duration

    /// Runs `body` untimed `warmUps` times and for at least `warmUpTime` (paging in buffers, waking
    /// threads, and letting idle cores reach their clock: a 1 ms pass on two threads, timed 50 times
    /// after three warm-ups, had a p90 of 2.2–2.4× its median), then `repetitions` times timed.
    static func measure(repetitions: Int, warmUps: Int = 1, warmUpTime: Duration = .zero,
                                _ body: () throws -> Void) rethrows -> Timing {
        let clock = ContinuousClock()
        let warmUpEnd = clock.now + warmUpTime
        var warmed = 0
        while warmed < warmUps || clock.now < warmUpEnd {
            try body()
            warmed += 1
        }
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
