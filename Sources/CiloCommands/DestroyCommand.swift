import ArgumentParser
import CiloCore
import CiloSystem

extension CiloCommand {
    /// `cilo destroy <env>...`: remove everything an environment is.
    struct Destroy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove environments: containers, volumes, network, generated files, workspace and state.")

        @OptionGroup var selection: EnvironmentSelection

        @Flag(help: "Do not ask for confirmation.")
        var force = false

        @Flag(help: "Keep the workspace folder.")
        var keepWorkspace = false

        @Flag(help: "Show what would be removed; remove nothing.")
        var dryRun = false

        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await global.perform { () throws(CiloError) in
                let manager = try projectOptions.manager()
                let names = try await selection.names(manager)
                for name in names where try RemoteRouting.engine(of: name, manager) == nil { _ = try manager.recordOrDamaged(name) }
                if names.isEmpty {
                    print("no environments in project \(manager.project.name)")
                    return
                }
                if dryRun {
                    try await describe(names, manager)
                    return
                }
                if !force {
                    guard HostFacts.isTerminal(0) else {
                        throw CiloError(.invalidArgument, "refusing to destroy without a terminal to confirm on: add --force")
                    }
                    print("destroy \(names.joined(separator: ", ")) of project \(manager.project.name)? [y/N] ", terminator: "")
                    guard let answer = readLine(), answer.lowercased() == "y" || answer.lowercased() == "yes" else {
                        throw CiloError(.cancelled, "nothing destroyed")
                    }
                }
                var local: [String] = []
                for name in names {
                    switch try await manager.placement.destroyRemote(name, force: force) {
                    case .destroyed(let engine):
                        print("destroyed \(manager.project.name)/\(name) on engine \(engine)")
                    case .forgotten(let engine):
                        print("forgot \(manager.project.name)/\(name): engine \(engine) is unreachable; its containers, volumes and workspace may remain there")
                    case nil:
                        local.append(name)
                    }
                }
                // This machine's, side by side; each said as it goes.
                let project = manager.project.name
                let several = local.count > 1
                let failures = try await manager.destroy(local, keepWorkspace: keepWorkspace) { name, failure in
                    if let failure {
                        if several { HostFacts.writeToStandardError("cilo: error: \(name): \(failure.description)\n") }
                    } else {
                        print("destroyed \(project)/\(name)")
                    }
                }
                if !several, let failure = failures.values.first { throw failure }
                if !failures.isEmpty {
                    throw CiloError(.failed, "\(failures.count) of \(local.count) environments could not be destroyed: \(failures.keys.sorted().joined(separator: ", ")) (each said why above)")
                }
                // The last environment gone: the project's shared services go too.
                if selection.all {
                    let removed = try await manager.removeSharedServicesOfEmptyProject()
                    if !removed.isEmpty { print("removed shared \(removed.joined(separator: ", ")) of project \(manager.project.name) (containers, network, volumes)") }
                }
            }
        }

        /// `--dry-run`: what destroying each environment would remove.
        func describe(_ names: [String], _ manager: EnvironmentManager) async throws(CiloError) {
            let objects: [DockerClient.ManagedObject]?
            do throws(CiloError) { objects = try await manager.engine.managedObjects() } catch { objects = nil }
            let cache = WorkspaceDiskCache(home: manager.home)
            for name in names {
                let record = try manager.recordOrDamaged(name)
                let own = objects?.filter { $0.project == record.project && $0.env == record.name }
                let disk = cache.load(project: record.project, env: record.name)
                    .map { " (\(ByteFormatting.iec($0.exclusiveBytes)) exclusive, \(CiloCommand.List.age($0.measuredAt)))" } ?? ""
                print("would destroy \(record.project)/\(record.name):")
                print("  docker     \(own.map { DockerClient.ManagedObject.summary($0) } ?? "unknown: Docker is not reachable")")
                print("  workspace  \(record.workspace)\(disk)\(keepWorkspace ? " (kept: --keep-workspace)" : "")")
                print("  generated  \(manager.home.generatedDirectory(project: record.project, env: record.name).display)")
                print("  record     subnet \(record.subnet) freed")
            }
        }
    }
}
