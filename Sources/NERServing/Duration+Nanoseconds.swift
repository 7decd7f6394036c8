extension Duration {
    /// The duration in whole nanoseconds, as swift-metrics' timers take it.
    package var nanoseconds: Int64 {
        let (s, attoseconds) = components
        return s * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
