import Foundation
import TestSupport
import Testing
import Yams

/// Docker does not run on the development machines, so these tests check what can be
/// checked of docker-compose.yml without an engine.
@Suite struct ComposeFileTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private func compose() throws -> [String: Any] {
        let text = try String(contentsOf: Self.repo.appendingPathComponent("docker-compose.yml"), encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    private func services() throws -> [String: [String: Any]] {
        let services = try #require(try compose()["services"] as? [String: Any])
        return try services.mapValues { try #require($0 as? [String: Any]) }
    }

    @Test func theInfrastructureIsThere() throws {
        let services = try services()
        #expect(services["rabbitmq"] != nil)
        #expect(services["postgres"] != nil)
        let rabbitImage = try #require(services["rabbitmq"]?["image"] as? String)
        #expect(rabbitImage.hasSuffix("-management"), "RabbitMQ runs with the management plugin")
    }

    /// The analysts' replica: the primary's image, a base backup through the slot on first
    /// start (its scripts mounted, executable and valid bash), the replication role and slot
    /// made by the primary's init.
    @Test func theReplicaStreamsFromThePrimaryWithItsOwnRole() throws {
        let services = try services()
        let replica = try #require(services["postgres-replica"])
        let primary = try #require(services["postgres"])
        #expect(replica["image"] as? String == primary["image"] as? String)
        let depends = replica["depends_on"] as? [String: Any]
        #expect(depends?["postgres"] != nil)
        let mounts = (replica["volumes"] as? [String] ?? []) + (primary["volumes"] as? [String] ?? [])
        for script in ["deploy/postgres/replica-entrypoint.sh", "deploy/postgres/replication.sh"] {
            let mounted = mounts.contains { $0.hasPrefix("./" + script + ":") }
            #expect(mounted, "\(script) is mounted")
            let path = Self.repo.appendingPathComponent(script).path
            #expect(FileManager.default.isExecutableFile(atPath: path), "\(script) is executable")
            let check = try runProgram("/bin/bash", ["-n", path])
            #expect(check.status == 0, "\(script) is valid bash: \(check.output)")
        }
        let command = (primary["command"] as? [String] ?? []).joined(separator: " ")
        #expect(command.contains("wal_level=replica") && command.contains("max_replication_slots"))
        let setup = try String(contentsOf: Self.repo.appendingPathComponent("deploy/postgres/replication.sh"), encoding: .utf8)
        #expect(setup.contains("REPLICATION PASSWORD") && setup.contains("pg_create_physical_replication_slot('erp_replica')"))
        let entry = try String(contentsOf: Self.repo.appendingPathComponent("deploy/postgres/replica-entrypoint.sh"), encoding: .utf8)
        #expect(entry.contains("pg_basebackup") && entry.contains("-S erp_replica") && entry.contains(" -R "))
    }

    @Test func everyServiceHasAHealthCheckAndARestartPolicy() throws {
        for (name, service) in try services() {
            let healthcheck = service["healthcheck"] as? [String: Any]
            #expect(healthcheck?["test"] != nil, "\(name) has no health check")
            let restart = service["restart"] as? String
            #expect(["always", "unless-stopped", "on-failure"].contains(restart ?? ""), "\(name) has no restart policy")
        }
    }

    @Test func everyDependencyNamesAServiceThatExists() throws {
        let services = try services()
        for (name, service) in services {
            let dependencies: [String]
            switch service["depends_on"] {
            case let list as [String]: dependencies = list
            case let map as [String: Any]: dependencies = Array(map.keys)
            case nil: dependencies = []
            default:
                Issue.record("\(name): depends_on is neither a list nor a map")
                continue
            }
            for dependency in dependencies {
                #expect(services[dependency] != nil, "\(name) depends on unknown service \(dependency)")
            }
        }
    }

    @Test func everyImageIsPinnedToAVersion() throws {
        for (name, service) in try services() {
            guard let image = service["image"] as? String else {
                #expect(service["build"] != nil, "\(name) has neither an image nor a build")
                continue
            }
            let tag = image.split(separator: "/").last.flatMap { $0.split(separator: ":", maxSplits: 1).dropFirst().first }
            #expect(tag != nil, "\(name): image \(image) has no tag")
            #expect(tag != "latest", "\(name): image \(image) is not pinned")
            #expect(tag?.contains(where: \.isNumber) == true, "\(name): image \(image) is not pinned to a version")
        }
    }

    @Test func everyNamedVolumeIsDeclared() throws {
        let declared = Set(((try compose()["volumes"] as? [String: Any]) ?? [:]).keys)
        for (name, service) in try services() {
            for volume in (service["volumes"] as? [String]) ?? [] {
                let source = String(volume.split(separator: ":").first ?? "")
                guard !source.hasPrefix("."), !source.hasPrefix("/") else { continue }
                #expect(declared.contains(source), "\(name) uses undeclared volume \(source)")
            }
        }
    }
}
