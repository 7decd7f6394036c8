/// Why the request queue did not answer a request with entities.
package enum QueueError: Error, Equatable, Sendable {
    /// More than `maxQueue` texts are already waiting: the caller should retry shortly.
    case queueFull(limit: Int)
    /// The queue has stopped and no longer takes work.
    case shuttingDown
    /// The request waited longer than its deadline; its remaining work was dropped.
    case deadlineExceeded(seconds: Double)
}

/// Why queued work was dropped before it cost a forward pass (the `reason` label of
/// `ner_dropped_total`).
enum DropReason: String, Sendable, CaseIterable {
    case clientGone = "client_gone"
    case deadline
}
