/// Which input offsets may be committed. A message is *done* once its result (or dead letter) is
/// acknowledged by the broker; a partition's committable offset is its first message not done, or
/// one past the last consumed — so a commit never covers a message whose result could still be
/// lost, whatever order acknowledgements come in.
struct OffsetTracker: Sendable {
    private struct Partition {
        /// Consumed offsets in order (ascending), from `head` on not yet passed by the committable offset.
        var offsets: [Int64] = []
        var done: [Bool] = []
        var head = 0
        /// One past the last consumed offset.
        var next: Int64 = 0
        /// The last offset handed out for commit.
        var committed: Int64?
        /// Under transactions: the last offset whose transaction committed, else the first consumed
        /// since the partition was assigned; where an aborted transaction restarts the partition.
        var restart: Int64?

        var committable: Int64 { head < offsets.count ? offsets[head] : next }
        var inFlight: Int { offsets.count - head - done[head...].lazy.filter { $0 }.count }

        mutating func advance() {
            while head < offsets.count, done[head] { head += 1 }
            // Keep memory bounded on a long-running partition.
            if head > 4096, head * 2 > offsets.count {
                offsets.removeFirst(head)
                done.removeFirst(head)
                head = 0
            }
        }
    }

    private var partitions: [TopicPartition: Partition] = [:]
    /// Messages consumed and not yet done, over all partitions.
    private(set) var inFlight = 0

    /// A message was handed to the worker. Offsets grow within a partition; a lower one means the
    /// partition was rewound (seek, reassignment), and what was pending before is forgotten.
    mutating func consumed(_ partition: TopicPartition, offset: Int64) {
        var state = partitions[partition] ?? Partition(restart: offset)
        if !state.offsets.isEmpty, offset < state.next {
            inFlight -= state.inFlight
            state = Partition(committed: state.committed, restart: state.restart)
        }
        state.offsets.append(offset)
        state.done.append(false)
        state.next = offset + 1
        partitions[partition] = state
        inFlight += 1
    }

    /// The message's result was acknowledged. Returns false for one not pending (already done, or
    /// of a partition given up since).
    @discardableResult
    mutating func completed(_ partition: TopicPartition, offset: Int64) -> Bool {
        guard var state = partitions[partition] else { return false }
        // Binary search: offsets are ascending.
        var low = state.head, high = state.offsets.count
        while low < high {
            let middle = (low + high) / 2
            if state.offsets[middle] < offset { low = middle + 1 } else { high = middle }
        }
        guard low < state.offsets.count, state.offsets[low] == offset, !state.done[low] else { return false }
        state.done[low] = true
        state.advance()
        partitions[partition] = state
        inFlight -= 1
        return true
    }

    /// The offsets to commit now: each partition (of `only`, if given) whose committable offset
    /// moved since it was last taken.
    mutating func takeCommits(only: Set<TopicPartition>? = nil) -> [(TopicPartition, Int64)] {
        var commits: [(TopicPartition, Int64)] = []
        for (partition, var state) in partitions where only?.contains(partition) ?? true {
            let offset = state.committable
            guard state.committed.map({ offset > $0 }) ?? true else { continue }
            state.committed = offset
            partitions[partition] = state
            commits.append((partition, offset))
        }
        return commits.sorted { ($0.0.topic, $0.0.partition) < ($1.0.topic, $1.0.partition) }
    }

    func inFlight(in partitions: Set<TopicPartition>) -> Int {
        partitions.reduce(0) { $0 + (self.partitions[$1]?.inFlight ?? 0) }
    }

    /// The offset last taken for commit.
    func committed(_ partition: TopicPartition) -> Int64? { partitions[partition]?.committed }

    mutating func resetCommitted(_ partition: TopicPartition, ifEqualTo offset: Int64) {
        guard partitions[partition]?.committed == offset else { return }
        partitions[partition]?.committed = nil
    }

    /// Forgets partitions that are no longer ours; their pending messages no longer count.
    mutating func remove(_ removed: Set<TopicPartition>) {
        for partition in removed {
            if let state = partitions.removeValue(forKey: partition) { inFlight -= state.inFlight }
        }
    }
}

extension OffsetTracker {
    /// A commit of `offset` failed: the next `takeCommits` offers the partition again.
    mutating func commitFailed(_ partition: TopicPartition, offset: Int64) {
        resetCommitted(partition, ifEqualTo: offset)
    }
}

extension OffsetTracker {
    /// The transaction that carried these offsets committed: an abort no longer rewinds past them.
    mutating func confirmed(_ offsets: [(TopicPartition, Int64)]) {
        for (partition, offset) in offsets where partitions[partition] != nil { partitions[partition]?.restart = offset }
    }

    /// After an aborted transaction: every partition forgets its pending messages and returns
    /// where it restarts (its last confirmed offset), to be consumed again from there.
    mutating func rewind() -> [(TopicPartition, Int64)] {
        var targets: [(TopicPartition, Int64)] = []
        for (partition, state) in partitions {
            guard let restart = state.restart else { continue }
            inFlight -= state.inFlight
            partitions[partition] = Partition(committed: restart, restart: restart)
            targets.append((partition, restart))
        }
        return targets.sorted { ($0.0.topic, $0.0.partition) < ($1.0.topic, $1.0.partition) }
    }
}
