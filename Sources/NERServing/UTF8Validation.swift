/// Both adapters refuse ill-formed UTF-8 and say where it breaks.
package enum UTF8Validation {
    /// The byte offset of the first ill-formed UTF-8 sequence, or nil when the bytes are valid.
    package static func firstInvalidOffset(_ bytes: some Collection<UInt8>) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}
