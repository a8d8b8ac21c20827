@testable import CiloCore
import Testing

@Suite("doctor: judging records and leftovers")
struct DoctorAnalysisTests {
    private func record(_ env: String, _ status: EnvironmentRecord.Status, project: String = "shop") -> EnvironmentRecord {
        var record = EnvironmentRecord(
            project: project, name: env, subnet: "10.224.0.0/24", workspace: "/w/\(env)", source: "/s", composeFile: "/c",
            composeSources: [], createdAt: "", status: status,
            services: [ServiceRecord(name: "web", ip: nil, ports: [], status: ""), ServiceRecord(name: "db", ip: nil, ports: [], status: "")],
            cloneStrategy: .reflink, lastError: nil)
        record.ingressService = "web"
        return record
    }

    private func container(_ env: String, _ service: String, _ state: String) -> DockerClient.Container {
        DockerClient.Container(id: env + service, project: "shop", env: env, service: service, state: state, health: nil)
    }

    private func key(_ env: String, project: String = "shop") -> EnvironmentKey { EnvironmentKey(project: project, env: env) }

    @Test("interrupted creates, vanished containers, missing workspaces and stopped services are found; busy ones are not judged")
    func environments() {
        let records = [record("a", .creating), record("b", .running), record("c", .running), record("d", .running),
                       record("e", .created), record("f", .creating)]
        let containers = [container("c", "web", "running"), container("c", "db", "running"),
                          container("d", "web", "running"), container("d", "db", "exited")]
        let findings = DoctorAnalysis.environments(
            records, containers: containers, missingWorkspaces: [key("e")], busy: [key("f")])
        func about(_ env: String) -> [DoctorFinding] { findings.filter { $0.subject == "shop/\(env)" } }

        #expect(about("a").map(\.fix) == [.finishInterrupted(project: "shop", env: "a")])
        #expect(about("a").first?.severity == .problem)
        #expect(about("b").map(\.fix) == [.recordStatus(project: "shop", env: "b", status: .stopped)], "recorded running, no containers")
        #expect(about("c").isEmpty, "consistent: counted among the healthy")
        #expect(about("d").contains { $0.fix == .recordStatus(project: "shop", env: "d", status: .partial) })
        #expect(about("d").contains { $0.message.contains("db (exited)") })
        #expect(about("e").count == 1 && about("e").first?.severity == .problem && about("e").first?.fix == nil,
                "a missing workspace is for a person to decide")
        #expect(about("f").map(\.severity) == [.ok], "another cilo holds its lock")
        #expect(findings.contains { $0.severity == .ok && $0.subject == "1 of 6" })
    }

    @Test("a finished one-shot job and a shared service another environment runs are not 'services not running'")
    func finishedJobsAndSharedServices() {
        var job = record("g", .running)
        job.services = [ServiceRecord(name: "web", ip: nil, ports: [], status: ""), ServiceRecord(name: "migrate", ip: nil, ports: [], status: "", completes: true)]
        var db = ServiceRecord(name: "db", ip: nil, ports: [], status: "")
        db.shared = true
        job.services.append(db)
        var finished = container("g", "migrate", "exited")
        finished.exitedCleanly = true
        var shared = DockerClient.Container(id: "shareddb", project: "shop", env: "", service: "db", state: "running", health: nil)
        shared.shared = true
        let findings = DoctorAnalysis.environments(
            [job], containers: [container("g", "web", "running"), finished, shared], missingWorkspaces: [], busy: [])
        #expect(!findings.contains { $0.subject == "shop/g" }, "\(findings.map(\.message))")
    }

    @Test("without Docker, only what disk and records say is judged")
    func withoutDocker() {
        let findings = DoctorAnalysis.environments([record("b", .running)], containers: nil, missingWorkspaces: [], busy: [])
        #expect(findings.allSatisfy { $0.severity == .ok })
    }

    @Test("leftovers: this home's objects are removed, another home's ignored, unlabelled ones and workspaces only reported")
    func orphans() {
        let home = "/root/.cilo"
        let objects: [DockerClient.ManagedObject] = [
            .init(kind: .container, name: "c1", project: "shop", env: "gone", home: home),
            .init(kind: .network, name: "n1", project: "shop", env: "gone", home: home),
            .init(kind: .volume, name: "v1", project: "shop", env: "gone", home: home),
            .init(kind: .volume, name: "v2", project: "shop", env: "gone", home: home),
            .init(kind: .container, name: "c2", project: "shop", env: "alive", home: home),
            .init(kind: .container, name: "c3", project: "shop", env: "theirs", home: "/home/ann/.cilo"),
            .init(kind: .network, name: "n2", project: "old", env: "x", home: nil),
            .init(kind: .container, name: "db", project: "shop", env: "", home: home, shared: true),
            .init(kind: .volume, name: "dbdata", project: "shop", env: "", home: home, shared: true),
        ]
        let findings = DoctorAnalysis.orphans(
            records: [key("alive")], objects: objects, home: home,
            workspaces: [key("alive"), key("stray")], generated: [key("gen-only")])
        #expect(findings.count == 4)
        #expect(findings.contains {
            $0.subject == "shop/gone" && $0.severity == .problem && $0.message.hasPrefix("1 container, 1 network, 2 volumes")
                && $0.fix == .removeDockerObjects(project: "shop", env: "gone")
        })
        #expect(findings.contains { $0.subject == "old/x" && $0.severity == .warning && $0.fix == nil })
        #expect(findings.contains { $0.subject == "shop/stray" && $0.severity == .warning && $0.fix == nil },
                "a workspace without a record may hold unsaved work: reported, never deleted")
        #expect(findings.contains { $0.subject == "shop/gen-only" && $0.fix == .removeGenerated(project: "shop", env: "gen-only") })
        #expect(!findings.contains { $0.subject == "shop/theirs" || $0.subject == "shop/alive" })
        #expect(!findings.contains { $0.subject.hasPrefix("shop/") && $0.subject.hasSuffix("/") }, "shared services' objects are no environment's leftovers")
    }
}
