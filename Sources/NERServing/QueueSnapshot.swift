/// What the request queue holds at one moment: what the batch policy decides on, and what a
/// `QueueObserver` sees after every change.
package struct QueueSnapshot: Sendable, Equatable {
    package var queuedTexts = 0
    /// Word pieces not yet handed to a batch.
    package var queuedTokens = 0
    /// Requests with sequences not yet handed to a batch.
    package var queuedRequests = 0
    /// The word-piece budget of one forward pass of the request at the head (nil: nothing queued).
    package var headBudget: Int?
    package var stopped = false
    /// Requests the inference loop is holding its next batch for (nil: not holding).
    package var holdingFor: Int?

    package init() {}
}
