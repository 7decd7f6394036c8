/// A trie over Unicode scalars, stored as one open-addressing hash table from (node, scalar) to
/// child node plus one byte per node for the entry ending there.
///
/// Why this shape: a million-entry dictionary has a few million nodes. A hash table keyed by
/// `node << 21 | scalar` costs 12 bytes per node at most ~70 % load and finds a child in one probe
/// on average, whatever the fan-out (the root of a Chinese dictionary has thousands of children);
/// per-node dictionaries or child arrays cost several times the memory or a search per step.
struct DictionaryTrie: Sendable {
    /// `node << 21 | scalar`, plus 1 so that 0 marks an empty slot.
    private var keys: [UInt64]
    private var children: [UInt32]
    private var occupied = 0
    /// Per node: 0 when no entry ends there, else the entry's decision code (see `EntityDictionary`).
    private(set) var decisions: [UInt8] = [0]
    private(set) var entryCount = 0

    static let root: UInt32 = 0

    /// `expectedNodes` sizes the table once (it grows when exceeded).
    init(expectedNodes: Int = 16) {
        var capacity = 16
        while capacity * 7 / 10 < expectedNodes { capacity *= 2 }
        keys = [UInt64](repeating: 0, count: capacity)
        children = [UInt32](repeating: 0, count: capacity)
        decisions.reserveCapacity(expectedNodes + 1)
    }

    var nodeCount: Int { decisions.count }

    /// Bytes held by the table and the per-node decisions.
    var byteCount: Int { keys.count * 12 + decisions.count }

    /// Fibonacci hashing: the top log2(capacity) bits of the product.
    @inline(__always)
    private static func slot(of key: UInt64, capacity: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - capacity.trailingZeroBitCount))
    }

    @inline(__always)
    private static func key(_ node: UInt32, _ scalar: UInt32) -> UInt64 {
        (UInt64(node) << 21 | UInt64(scalar)) &+ 1
    }

    /// The child of `node` along `scalar`, if any.
    @inline(__always)
    func child(of node: UInt32, _ scalar: UInt32) -> UInt32? {
        let key = Self.key(node, scalar), mask = keys.count - 1
        var slot = Self.slot(of: key, capacity: keys.count)
        while true {
            let found = keys[slot]
            if found == key { return children[slot] }
            if found == 0 { return nil }
            slot = (slot + 1) & mask
        }
    }

    /// The node reached by `scalars` from the root, creating missing nodes.
    mutating func insert(_ scalars: some Sequence<UInt32>) -> UInt32 {
        var node = Self.root
        for scalar in scalars {
            if let next = child(of: node, scalar) {
                node = next
                continue
            }
            if (occupied + 1) * 10 > keys.count * 7 { grow() }
            let next = UInt32(decisions.count)
            decisions.append(0)
            place(Self.key(node, scalar), next)
            occupied += 1
            node = next
        }
        return node
    }

    /// Records the entry ending at `node` (0 clears it).
    mutating func setDecision(_ code: UInt8, at node: UInt32) {
        let old = decisions[Int(node)]
        if old == 0, code != 0 { entryCount += 1 } else if old != 0, code == 0 { entryCount -= 1 }
        decisions[Int(node)] = code
    }

    private mutating func place(_ key: UInt64, _ child: UInt32) {
        let mask = keys.count - 1
        var slot = Self.slot(of: key, capacity: keys.count)
        while keys[slot] != 0 { slot = (slot + 1) & mask }
        keys[slot] = key
        children[slot] = child
    }

    private mutating func grow() {
        let oldKeys = keys, oldChildren = children
        keys = [UInt64](repeating: 0, count: oldKeys.count * 2)
        children = [UInt32](repeating: 0, count: oldKeys.count * 2)
        for (key, child) in zip(oldKeys, oldChildren) where key != 0 { place(key, child) }
    }
}
