import Testing
@testable import NERStream

/// Commits never pass a message whose result is not acknowledged, in whatever order the
/// acknowledgements come.
@Suite struct OffsetTrackerTests {
    let p0 = TopicPartition(topic: "in", partition: 0)
    let p1 = TopicPartition(topic: "in", partition: 1)

    @Test func commitsOnlyTheAcknowledgedPrefix() {
        var tracker = OffsetTracker()
        for offset in Int64(10)..<15 { tracker.consumed(p0, offset: offset) }
        #expect(tracker.inFlight == 5)
        #expect(tracker.takeCommits().map(\.1) == [10])  // nothing done: the first offset itself
        #expect(tracker.takeCommits().isEmpty)  // unchanged: nothing to send again
        tracker.completed(p0, offset: 12)
        tracker.completed(p0, offset: 13)
        #expect(tracker.takeCommits().isEmpty)  // 10 is still pending
        tracker.completed(p0, offset: 10)
        #expect(tracker.takeCommits().map(\.1) == [11])
        tracker.completed(p0, offset: 11)
        #expect(tracker.takeCommits().map(\.1) == [14])
        tracker.completed(p0, offset: 14)
        #expect(tracker.takeCommits().map(\.1) == [15])
        #expect(tracker.inFlight == 0)
        let again = tracker.completed(p0, offset: 14)
        #expect(!again, "an acknowledgement counts once")
    }

    /// Exactly-once: an aborted transaction rewinds each partition to its last confirmed commit
    /// (or where it was first consumed), forgetting what was pending.
    @Test func rewindGoesBackToTheLastConfirmedCommit() {
        var tracker = OffsetTracker()
        for offset in Int64(10)..<14 { tracker.consumed(p0, offset: offset) }
        for offset in Int64(0)..<3 { tracker.consumed(p1, offset: offset) }
        for offset in Int64(10)..<12 { tracker.completed(p0, offset: offset) }
        let first = tracker.takeCommits()
        #expect(first.map(\.1) == [12, 0])
        tracker.confirmed(first)
        tracker.completed(p0, offset: 12)
        tracker.completed(p1, offset: 0)
        _ = tracker.takeCommits()  // taken for a transaction that then aborts: not confirmed
        #expect(tracker.rewind().map(\.1) == [12, 0])
        #expect(tracker.inFlight == 0)
        // Consumed again from there; the next commit offers the same offsets again.
        tracker.consumed(p0, offset: 12)
        tracker.completed(p0, offset: 12)
        #expect(tracker.takeCommits().map(\.1) == [13])
    }

    @Test func randomOrderNeverCommitsPastAPendingMessage() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            var tracker = OffsetTracker()
            // Gaps, as compacted topics and transaction markers leave them.
            var offsets: [Int64] = []
            var next: Int64 = 0
            for _ in 0..<200 {
                next += Int64.random(in: 1...3, using: &generator)
                offsets.append(next)
                tracker.consumed(p0, offset: next)
            }
            var pending = Set(offsets)
            for offset in offsets.shuffled(using: &generator) {
                let known = tracker.completed(p0, offset: offset)
                #expect(known)
                pending.remove(offset)
                for (_, committed) in tracker.takeCommits() {
                    #expect(pending.allSatisfy { $0 >= committed }, "committed \(committed) past a pending message")
                }
            }
            #expect(tracker.committed(p0) == next + 1)
            #expect(tracker.inFlight == 0)
        }
    }

    @Test func partitionsAreIndependentAndRemovable() {
        var tracker = OffsetTracker()
        tracker.consumed(p0, offset: 0)
        tracker.consumed(p1, offset: 5)
        tracker.completed(p1, offset: 5)
        #expect(tracker.takeCommits(only: [p1]).map(\.1) == [6])
        #expect(tracker.inFlight(in: [p0]) == 1)
        #expect(tracker.inFlight(in: [p1]) == 0)
        tracker.remove([p0])
        #expect(tracker.inFlight == 0)
        let late = tracker.completed(p0, offset: 0)
        #expect(!late, "a revoked partition's late acknowledgement is ignored")
    }

    @Test func failedCommitIsOfferedAgain() {
        var tracker = OffsetTracker()
        tracker.consumed(p0, offset: 0)
        tracker.completed(p0, offset: 0)
        #expect(tracker.takeCommits().map(\.1) == [1])
        tracker.commitFailed(p0, offset: 1)
        #expect(tracker.takeCommits().map(\.1) == [1])
    }

    @Test func rewindForgetsWhatWasPending() {
        var tracker = OffsetTracker()
        tracker.consumed(p0, offset: 7)
        tracker.consumed(p0, offset: 8)
        tracker.consumed(p0, offset: 3)  // seek back: redelivery
        #expect(tracker.inFlight == 1)
        tracker.completed(p0, offset: 3)
        #expect(tracker.takeCommits().map(\.1) == [4])
    }

    @Test func longRunsStayCompact() {
        var tracker = OffsetTracker()
        for offset in Int64(0)..<20_000 {
            tracker.consumed(p0, offset: offset)
            tracker.completed(p0, offset: offset)
        }
        #expect(tracker.takeCommits().map(\.1) == [20_000])
    }
}
