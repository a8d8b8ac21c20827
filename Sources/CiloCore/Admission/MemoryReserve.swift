/// `reserve_memory:`: a size (`2g`) or a share of the machine's memory (`10%`).
public enum MemoryReserve: Sendable, Equatable {
    case bytes(Int)
    case fraction(Double)

    public init?(_ text: String) {
        if let fraction = ByteSize.fraction(text) {
            self = .fraction(fraction)
        } else if let bytes = ByteSize.parse(text) {
            self = .bytes(bytes)
        } else {
            return nil
        }
    }

    /// The bytes reserved on a machine of `total` bytes.
    public func bytes(ofTotal total: Int) -> Int {
        switch self {
        case .bytes(let bytes): return bytes
        case .fraction(let fraction): return Int(Double(total) * fraction)
        }
    }
}
