import ArgumentParser
@testable import CiloCommands
import CiloCore
import Testing

@Suite("Command-line parsing")
struct CommandParsingTests {
    @Test("clone takes every documented option")
    func cloneOptions() throws {
        let command = try CiloCommand.parseAsRoot([
            "clone", "--strategy", "copy-range", "--jobs", "3",
            "--exclude", "node_modules", "--exclude", "build/*.o", "--json", "--no-progress", "--", "src dir", "-dst",
        ])
        let clone = try #require(command as? CiloCommand.Clone)
        #expect(clone.source == "src dir")
        #expect(clone.destination == "-dst")
        #expect(clone.strategy == .copyRange)
        #expect(clone.jobs == 3)
        #expect(clone.exclude == ["node_modules", "build/*.o"])
        #expect(clone.json)
        #expect(clone.progress == false)
    }

    @Test("--wait takes an optional number of seconds; a command's own --wait is left alone")
    func waitValue() {
        #expect(OptionalWaitValue.rewrite(["cilo", "up", "a", "--wait"]) == ["cilo", "up", "a", "--wait=forever"])
        #expect(OptionalWaitValue.rewrite(["cilo", "up", "--wait", "30", "a"]) == ["cilo", "up", "--wait", "30", "a"])
        #expect(OptionalWaitValue.rewrite(["cilo", "up", "--wait", "a"]) == ["cilo", "up", "--wait=forever", "a"])
        #expect(OptionalWaitValue.rewrite(["cilo", "run", "--project", "p", "--wait", "sh", "e", "-c", "x --wait"])
            == ["cilo", "run", "--project", "p", "--wait=forever", "sh", "e", "-c", "x --wait"])
        #expect(OptionalWaitValue.rewrite(["cilo", "run", "tool", "e", "--wait", "x"]) == ["cilo", "run", "tool", "e", "--wait", "x"])
        #expect(OptionalWaitValue.rewrite(["cilo", "list", "--wait"]) == ["cilo", "list", "--wait"])
        #expect(OptionalWaitValue.rewrite(["cilo", "run", "--sandbox-network", "none", "--wait", "sh", "e"])
            == ["cilo", "run", "--sandbox-network", "none", "--wait=forever", "sh", "e"])
        #expect(OptionalWaitValue.rewrite(["cilo", "run", "--shared", "db", "--isolate", "cache", "--wait", "sh", "e"])
            == ["cilo", "run", "--shared", "db", "--isolate", "cache", "--wait=forever", "sh", "e"])
    }

    @Test("--shared and --isolate: repeatable or comma-separated, for up, run and bench; a name in both is one clear error")
    func sharing() throws {
        let up = try #require(try CiloCommand.parseAsRoot(["up", "e", "--shared", "db,search", "--shared", "cache", "--isolate", "queue"]) as? CiloCommand.Up)
        #expect(try up.start.sharing.choice() == SharingChoice(shared: ["db", "search", "cache"], isolated: ["queue"]))
        let run = try #require(try CiloCommand.parseAsRoot(["run", "--isolate", "db", "sh", "e"]) as? CiloCommand.Run)
        #expect(try run.start.sharing.choice() == SharingChoice(isolated: ["db"]))
        let bench = try #require(try CiloCommand.parseAsRoot(["bench", "--isolate", "db"]) as? CiloCommand.Bench)
        #expect(try bench.sharing.choice() == SharingChoice(isolated: ["db"]))
        let both = try #require(try CiloCommand.parseAsRoot(["up", "e", "--shared", "db", "--isolate", "x,db"]) as? CiloCommand.Up)
        #expect { try both.start.sharing.choice() } throws: { ($0 as? CiloError)?.description.contains("service db is named by both") == true }
        let empty = try #require(try CiloCommand.parseAsRoot(["up", "e", "--shared", "db,"]) as? CiloCommand.Up)
        #expect { try empty.start.sharing.choice() } throws: { ($0 as? CiloError)?.description.contains("--shared needs a service name") == true }
    }

    @Test("every strategy name parses; overlay is for environments, not cilo clone", arguments: CloneStrategy.allCases)
    func strategies(strategy: CloneStrategy) throws {
        let create = try #require(try CiloCommand.parseAsRoot(["create", "e", "--strategy", strategy.rawValue]) as? CiloCommand.Create)
        #expect(create.strategy == strategy)
        guard strategy != .overlay else {
            #expect(throws: (any Error).self) { try CiloCommand.parseAsRoot(["clone", "a", "b", "--strategy", "overlay"]) }
            return
        }
        let clone = try #require(try CiloCommand.parseAsRoot(["clone", "a", "b", "--strategy", strategy.rawValue]) as? CiloCommand.Clone)
        #expect(clone.strategy == strategy)
    }

    @Test("defaults: auto, usable CPUs, progress when stderr is a terminal")
    func defaults() throws {
        let clone = try #require(try CiloCommand.parseAsRoot(["clone", "a", "b"]) as? CiloCommand.Clone)
        #expect(clone.strategy == .auto)
        #expect(clone.jobs == nil)
        #expect(clone.progress == nil)
        #expect(!clone.json)
    }

    @Test("bad arguments are rejected", arguments: [
        ["clone", "a", "b", "--strategy", "teleport"],
        ["clone", "a", "b", "--jobs", "0"],
        ["clone", "a", "b", "--jobs", "many"],
        ["clone", "a"],
        ["clone", "", "b"],
        ["doctor", "--repair"],
        ["doctor", "shop"],
    ])
    func rejected(arguments: [String]) {
        #expect(throws: (any Error).self) { try CiloCommand.parseAsRoot(arguments) }
    }

    @Test("doctor checks by default and repairs only when asked")
    func doctorFlags() throws {
        let plain = try #require(try CiloCommand.parseAsRoot(["doctor"]) as? CiloCommand.Doctor)
        #expect(!plain.fix && !plain.json)
        let fixing = try #require(try CiloCommand.parseAsRoot(["doctor", "--fix", "--json"]) as? CiloCommand.Doctor)
        #expect(fixing.fix && fixing.json)
    }

    @Test("every subcommand has help")
    func helpForEverySubcommand() {
        for subcommand in CiloCommand.configuration.subcommands {
            let help = subcommand.helpMessage()
            #expect(help.contains("USAGE"), "\(subcommand)")
            #expect(!(subcommand.configuration.abstract.isEmpty))
        }
    }
}
