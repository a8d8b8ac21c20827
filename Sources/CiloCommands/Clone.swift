import ArgumentParser
import CiloCore
import CiloSystem

extension CloneStrategy: ExpressibleByArgument {}

extension CiloCommand {
    /// `cilo clone SRC DST`: a copy-on-write clone of a directory tree.
    struct Clone: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Clone a directory tree copy-on-write (btrfs snapshot, reflink, or a faithful copy).",
            discussion: """
                auto: a btrfs snapshot when SRC is a subvolume root on DST's file system, else per-file \
                reflink (FICLONE), falling back per file to copy_file_range and then read/write.
                """)

        @Argument(help: "The directory to clone.")
        var source: String

        @Argument(help: "The new directory (must not exist, or be an empty directory).")
        var destination: String

        @Option(help: "auto, snapshot, reflink, copy-range or copy.")
        var strategy: CloneStrategy = .auto

        @Option(help: "Worker threads (default: usable CPUs).")
        var jobs: Int?

        @Option(help: "Leave out entries whose name (or, with a '/', relative path) matches. Repeatable.")
        var exclude: [String] = []

        @Flag(help: "Print the report as JSON.")
        var json = false

        @Flag(inversion: .prefixedNo, help: "Show a live progress line on stderr (default: when stderr is a terminal).")
        var progress: Bool?

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if let jobs, jobs < 1 || jobs > 1024 {
                throw ValidationError("--jobs must be between 1 and 1024, not \(jobs)")
            }
            if source.isEmpty { throw ValidationError("SRC is empty") }
            if destination.isEmpty { throw ValidationError("DST is empty") }
            if strategy == .overlay {
                throw ValidationError("--strategy overlay is for environments (cilo create --strategy overlay): a clone is a folder of its own")
            }
        }

        func run() throws {
            let options = CloneOptions(strategy: strategy, jobs: jobs, excludePatterns: exclude)
            let interrupt = InterruptHandler { options.cancellation.cancel() }
            defer { interrupt.restore() }
            let progressLine = (progress ?? HostFacts.isTerminal(2)) ? ProgressLine(progress: options.progress) : nil
            let report: CloneReport
            do throws(CiloError) {
                report = try CloneEngine(options: options).clone(source: RawArguments.path(source), destination: RawArguments.path(destination))
                progressLine?.stop()
            } catch {
                progressLine?.stop()
                throw global.report(error)
            }
            print(json ? try JSONOutput.encode(report) : CloneReportText.render(report))
        }
    }
}
