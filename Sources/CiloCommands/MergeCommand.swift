import ArgumentParser
import CiloCore

extension CiloCommand {
    /// `cilo merge <env>`: the agent's work as a branch of the source repository.
    struct Merge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make branch cilo/<env> in the source repository: the agent's commits, then one commit of its uncommitted work.",
            discussion: "The source's HEAD, index and working tree are not touched. Run again, it updates the branch.")

        @Argument(help: "The environment name.")
        var env: String

        @Option(help: "The branch to make or update (default cilo/<env>).")
        var branch: String?

        @Option(help: "The message of the commit holding uncommitted work.")
        var message: String?

        @Flag(help: "Apply the changes to the source's working tree instead (a path the source changed too refuses it all).")
        var apply = false

        @Flag(name: .customLong("3way"), help: "With --apply: write conflict markers where the source changed a path too, as git does.")
        var threeWay = false

        @Flag(help: "Print JSON: the branch, commit, previous commit and counts (with --apply: the paths applied and conflicted).")
        var json = false

        @OptionGroup var projectOptions: ProjectOptions
        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if threeWay && !apply { throw ValidationError("--3way goes with --apply") }
            if apply && (branch != nil || message != nil) { throw ValidationError("--apply writes no branch: drop --branch and --message") }
        }

        func run() async throws {
            if apply {
                let outcome = try await global.perform { () throws(CiloError) in
                    let manager = try projectOptions.manager()
                    let name = try NameRules.environmentName(env)
                    if let remote = try RemoteRouting.engine(of: name, manager) {
                        return try await RemoteEngine(engine: remote).apply(name, project: manager.project, home: manager.home, threeWay: threeWay)
                    }
                    return try await InterruptHandler.cancelling(manager.cancellation) { () throws(CiloError) in
                        try await manager.changes.apply(name, threeWay: threeWay)
                    }
                }
                if json {
                    print(try JSONOutput.encode(outcome))
                } else {
                    print("applied \(outcome.applied.count) changed path\(outcome.applied.count == 1 ? "" : "s") to the source's working tree")
                    if !outcome.conflicted.isEmpty { print("conflict markers in: \(outcome.conflicted.joined(separator: ", "))") }
                }
                if !outcome.conflicted.isEmpty { throw ExitCode.failure }
                return
            }
            let remoteMerge = try await global.perform { () throws(CiloError) -> (branch: String, said: String, engine: String)? in
                let manager = try projectOptions.manager()
                let name = try NameRules.environmentName(env)
                guard let remote = try RemoteRouting.engine(of: name, manager) else { return nil }
                let merged = try await RemoteEngine(engine: remote).merge(name, project: manager.project, branch: branch, message: message)
                return (merged.branch, merged.said, remote.name)
            }
            if let remoteMerge {
                if json {
                    print(try JSONOutput.encode(RemoteMergeOutput(branch: remoteMerge.branch, engine: remoteMerge.engine, said: remoteMerge.said)))
                    return
                }
                print("\(remoteMerge.said) (on engine \(remoteMerge.engine)); fetched into this source as \(remoteMerge.branch)")
                return
            }
            let outcome = try await global.perform { () throws(CiloError) in
                let manager = try projectOptions.manager()
                let name = try NameRules.environmentName(env)
                return try await InterruptHandler.cancelling(manager.cancellation) { () throws(CiloError) in
                    try await manager.changes.merge(name, branch: branch, message: message)
                }
            }
            if json {
                print(try JSONOutput.encode(outcome))
                return
            }
            let verb = outcome.previous == nil ? "made" : outcome.previous == outcome.commit ? "kept" : "updated"
            let uncommitted = outcome.committedUncommitted ? ", then one commit of uncommitted work" : ""
            print("\(verb) branch \(outcome.branch) at \(outcome.commit.prefix(12)): \(outcome.agentCommits) commit\(outcome.agentCommits == 1 ? "" : "s") of the agent's\(uncommitted)")
        }
    }

    /// `cilo merge --json` of an environment on another engine: the branch fetched here.
    struct RemoteMergeOutput: Encodable {
        var branch: String
        var engine: String
        var said: String
    }
}
