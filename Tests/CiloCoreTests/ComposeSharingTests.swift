@testable import CiloCore
import Foundation
import Testing
import Yams

/// Splitting shared services out of an environment's model, and the shared project's model.
@Suite("Shared services in the compose rewrite")
struct ComposeSharingTests {
    static let project = """
        services:
          db:
            image: postgres
            labels: {dev.cilo.share: "true"}
            networks:
              backend: {aliases: [database]}
          cache:
            image: redis
            labels: ["cilo.share=true"]
          api:
            image: api
            networks: [backend, default]
            links: ["db:pg", "cache"]
            depends_on:
              db: {condition: service_healthy}
              cache: {condition: service_started}
              migrate: {condition: service_completed_successfully}
          migrate:
            image: api
            depends_on: [db]
          web:
            image: web
        networks:
          backend: {}
        """

    private func split(_ yaml: String = Self.project, _ choice: SharingChoice = SharingChoice()) throws -> (ComposeIsolation.Result, [ComposeSharing.Attachment], [String: Any]) {
        let model = try #require(try Yams.compose(yaml: yaml))
        var result = try ComposeIsolation(project: "shop", env: "a1", home: "/h", subnet: Subnet("10.224.7.0/24")).apply(to: model)
        let attachments = try ComposeSharing(choice: choice).split(&result, dockerName: "cilo_shop_a1")
        let output = try #require(try Yams.load(yaml: try Yams.serialize(node: result.model)) as? [String: Any])
        return (result, attachments, output)
    }

    private func service(_ output: [String: Any], _ name: String) -> [String: Any]? {
        (output["services"] as? [String: Any])?[name] as? [String: Any]
    }

    @Test("labelled services leave the model; depends_on and links on them go; their second network becomes one cilo makes")
    func labelled() throws {
        let (result, attachments, output) = try split()
        #expect(attachments.map(\.service.name).sorted() == ["cache", "db"])
        #expect(result.services.map(\.name).sorted() == ["api", "migrate", "web"])
        #expect(service(output, "db") == nil && service(output, "cache") == nil)
        let api = try #require(service(output, "api"))
        #expect((api["depends_on"] as? [String: Any]).map { Array($0.keys) } == ["migrate"], "only the environment's own dependency stays")
        #expect(api["links"] == nil)
        #expect(service(output, "migrate")?["depends_on"] == nil, "an emptied list goes")
        let db = try #require(attachments.first { $0.service.name == "db" })
        #expect(db.networks == [
            .init(name: "cilo_shop_a1", aliases: ["db", "pg"]),
            .init(name: "cilo_shop_a1_backend", aliases: ["db", "database", "pg"]),
        ], "the default network always (its address), the second with its aliases and the link's")
        let backend = try #require((output["networks"] as? [String: Any])?["backend"] as? [String: Any])
        #expect(backend["external"] as? Bool == true && backend["name"] as? String == "cilo_shop_a1_backend")
        #expect(ComposeSharing.madeNetworks(attachments, dockerName: "cilo_shop_a1") == ["cilo_shop_a1_backend"])
    }

    @Test("--isolate keeps a labelled service; --shared shares an unlabelled one; the choice updates by name")
    func choice() throws {
        let (result, attachments, _) = try split(Self.project, SharingChoice(shared: ["web"], isolated: ["db"]))
        #expect(attachments.map(\.service.name).sorted() == ["cache", "web"])
        #expect(result.services.map(\.name).contains("db"))
        let earlier = SharingChoice(shared: ["web"], isolated: ["db"])
        #expect(earlier.updated(with: SharingChoice(shared: ["db"])) == SharingChoice(shared: ["db", "web"], isolated: []))
        #expect(earlier.updated(with: SharingChoice(isolated: ["web"])) == SharingChoice(shared: [], isolated: ["db", "web"]))
    }

    @Test("refused: an unknown name, a shared service with network_mode, a service in a shared one's network or volumes", arguments: [
        (project, SharingChoice(shared: ["nope"]), "--shared nope: the project has no service 'nope'"),
        (project, SharingChoice(isolated: ["gone"]), "--isolate gone: the project has no service 'gone'"),
        ("services:\n  db: {image: p, network_mode: host, labels: {dev.cilo.share: 'true'}}\n", SharingChoice(), "service db cannot be shared: it uses network_mode host"),
        ("services:\n  db: {image: p}\n  side: {image: s, network_mode: 'service:db'}\n", SharingChoice(shared: ["db"]), "service side uses the network of shared service db"),
        ("services:\n  db: {image: p}\n  side: {image: s, volumes_from: ['db:ro']}\n", SharingChoice(shared: ["db"]), "service side mounts the volumes of shared service db"),
    ])
    func refused(yaml: String, choice: SharingChoice, message: String) throws {
        #expect {
            try split(yaml, choice)
        } throws: { error in
            (error as? CiloError)?.description.contains(message) == true
        }
    }

    @Test("the shared project: only the kept services, no profiles, dependencies on unshared services dropped and said, a digest that follows the definition")
    func sharedProject() throws {
        let yaml = """
            services:
              db: {image: postgres, profiles: [data], depends_on: [vault], ports: ["5432:5432"], container_name: pg, environment: {A: "1"}}
              vault: {image: vault}
              api: {image: api}
            """
        func render(_ text: String) throws -> ComposeIsolation.Result {
            var isolation = ComposeIsolation(project: "shop", env: "", dockerName: "cilo_shop__shared", home: "/h")
            isolation.sharedScope = true
            var result = try isolation.apply(to: try #require(try Yams.compose(yaml: text)))
            try ComposeSharing.keepOnly(["db"], in: &result)
            try ComposeSharing.stampDigests(&result)
            return result
        }
        let result = try render(yaml)
        let output = try #require(try Yams.load(yaml: try Yams.serialize(node: result.model)) as? [String: Any])
        let services = try #require(output["services"] as? [String: Any])
        #expect(services.keys.sorted() == ["db"])
        let db = try #require(services["db"] as? [String: Any])
        #expect(db["profiles"] == nil && db["depends_on"] == nil && db["ports"] == nil && db["container_name"] == nil)
        let labels = try #require(db["labels"] as? [String: Any])
        #expect(labels["dev.cilo.shared"] as? String == "true" && labels["dev.cilo.env"] == nil)
        #expect(labels[ComposeSharing.digestLabel] as? String == result.definitionDigests["db"])
        #expect(result.warnings.contains { $0.contains("shared service db depends on vault") })
        #expect(result.warnings.contains { $0.contains("published ports are not published") } && result.warnings.contains { $0.contains("container_name pg dropped") })
        #expect(try render(yaml).definitionDigests == result.definitionDigests, "the same definition, the same digest")
        #expect(try render(yaml.replacingOccurrences(of: "A: \"1\"", with: "A: \"2\"")).definitionDigests != result.definitionDigests)
        #expect {
            var missing = try ComposeIsolation(project: "shop", env: "", home: "/h").apply(to: try #require(try Yams.compose(yaml: yaml)))
            try ComposeSharing.keepOnly(["search"], in: &missing)
        } throws: { error in
            (error as? CiloError)?.description.contains("shared service search is not in the project's compose files") == true
        }
    }
}
