import CiloSystem
import SystemPackage
import Foundation

/// `cilo doctor`: checks the tools cilo needs, its home, its state against Docker and
/// disk, leftovers no environment owns, and its DNS server; `--fix` repairs what can be
/// repaired without a person deciding (see `DoctorFix`).
///
/// It looks at every project of one cilo home and never throws: whatever cannot be
/// checked is itself a finding.
public struct Doctor: Sendable {
    public let home: CiloHome
    let store: StateStore
    /// The container engine, seen as this home's objects only.
    let engine: any ContainerEngine

    public init(home: CiloHome = .fromEnvironment()) {
        self.init(home: home, engine: DockerClient(home: home.root.display))
    }

    public init(home: CiloHome, engine: any ContainerEngine) {
        self.home = home
        self.store = StateStore(home: home)
        self.engine = engine
    }

    /// The capabilities of the project `record` belongs to, known by its name and source folder.
    func context(of record: EnvironmentRecord) -> EnvironmentContext {
        EnvironmentContext(project: Project(name: record.project, root: record.source, composeFiles: []), home: home, engine: engine)
    }

    /// Runs every check, most basic first.
    public func examine() async -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        let engineAnswers = await checkEngine(&findings)
        await checkCompose(&findings)
        checkHome(&findings)

        var records: [EnvironmentRecord] = []
        var damaged: [EnvironmentKey] = []
        do throws(CiloError) {
            let readable = try store.allReadable()
            records = readable.records
            damaged = readable.damaged
            for key in readable.damaged {
                // Its workspace, volumes and images may hold work: left alone, never "orphans".
                findings.append(DoctorFinding(
                    .problem, "state", key.description,
                    "its state file cannot be read: its workspace and Docker objects are left alone "
                        + "(restore the file, or cilo destroy \(key.env) --project \(key.project) removes them)"))
            }
        } catch {
            findings.append(DoctorFinding(.problem, "state", home.root.display, error.description))
        }

