import CiloSystem
import SystemPackage

/// A minimal DNS client for A records, used to check cilo's own server answers exactly.
public enum DNSQuery {
    /// What the server said about a name.
    public enum Answer: Equatable, Sendable {
        case addresses([String])
        case nameError
        case otherError(Int)
        case noAnswer
    }

    /// Asks 127.0.0.1:`port` for the A records of `name`.
    public static func resolve(_ name: String, port: UInt16, timeoutMilliseconds: Int = 500) -> Answer {
        let id = UInt16.random(in: 1...UInt16.max)
        guard let request = query(name, id: id),
            // No answer in time, or none at all, is what the caller asks about: it reads as .noAnswer.
            let response = try? LoopbackUDP.exchange(port: port, request: request, timeoutMilliseconds: timeoutMilliseconds)
        else { return .noAnswer }
        return parse(response, id: id)
    }

    /// `resolve` from async code: the blocking UDP exchange runs on a thread of its own, never
    /// on the cooperative pool.
    public static func ask(_ name: String, port: UInt16, timeoutMilliseconds: Int = 500) async -> Answer {
        await WorkerThreads.offload { () -> Answer in resolve(name, port: port, timeoutMilliseconds: timeoutMilliseconds) }
    }

    /// Asks for several names, one after another on one thread off the cooperative pool; answers in order.
    public static func ask(_ names: [String], port: UInt16, timeoutMilliseconds: Int = 500) async -> [Answer] {
        await WorkerThreads.offload { () -> [Answer] in names.map { resolve($0, port: port, timeoutMilliseconds: timeoutMilliseconds) } }
    }

    /// An A query for `name` with recursion desired; nil for a name DNS cannot carry.
    static func query(_ name: String, id: UInt16) -> [UInt8]? {
        var message: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            let bytes = Array(label.utf8)
            guard !bytes.isEmpty, bytes.count < 64 else { return nil }
            message.append(UInt8(bytes.count))
            message += bytes
        }
        message += [0, 0, 1, 0, 1]
        return message
    }

    /// The A records (or the error) in a response to query `id`.
    static func parse(_ message: [UInt8], id: UInt16) -> Answer {
        guard message.count >= 12, UInt16(message[0]) << 8 | UInt16(message[1]) == id else { return .noAnswer }
        let rcode = Int(message[3] & 0x0F)
        if rcode == 3 { return .nameError }
        if rcode != 0 { return .otherError(rcode) }
        let questions = Int(message[4]) << 8 | Int(message[5])
        let answers = Int(message[6]) << 8 | Int(message[7])
        var offset = 12
        for _ in 0..<questions {
            guard let end = skipName(message, offset), end + 4 <= message.count else { return .noAnswer }
            offset = end + 4
        }
        var addresses: [String] = []
        for _ in 0..<answers {
            guard let end = skipName(message, offset), end + 10 <= message.count else { break }
            let type = Int(message[end]) << 8 | Int(message[end + 1])
            let length = Int(message[end + 8]) << 8 | Int(message[end + 9])
            let data = end + 10
            guard data + length <= message.count else { break }
            if type == 1 && length == 4 {
                addresses.append(message[data..<data + 4].map(String.init).joined(separator: "."))
            }
            offset = data + length
        }
        return addresses.isEmpty ? .noAnswer : .addresses(addresses)
    }

    /// The offset just after a (possibly compressed) name starting at `offset`.
    private static func skipName(_ message: [UInt8], _ start: Int) -> Int? {
        var offset = start
        while offset < message.count {
            let length = Int(message[offset])
            if length == 0 { return offset + 1 }
            if length & 0xC0 == 0xC0 { return offset + 2 }
            offset += length + 1
        }
        return nil
    }
}

