extension Duration {
    /// The duration in seconds, for rates and JSON.
    package var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