        var containers: [DockerClient.Container]?
        var objects: [DockerClient.ManagedObject]?
        if engineAnswers {
            do throws(CiloError) {
                containers = try MemoryKills.annotate(try await engine.managedContainers())
                objects = try await engine.managedObjects()
            } catch {
                findings.append(DoctorFinding(.problem, "docker", "objects", "cannot list cilo's containers: \(error.description)"))
            }
        }
        findings += checkSources(records)
        let keys = Set(records.map { EnvironmentKey(project: $0.project, env: $0.name) })
        let missing = Set(records.filter { record in
            do throws(Errno) { return try PathOpening.statusIfPresent(BytePath(record.workspace).bytes) == nil } catch {
                return false  // there but unreadable: not missing (the disk check names what it cannot read)
            }
        }.map { EnvironmentKey(project: $0.project, env: $0.name) })
        let busyKeys = busy(keys)
        findings += DoctorAnalysis.environments(records, containers: containers, missingWorkspaces: missing, busy: busyKeys)
        findings += checkOverlays(records, damaged: damaged, busy: busyKeys)
        findings += checkFrozen() + checkLeftoverCopies()
        findings.append(checkSandbox())
        do throws(CiloError) {
            findings += DoctorAnalysis.orphans(
                records: keys.union(damaged), objects: objects ?? [], home: home.root.display,
                workspaces: try store.folders(in: "envs"), generated: try store.folders(in: "generated"))
        } catch {
            findings.append(DoctorFinding(.problem, "orphan", home.root.display, error.description))
        }
        if engineAnswers { findings += await checkShared(records) }
        findings += await checkDisk(records, objects: objects)
        findings += checkTrash()
        findings += await checkNames(records.map { record in
            containers.map { record.reconciled(with: $0) } ?? record
        })
        return findings
    }

    /// The environments whose lock another cilo holds now.
    private func busy(_ keys: Set<EnvironmentKey>) -> Set<EnvironmentKey> {
        keys.filter { !isIdle($0.project, $0.env) }
    }

    private func checkEngine(_ findings: inout [DoctorFinding]) async -> Bool {
        do throws(CiloError) {
            let version = try await engine.engineVersion()
            findings.append(DoctorFinding(.ok, "docker", "engine", "Docker \(version) answers"))
            return true
        } catch {
            findings.append(DoctorFinding(.problem, "docker", "engine", error.description))
            return false
        }
    }

    private func checkCompose(_ findings: inout [DoctorFinding]) async {
        do throws(CiloError) {
            let tool = try await ComposeTool.detect(override: HostFacts.environment("CILO_COMPOSE"))
            let command = ([tool.executable] + tool.prefix).joined(separator: " ")
            let answer = try await ToolRunner.run(tool.executable, tool.prefix + ["version", "--short"])
            let version = answer.succeeded ? answer.output.trimmingCharacters(in: .whitespacesAndNewlines) : "(version unknown: \(answer.tail(1)))"
            findings.append(DoctorFinding(.ok, "compose", command, "Compose \(version)"))
        } catch {
            findings.append(DoctorFinding(.problem, "compose", "compose", error.description))
        }
    }

    /// Project folders on btrfs that are not subvolumes, on the home's file system: each of
    /// their environments is a per-file clone where it could be an instant snapshot.
    private func checkSources(_ records: [EnvironmentRecord]) -> [DoctorFinding] {
        // An advice only: a home whose file system cannot be read is named by checkHome.
        guard let homeInfo = try? FileSystemInfo.of(home.root, probeReflink: false), homeInfo.type == "btrfs" else { return [] }
        var findings: [DoctorFinding] = []
        for source in Set(records.map(\.source)).sorted() {
            // A source that cannot be opened now has nothing to advise (its environments stand alone).
            guard let folder = try? PathOpening.openDirectory(BytePath(source).bytes) else { continue }
            defer { folder.closeIgnoringErrors() }
            // An advice only: when it cannot be told, none is given.
            guard (try? FileSystemInfo.sameFileSystem(BytePath(source), home.root)) == true,
                !BtrfsSubvolume.isKnownSubvolumeRoot(folder)
            else { continue }
            findings.append(DoctorFinding(
                .warning, "clone", source,
                "not a btrfs subvolume: each environment of it is a per-file clone; cilo subvolume \(source) makes them instant snapshots"))
        }
        return findings
    }

    /// Where workspaces go: whether clones there can share extents, and the room left.
    private func checkHome(_ findings: inout [DoctorFinding]) {
        var path = home.root
        let info: FileSystemInfo
        do throws(CiloError) {
            // The home may not exist yet: its nearest existing folder tells where it will be.
            do throws(Errno) {
                while try PathOpening.statusIfPresent(path.bytes) == nil, let parent = path.parentAndName?.parent { path = parent }
            } catch {
                throw .system(error, "cannot read", path: path.display)
            }
            info = try FileSystemInfo.of(path)
        } catch {
            findings.append(DoctorFinding(.problem, "home", home.root.display, "cannot read its file system: \(error.description)"))
            return
        }
        let room = "\(ByteFormatting.iec(Int(info.availableBytes))) available"
        if info.readOnly {
            findings.append(DoctorFinding(.problem, "home", home.root.display, "\(info.type) is mounted read-only"))
        } else if info.reflink != true && Workspaces.overlayUnavailableReason(home: home) == nil {
            findings.append(DoctorFinding(
                .ok, "home", home.root.display,
                "\(info.type) cannot share extents, but environments are overlays of one shared base per project state "
                    + "(a clone, with workspace: clone, is a full copy); \(room)"))
        } else if info.reflink == true {
            findings.append(DoctorFinding(.ok, "home", home.root.display, "\(info.type) shares extents: workspaces are copy-on-write clones; \(room)"))
        } else {
            findings.append(DoctorFinding(
                .warning, "home", home.root.display,
                "\(info.type) cannot share extents: every workspace is a full copy (put CILO_HOME on btrfs or XFS with reflink=1); \(room)"))
        }
        // How fork and checkpoints copy an environment's volumes here (`EnvironmentVolumes`).
        let volumes = info.type == "btrfs"
            ? "a btrfs subvolume each: fork and checkpoints snapshot them in constant time"
            : info.reflink == true
                ? "fork and checkpoints copy them by reflinks, sharing every extent"
                : "fork and checkpoints copy every byte of them (btrfs or XFS with reflink=1 would share extents), and no initial checkpoint is kept for cilo reset"
        findings.append(DoctorFinding(.ok, "volumes", home.root.display, "named volumes live in the home: " + volumes))
    }

    /// Folders destroys moved aside while something still wrote into them.
    func checkTrash() -> [DoctorFinding] {
        do throws(Errno) {
            let names = try home.trashed()
            guard !names.isEmpty else { return [] }
            return [DoctorFinding(
                .warning, "trash", home.trash.display,
                "\(names.count) folder\(names.count == 1 ? "" : "s") of destroyed environments, moved aside while still written to",
                fix: .emptyTrash)]
        } catch {
            return [DoctorFinding(.problem, "trash", home.trash.display, "cannot read cilo's trash: \(error)")]
        }
    }
}
