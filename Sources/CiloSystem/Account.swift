#if canImport(Glibc)
import Glibc
#endif

/// A user account of this host, as `getpwnam` and `getgrgid` know it.
public struct Account: Sendable, Equatable {
    public var name: String
    public var userID: UInt32
    public var groupID: UInt32
    /// The name of the primary group.
    public var groupName: String

    /// The account called `name`, nil when the host has none.
    ///
    /// The corresponding C functions are `getpwnam_r` and `getgrgid_r`.
    public static func named(_ name: String) -> Account? {
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwnam_r(name, &entry, &buffer, buffer.count, &found) == 0, found != nil else { return nil }
        let userID = entry.pw_uid
        let groupID = entry.pw_gid
        var group = Glibc.group()
        var groupFound: UnsafeMutablePointer<Glibc.group>?
        var groupBuffer = [CChar](repeating: 0, count: 4096)
        guard getgrgid_r(groupID, &group, &groupBuffer, groupBuffer.count, &groupFound) == 0, groupFound != nil,
            let groupName = group.gr_name.map({ String(cString: $0) })
        else { return nil }
        return Account(name: name, userID: userID, groupID: groupID, groupName: groupName)
    }
}
