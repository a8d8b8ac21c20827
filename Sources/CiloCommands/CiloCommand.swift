import ArgumentParser
import CiloCore

/// The root `cilo` command: isolated copies of a Docker Compose project for parallel agents.
public struct CiloCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cilo",
        abstract: "Give every parallel agent or CI shard its own isolated copy of a Docker Compose project.",
        version: "0.1.0",
        subcommands: [
            Create.self, Fork.self, CheckpointCommand.self, Checkpoints.self, Restore.self, Reset.self, Up.self, Down.self, Destroy.self, List.self, Status.self, Path.self,
            Run.self, Logs.self, Exec.self, Compose.self, Stats.self, Bench.self, Init.self, DNS.self, Hostnames.self, Doctor.self,
            Diff.self, Merge.self, Prune.self, Clone.self, DiskUsageCommand.self, Subvolume.self, Setup.self, Engines.self, File.self, MCP.self, UI.self,
        ]
    )

    public init() {}
}
