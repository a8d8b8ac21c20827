import CiloSystem

/// An IPv4 network in CIDR form.
public struct Subnet: Hashable, Sendable, CustomStringConvertible {
    public var address: UInt32
    public var prefix: Int

    public init(address: UInt32, prefix: Int) {
        self.prefix = prefix
        self.address = address & Self.mask(prefix)
    }

    /// Parses `a.b.c.d/n`; nil for anything else (IPv6 included).
    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let prefix = Int(parts[1]), (0...32).contains(prefix) else { return nil }
        let octets = parts[0].split(separator: ".").compactMap { UInt32($0) }
        guard octets.count == 4, octets.allSatisfy({ $0 <= 255 }) else { return nil }
        self.init(address: octets.reduce(0) { $0 << 8 | $1 }, prefix: prefix)
    }

    static func mask(_ prefix: Int) -> UInt32 { prefix == 0 ? 0 : UInt32.max << (32 - prefix) }

    /// The last address of the network.
    public var lastAddress: UInt32 { address | ~Self.mask(prefix) }

    /// Whether the two networks share any address.
    public func overlaps(_ other: Subnet) -> Bool {
        address <= other.lastAddress && other.address <= lastAddress
    }

    /// The address `offset` after the network address, as text (`.1` is the gateway).
    public func host(_ offset: UInt32) -> String { Self.format(address + offset) }

    public var description: String { "\(Self.format(address))/\(prefix)" }

    static func format(_ value: UInt32) -> String {
        "\(value >> 24).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)"
    }
}

/// Chooses each environment's /24 from a pool, skipping what is in use.
public struct SubnetAllocator: Sendable {
    public static let defaultPool = Subnet(address: 0x0AE0_0000, prefix: 16)  // 10.224.0.0/16

    public let pool: Subnet
    public let size: Int

    public init(pool: Subnet = SubnetAllocator.defaultPool, size: Int = 24) {
        self.pool = pool
        self.size = size
    }

    /// The pool from `$CILO_SUBNET_POOL` or the project config, else the default; an error for a bad value.
    public static func pool(from text: String?) throws(CiloError) -> Subnet {
        guard let text, !text.isEmpty else { return defaultPool }
        guard let pool = Subnet(text), pool.prefix <= 24 else {
            throw CiloError(.invalidArgument, "invalid subnet pool '\(text)': an IPv4 network of /24 or larger, like 10.224.0.0/16")
        }
        return pool
    }

    /// How many environments the pool holds.
    public var capacity: Int { 1 << (size - pool.prefix) }

    /// The first /24 of the pool that overlaps nothing in `used`, or with `scattered` one chosen
    /// at random among the free ones (after Docker refused one: other cilo homes choosing at the
    /// same moment then rarely meet on the same subnet again).
    public func allocate(avoiding used: [Subnet], scattered: Bool = false) throws(CiloError) -> Subnet {
        let step = UInt32(1) << (32 - size)
        let start = scattered ? UInt32.random(in: 0..<UInt32(capacity)) : 0
        for offset in 0..<UInt32(capacity) {
            let index = (start + offset) % UInt32(capacity)
            let candidate = Subnet(address: pool.address + index * step, prefix: size)
            if !used.contains(where: { $0.overlaps(candidate) }) { return candidate }
        }
        throw CiloError(.noSpace, "the subnet pool \(pool) is exhausted (\(capacity) environments): destroy some, or set a larger pool with CILO_SUBNET_POOL")
    }

    /// Networks in the host's routing table (`/proc/net/route`), default route excluded.
    public static func hostRoutes(contents: [UInt8]? = nil) -> [Subnet] {
        guard let bytes = contents ?? HostFacts.readSmallFile("/proc/net/route"),
            let text = String(validating: bytes, as: UTF8.self)
        else { return [] }
        var routes: [Subnet] = []
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            guard fields.count >= 8, let destination = UInt32(fields[1], radix: 16), let mask = UInt32(fields[7], radix: 16),
                mask != 0
            else { continue }
            // The file holds little-endian words.
            let address = destination.byteSwapped
            let prefix = mask.nonzeroBitCount
            routes.append(Subnet(address: address, prefix: prefix))
        }
        return routes
    }
}
