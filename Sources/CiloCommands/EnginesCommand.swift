import ArgumentParser
import CiloCore
import CiloSystem
import Foundation

extension CiloCommand {
    /// `cilo engines`: the machines running Docker that cilo reaches over ssh.
    struct Engines: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Machines running Docker that cilo reaches over ssh: add, list, remove.",
            subcommands: [Add.self, List.self, Remove.self, Room.self, Receive.self])

        /// `cilo engines add NAME ssh://[user@]host[:port] [--home PATH]`.
        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add an engine: checks it answers (Docker, Compose, same architecture) and puts cilo there.")
            @Argument(help: "Its name (letters, digits, -).") var name: String
            @Argument(help: "ssh://[user@]host[:port]; CILO_SSH overrides the ssh command (identity, options).") var address: String
            @Option(help: "cilo's folder there (default .cilo-engine in the login's home).") var home: String?
            @OptionGroup var global: GlobalOptions

            func run() async throws {
                let facts = try await global.perform { () throws(CiloError) -> RemoteEngine.Facts in
                    let engine = try Engine.parse(name: name, url: address, home: home)
                    let registry = EngineRegistry(home: .fromEnvironment())
                    if try registry.engines().contains(where: { $0.name == engine.name }) {
                        throw CiloError(.alreadyExists, "engine '\(engine.name)' exists (cilo engines remove \(engine.name) first)")
                    }
                    let facts = try await RemoteEngine(engine: engine).prepare()
                    try await registry.add(engine)
                    return facts
                }
                print("added engine \(name) (\(address)): \(facts.architecture), Docker \(facts.docker ?? "?"), Compose \(facts.compose ?? "?")")
            }
        }

        /// `cilo engines list [--json]`.
        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Every engine: reachable or not, Docker and Compose, environments, room (what the project's plan there still fits).")
            @Flag(help: "Print JSON.") var json = false
            @OptionGroup var projectOptions: ProjectOptions
            @OptionGroup var global: GlobalOptions

            struct Entry: Encodable {
                var name: String
                var address: String
                var reachable: Bool
                var error: String?
                var facts: RemoteEngine.Facts?
                var room: EngineRoom?
                var environments: Int
            }

            func run() async throws {
                let entries = try await global.perform { () throws(CiloError) -> [Entry] in
                    let home = CiloHome.fromEnvironment()
                    let project = try? projectOptions.manager().project.name
                    var entries = [Entry(
                        name: Engine.local, address: "-", reachable: true, facts: nil, room: try EngineRoom.measure(home: home, project: project),
                        environments: try StateStore(home: home).allReadable().records.count)]
                    let registry = EngineRegistry(home: home)
                    let placements = try registry.placements()
                    for engine in try registry.engines() {
                        var entry = Entry(name: engine.name, address: engine.url, reachable: false, environments: placements.filter { $0.engine == engine.name }.count)
                        do throws(CiloError) {
                            let remote = RemoteEngine(engine: engine)
                            entry.facts = try await remote.prepare()
                            entry.room = try await remote.room(project: project)
                            entry.reachable = true
                        } catch {
                            entry.error = error.description
                        }
                        entries.append(entry)
                    }
                    return entries
                }
                if json {
                    print(try JSONOutput.encode(entries))
                    return
                }
                var rows = [["ENGINE", "ADDRESS", "STATE", "DOCKER", "COMPOSE", "ENVIRONMENTS", "RUNNING", "MEMORY FREE", "PLAN FITS"]]
                for entry in entries {
                    let room = entry.room
                    rows.append([
                        entry.name, entry.address, entry.reachable ? "reachable" : "unreachable", entry.facts?.docker ?? (entry.name == Engine.local ? "this machine" : "-"),
                        entry.facts?.compose ?? "-", "\(entry.environments)", room.map { "\($0.running)" } ?? "-",
                        room.map { ByteFormatting.iec($0.memoryAvailableBytes) } ?? "-",
                        room.map { room in room.planFits.map { "\($0) more (\(room.planBinding ?? "?") binds)" } ?? "no bench there" } ?? "-",
                    ])
                }
                print(Table.render(rows))
                for entry in entries where !entry.reachable { HostFacts.writeToStandardError("cilo: warning: \(entry.error ?? "engine \(entry.name) is unreachable")\n") }
            }
        }

        /// `cilo engines remove NAME [--force]`.
        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove an engine; refused while it holds environments unless --force.")
            @Argument(help: "The engine.") var name: String
            @Flag(help: "Remove it even while it holds environments (they are forgotten here; they stay there).") var force = false
            @OptionGroup var global: GlobalOptions

            func run() async throws {
                let forgotten = try await global.perform { () throws(CiloError) -> [EngineRegistry.Placement] in
                    let registry = EngineRegistry(home: .fromEnvironment())
                    _ = try registry.engine(name)
                    let held = try registry.placements().filter { $0.engine == name }
                    if !held.isEmpty && !force {
                        throw CiloError(.busy, "engine \(name) holds \(held.map { "\($0.project)/\($0.env)" }.joined(separator: ", ")): destroy them first, or --force forgets them here")
                    }
                    for placement in held { try registry.forget(project: placement.project, env: placement.env) }
                    try await registry.remove(name)
                    return held
                }
                for placement in forgotten {
                    HostFacts.writeToStandardError("cilo: forgot \(placement.project)/\(placement.env): its containers, volumes and workspace may remain on \(name)\n")
                }
                print("removed engine \(name)")
            }
        }

        /// `cilo engines room`: this machine's room, for the cilo that drives it over ssh.
        struct Room: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "This machine's room for environments (used by engines list and --engine auto).", shouldDisplay: false)
            @Option(name: .customLong("for"), help: "The project whose plan counts.") var project: String?
            @Option(name: .customLong("max"), help: "The project's max_environments, as the asking machine reads it.") var maxEnvironments: Int?
            @Flag(help: "Print JSON.") var json = false
            @OptionGroup var global: GlobalOptions

            func run() async throws {
                let room = try await global.perform { () throws(CiloError) in
                    try EngineRoom.measure(home: .fromEnvironment(), project: project, maxEnvironments: maxEnvironments)
                }
                print(try JSONOutput.encode(room))
            }
        }

        /// `cilo engines receive FOLDER`, run by another machine's cilo over ssh: the source's list
        /// on standard input; the folder shaped to it; the files it needs on standard output.
        struct Receive: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Shape a synced source to the list on standard input (used by engines without rsync).", shouldDisplay: false)
            @Argument(help: "The folder (relative to the working directory).") var folder: String
            @OptionGroup var global: GlobalOptions

            func run() async throws {
                let needed = try await global.perform { () throws(CiloError) -> [UInt8] in try await SourceMirror.receive(into: folder) }
                FileHandle.standardOutput.write(Data(needed))
            }
        }
    }
}
