/// Fixed slots that `DispatchQueue.concurrentPerform` iterations fill, each iteration its own
/// index. Distinct indices never alias, which is what makes the unchecked `Sendable` sound.
final class ConcurrentResults<Value>: @unchecked Sendable {
    private var slots: [Value?]

    init(count: Int) {
        slots = [Value?](repeating: nil, count: count)
    }

    subscript(index: Int) -> Value? {
        get { slots.withUnsafeBufferPointer { $0[index] } }
        set { slots.withUnsafeMutableBufferPointer { $0[index] = newValue } }
    }

    /// All values, in index order; every slot must have been filled.
    var values: [Value] {
        slots.map { value in
            guard let value else { preconditionFailure("a concurrent iteration did not store its result") }
            return value
        }
    }
}
