import Testing
@testable import ner

/// The timing summary `ner bench` and its sgemm yardstick report (`Timing` lives in the `ner` target:
/// it is the command's, not the library's).
@Suite("Timing")
struct TimingTests {
    @Test("timing runs the warm-ups untimed, then every repetition; median ≤ p90")
    func timing() {
        var calls = 0
        let timing = Timing.measure(repetitions: 9, warmUps: 2) { calls += 1 }
        #expect(calls == 11)
        #expect(timing.median <= timing.p90)
        #expect(timing.median >= .zero)
    }

    @Test("the warm-up lasts at least warmUpTime, however fast the body")
    func timingWarmUpTime() {
        let clock = ContinuousClock()
        var calls: [ContinuousClock.Instant] = []
        let started = clock.now
        _ = Timing.measure(repetitions: 3, warmUps: 1, warmUpTime: .milliseconds(20)) { calls.append(clock.now) }
        #expect(calls.count > 4, "an instant body warms up until the time is up, not once")
        if calls.count >= 3 { #expect(calls[calls.count - 3] - started >= .milliseconds(20)) }
    }

    @Test("timing rethrows the body's error")
    func timingRethrows() {
        struct Failure: Error {}
        #expect(throws: Failure.self) { try Timing.measure(repetitions: 3) { throw Failure() } }
    }
}
