import ArgumentParser
import CiloCore
import CiloSystem
import Foundation

extension CiloCommand {
    /// `cilo du`: what trees really cost on disk, copy-on-write sharing included.
    struct DiskUsageCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "du",
            abstract: "Show what directory trees really cost on disk: apparent, allocated, exclusive and shared bytes.",
            discussion: """
                Exclusive bytes are extents no other file shares (FIEMAP): what deleting the tree would free. \
                `du` counts every reflinked copy at its full size; the SAVED column is what sharing saves \
                against a full copy. Hard links and nested paths are counted once in the total.
                """)

        @Argument(help: "Directories, files, or environments of the current project (default: the current directory).")
        var paths: [String] = []

        @Flag(help: "Print an array of JSON objects, one per path.")
        var json = false

        @Option(help: "Worker threads (default: usable CPUs).")
        var jobs: Int?

        @Flag(help: "Print sizes as raw byte counts.")
        var bytes = false

        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if let jobs, jobs < 1 || jobs > 1024 {
                throw ValidationError("--jobs must be between 1 and 1024, not \(jobs)")
            }
        }

        /// The environment `name` may name (of the current project, no file of that name here),
        /// with the project's manager; nil when it names a path.
        func environment(_ name: String) -> (manager: EnvironmentManager, env: String)? {
            guard !name.contains("/"), (try? PathOpening.statusIfPresent(RawArguments.path(name).bytes)) == .some(nil),
                let manager = try? projectOptions.manager(), let env = try? NameRules.environmentName(name)
            else { return nil }
            return (manager, env)
        }

        /// The record of `name` when it names an environment of the current project.
        func environmentRecord(_ name: String) -> EnvironmentRecord? {
            environment(name).flatMap { try? $0.manager.record($0.env) }
        }

        func run() throws {
            let targets = paths.isEmpty ? ["."] : paths
            // One environment that lives on another engine: measured there.
            if targets.count == 1, let (manager, env) = environment(targets[0]) {
                do throws(CiloError) {
                    if let remote = try RemoteRouting.engine(of: env, manager) { try RemoteRouting.forward(to: remote, project: manager.project.name) }
                } catch {
                    throw global.report(error)
                }
            }
            let engine = DiskUsage(jobs: jobs)
            var measured: [BytePath] = []
            /// The environments measured, by the range of their parts in `measured`: their figures are kept for `cilo list`.
            var environments: [(parts: Range<Int>, record: EnvironmentRecord)] = []
            var failed = false
            for target in targets {
                if target.isEmpty {
                    _ = global.report(CiloError(.invalidArgument, "an empty path was given"))
                    failed = true
                    continue
                }
                do throws(CiloError) {
                    if let record = environmentRecord(target) {
                        let parts = try DiskUsage.environmentParts(record, home: .fromEnvironment())
                        environments.append((measured.count..<measured.count + parts.count, record))
                        measured += parts
                        continue
                    }
                    _ = try FileSystemInfo.of(RawArguments.path(target), probeReflink: false)
                    measured.append(RawArguments.path(target))
                } catch {
                    var reported = error
                    if error.code == .notFound && !target.contains("/") {
                        reported.message = "no such file, directory or environment"
                        reported.cause = nil
                    }
                    _ = global.report(reported)
                    failed = true
                }
            }
            guard !measured.isEmpty else { throw ExitCode.failure }
            var result: DiskUsage.Measurement
            do throws(CiloError) { result = try engine.measure(measured) } catch { throw global.report(error) }
            // An environment's parts (workspace, volumes, checkpoints) are one report.
            let cache = WorkspaceDiskCache(home: .fromEnvironment())
            for (parts, record) in environments.reversed() {
                let whole = DiskUsage.environmentReport(record, home: cache.home, parts: result.reports[parts])
                cache.keep(whole, project: record.project, env: record.name)
                result.reports.replaceSubrange(parts, with: [whole])
            }
            if json {
                print(try JSONOutput.encode(result.reports))
            } else {
                print(DiskUsageText.render(result, rawBytes: bytes))
            }
            for report in result.reports {
                for entry in report.unreadable {
                    HostFacts.writeToStandardError("cilo: warning: could not read \(entry)\n")
                }
            }
            if failed || result.reports.contains(where: { !$0.unreadable.isEmpty }) {
                throw ExitCode.failure
            }
        }
    }
}
