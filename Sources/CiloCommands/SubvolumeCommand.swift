import ArgumentParser
import CiloCore

extension CiloCommand {
    /// `cilo subvolume [PATH] [--delete-old]`.
    struct Subvolume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a project folder on btrfs a subvolume, so every environment of it is an instant snapshot.",
            discussion: """
                The contents are cloned (reflinks: no data is copied) into a new subvolume beside the \
                folder, and the two are swapped in one atomic rename: the path never goes missing. Run it \
                while nothing writes to the folder. The old folder is kept beside it as .<name>.cilo-old \
                (it shares all its data with the new one) unless --delete-old. Shells and editors inside \
                the folder still see the old one until they re-open it (cd .).
                """)

        @Argument(help: "The folder (default: the project's root).")
        var path: String?

        @Flag(help: "Delete the old folder once the subvolume has taken its place.")
        var deleteOld = false

        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await global.perform { () throws(CiloError) in
                let folder: BytePath
                if let path { folder = RawArguments.path(path) } else { folder = BytePath(try projectOptions.manager().project.root) }
                let conversion = SubvolumeConversion(deleteOld: deleteOld)
                let result = try await InterruptHandler.cancelling(conversion.cancellation) { () throws(CiloError) in
                    try await conversion.convert(folder)
                }
                if result.alreadySubvolume {
                    print("\(folder.display) already is a btrfs subvolume: environments of it are snapshots")
                    return
                }
                let files = result.clone?.files.map { "\(ByteFormatting.grouped($0)) files" } ?? "contents"
                let seconds = result.clone.map { ByteFormatting.duration($0.seconds) } ?? "-"
                print("\(folder.display) is now a btrfs subvolume (\(files) reflinked in \(seconds)): environments of it are snapshots")
                if let kept = result.keptOldFolder {
                    print("the old folder is kept at \(kept) (it shares its data with the new one): delete it once nothing uses it")
                }
            }
        }
    }
}
