/// Sees the request queue change and may hold the inference loop before each batch: the seam that
/// lets tests order events by explicit gates ("three texts are queued", "the loop is holding")
/// instead of sleeping. Production runs `NoQueueObserver`.
package protocol QueueObserver: Sendable {
    /// Called after every change of the queue, under the queue's lock: it must return at once and
    /// must not call back into the queue.
    func queueChanged(_ snapshot: QueueSnapshot)

    /// Awaited by the inference loop before it takes each batch (requests still queue meanwhile).
    func batchMayStart() async
}

/// The production observer: sees nothing, holds nothing.
package struct NoQueueObserver: QueueObserver {
    package init() {}

    package func queueChanged(_ snapshot: QueueSnapshot) {}
    package func batchMayStart() async {}
}
