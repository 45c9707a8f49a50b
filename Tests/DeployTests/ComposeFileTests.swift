import Foundation
import TestSupport
import Testing
import Yams

/// What docker-compose.yml promises an operator, checked on the file itself (the stack is
/// brought up for real by deploy/compose/test.sh and ComposeStackTests).
@Suite struct ComposeFileTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private func compose() throws -> [String: Any] {
        let text = try String(contentsOf: Self.repo.appendingPathComponent("docker-compose.yml"), encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    /// The services, with YAML merge keys (`<<: *service`) applied and an image given by a
    /// variable (`${ERP_POSTGRES_IMAGE:-postgres:15.15-bookworm}`) read as its default.
    private func services() throws -> [String: [String: Any]] {
        let services = try #require(try compose()["services"] as? [String: Any])
        return try services.mapValues { value in
            var service = try #require(value as? [String: Any])
            if let base = service.removeValue(forKey: "<<") as? [String: Any] {
                service = base.merging(service) { $1 }
            }
            if let image = service["image"] as? String, let match = image.wholeMatch(of: /\$\{ERP_[A-Z_]+_IMAGE:-([^}]+)\}/) {
                service["image"] = String(match.1)
            }
            return service
        }
    }

    /// The jobs that run once, before the services: the broker's users, then the migrations.
    static let oneShotJobs: Set<String> = ["broker-definitions", "migrate"]

    /// The services that run the ERP's own image (the one-shot jobs and every service).
    private func erpServices() throws -> [String: [String: Any]] {
        try services().filter { ($0.value["image"] as? String)?.hasPrefix("erp/services:") == true }
    }

    @Test func publishedPortsBindTheLoopbackUnlessTheOperatorChoosesAnAddress() throws {
        for (name, service) in try services() {
            for port in (service["ports"] as? [String]) ?? [] {
                #expect(port.hasPrefix("${ERP_PUBLISH_ADDRESS:-127.0.0.1}:"), "\(name) publishes \(port) beyond ERP_PUBLISH_ADDRESS")
            }
        }
        let erp = try erpServices()
        for (name, service) in erp {
            #expect(service["ports"] == nil, "\(name)'s health and metrics port stays inside the stack")
        }
    }

    /// Every password is a required variable: no default, nothing written in the file.
    @Test func noPasswordIsWrittenInTheFileAndAMissingOneStopsTheStackWithItsName() throws {
        let text = try String(contentsOf: Self.repo.appendingPathComponent("docker-compose.yml"), encoding: .utf8)
        #expect(!text.contains("PASSWORD:-") && !text.contains("PASS:-"), "no default password")
        for (name, service) in try services() {
            for (key, value) in (service["environment"] as? [String: Any]) ?? [:] {
                let text = "\(value)"
                if key.contains("PASS") {
                    let required = text.hasPrefix("${") && text.contains(":?set ") && text.hasSuffix("}")
                    #expect(required, "\(name): \(key) is \(text), not a required variable")
                }
                if key.hasSuffix("_URL") {
                    // user@host only: the password travels apart, unescaped.
                    let plain = text.replacing(/\$\{[^}]*\}/, with: "VARIABLE")
                    let userInfo = plain.contains("@") ? plain.split(separator: "@").first.map { $0.split(separator: "/").last ?? "" } ?? "" : ""
                    #expect(!userInfo.contains(":"), "\(name): \(key) carries a password")
                }
            }
        }
    }

    @Test func oneJobBuildsTheImageEveryOtherServiceRunsItWithoutPulling() throws {
        let erp = try erpServices()
        let builders = erp.filter { $0.value["build"] != nil }
        #expect(Array(builders.keys) == ["migrate"])
        #expect(builders["migrate"]?["pull_policy"] as? String == "build")
        let images = Set(erp.values.compactMap { $0["image"] as? String })
        #expect(images.count == 1, "one image: \(images)")
        for (name, service) in erp where name != "migrate" {
            #expect(service["pull_policy"] as? String == "never", "\(name) would pull erp/services from a registry")
        }
        #expect(try services()["sample"] == nil, "the demo sample service is not deployed")
    }

    /// The broker starts with its users from the definitions job; each service connects as
    /// its own user, never as the administrator.
    @Test func theBrokerLoadsItsUsersAndEachServiceConnectsAsItsOwn() throws {
        let services = try services()
        let broker = try #require(services["rabbitmq"])
        let dependencies = broker["depends_on"] as? [String: [String: String]]
        #expect(dependencies?["broker-definitions"]?["condition"] == "service_completed_successfully")
        #expect((broker["volumes"] as? [String])?.contains("./deploy/rabbitmq/erp.conf:/etc/rabbitmq/conf.d/90-erp.conf:ro") == true)
        let config = try String(contentsOf: Self.repo.appendingPathComponent("deploy/rabbitmq/erp.conf"), encoding: .utf8)
        #expect(config.contains("load_definitions = /etc/rabbitmq/definitions/definitions.json"))
        let job = try #require(services["broker-definitions"])
        #expect((job["command"] as? [String])?.starts(with: ["erpctl", "broker", "definitions"]) == true)
        for (name, service) in try erpServices() where !Self.oneShotJobs.contains(name) {
            let url = ((service["environment"] as? [String: Any])?["ERP_AMQP_URL"] as? String) ?? ""
            #expect(url.hasPrefix("amqp://erp-\(name)@rabbitmq:"), "\(name) connects as \(url)")
        }
    }

    @Test func everyServiceWaitsForTheMigrationsAndTheTopology() throws {
        let erp = try erpServices()
        let job = try #require(erp["migrate"])
        #expect((job["command"] as? [String])?.joined(separator: " ").contains("erpctl migrate && erpctl topology declare") == true)
        #expect(job["restart"] as? String == "no")
        let jobDependencies = job["depends_on"] as? [String: [String: String]]
        #expect(jobDependencies?["postgres"]?["condition"] == "service_healthy")
        #expect(jobDependencies?["rabbitmq"]?["condition"] == "service_healthy")
        for (name, service) in erp where !Self.oneShotJobs.contains(name) {
            let dependencies = service["depends_on"] as? [String: [String: String]]
            #expect(dependencies?["migrate"]?["condition"] == "service_completed_successfully", "\(name) starts before the migrations")
        }
    }

    /// Longer than the outbox's flush on SIGTERM; logs rotated; memory and CPU bounded.
    @Test func servicesStopGracefullyRotateTheirLogsAndHaveLimits() throws {
        for (name, service) in try erpServices() where !Self.oneShotJobs.contains(name) {
            let grace = (service["stop_grace_period"] as? String).flatMap { Int($0.dropLast()) }
            #expect((grace ?? 0) >= 30, "\(name): stop_grace_period")
            let options = (service["logging"] as? [String: Any])?["options"] as? [String: String]
            #expect(options?["max-size"] != nil && options?["max-file"] != nil, "\(name): logs are not rotated")
            #expect(service["mem_limit"] != nil && service["cpus"] != nil, "\(name): no resource limits")
        }
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
        for script in ["deploy/postgres/replica-entrypoint.sh", "deploy/postgres/replication.sh", "deploy/postgres/role-passwords.sh"] {
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

    /// The database's init scripts take each password from its variable or from the file
    /// `<VARIABLE>_FILE` names (Docker secrets), as the services do; both set is refused by name.
    @Test(arguments: ["deploy/postgres/replica-entrypoint.sh", "deploy/postgres/replication.sh", "deploy/postgres/role-passwords.sh"])
    func anInitScriptReadsAPasswordFromItsVariableOrItsFile(script: String) throws {
        let path = Self.repo.appendingPathComponent(script).path
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("erp-secret-\(UUID().uuidString)").path
        try "from-file\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        // The script's own secret() function, run alone.
        let run = #"eval "$(sed -n '/^secret() {/,/^}/p' "$0")"; secret ERP_T_PASSWORD"#
        let fromFile = try runProgram("/bin/bash", ["-c", run, path], environment: ["ERP_T_PASSWORD_FILE": file, "PATH": "/usr/bin:/bin"])
        #expect(fromFile.status == 0 && fromFile.output == "from-file", "\(fromFile)")
        let fromVariable = try runProgram("/bin/bash", ["-c", run, path], environment: ["ERP_T_PASSWORD": "from-variable", "PATH": "/usr/bin:/bin"])
        #expect(fromVariable.status == 0 && fromVariable.output == "from-variable", "\(fromVariable)")
        let both = try runProgram(
            "/bin/bash", ["-c", run, path], environment: ["ERP_T_PASSWORD": "x", "ERP_T_PASSWORD_FILE": file, "PATH": "/usr/bin:/bin"])
        #expect(both.status == 1 && both.output.contains("ERP_T_PASSWORD and ERP_T_PASSWORD_FILE are both set"), "\(both)")
        let unreadable = try runProgram(
            "/bin/bash", ["-c", run, path], environment: ["ERP_T_PASSWORD_FILE": file + ".missing", "PATH": "/usr/bin:/bin"])
        #expect(unreadable.status == 1 && unreadable.output.contains("ERP_T_PASSWORD_FILE: cannot read"), "\(unreadable)")
        try "".write(toFile: file, atomically: true, encoding: .utf8)
        let empty = try runProgram("/bin/bash", ["-c", run, path], environment: ["ERP_T_PASSWORD_FILE": file, "PATH": "/usr/bin:/bin"])
        #expect(empty.status == 1 && empty.output.contains("is empty"), "\(empty)")
    }

    @Test func everyServiceHasAHealthCheckAndARestartPolicy() throws {
        // The one-shot jobs run once and exit.
        for (name, service) in try services() where !Self.oneShotJobs.contains(name) {
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

    @Test func theOfficialImagesArePinnedDefaultsOfVariablesInEnvExample() throws {
        let text = try String(contentsOf: Self.repo.appendingPathComponent("docker-compose.yml"), encoding: .utf8)
        let example = try String(contentsOf: Self.repo.appendingPathComponent(".env.example"), encoding: .utf8)
        for variable in ["ERP_POSTGRES_IMAGE", "ERP_RABBITMQ_IMAGE", "ERP_PROMETHEUS_IMAGE", "ERP_GRAFANA_IMAGE"] {
            let defaults = Set(text.ranges(of: "${\(variable):-").map { text[$0.upperBound...].prefix { $0 != "}" } })
            #expect(defaults.count == 1, "\(variable) has one default: \(defaults)")
            for value in defaults {
                #expect(example.contains("\n# \(variable)=\(value)\n"), ".env.example shows \(variable)'s default \(value), commented")
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
    /// Every `erp_…` metric the alert rules and the Grafana dashboard use is one a service
    /// exports (named in the code), and Prometheus scrapes every service at its port.
    @Test func theMonitoringUsesOnlyMetricsTheServicesExportAndScrapesEveryService() throws {
        let monitoring = Self.repo.appendingPathComponent("deploy/monitoring")
        let alerts = try String(contentsOf: monitoring.appendingPathComponent("alerts.yml"), encoding: .utf8)
        let rules = try #require(try Yams.load(yaml: alerts) as? [String: Any])
        let groups = try #require(rules["groups"] as? [[String: Any]])
        let expressions = groups.flatMap { ($0["rules"] as? [[String: Any]]) ?? [] }.compactMap { $0["expr"] as? String }
        #expect(expressions.count >= 9)
        let dashboardData = try Data(contentsOf: monitoring.appendingPathComponent("grafana-dashboard.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: dashboardData) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        let panelExpressions = panels.flatMap { ($0["targets"] as? [[String: Any]]) ?? [] }.compactMap { $0["expr"] as? String }
        #expect(panelExpressions.count >= panels.count, "every panel has a query")

        var exported: Set<String> = []
        for folder in ["Shared", "Services"] {
            let root = Self.repo.appendingPathComponent(folder)
            let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
            for file in files where file.pathExtension == "swift" {
                let text = try String(contentsOf: file, encoding: .utf8)
                exported.formUnion(text.matches(of: /"(erp_[a-z_]+)"/).map { String($0.output.1) })
            }
        }
        for expression in expressions + panelExpressions {
            for match in expression.matches(of: /\berp_[a-z_]+/) {
                var name = String(match.output)
                for suffix in ["_bucket", "_count", "_sum"] where name.hasSuffix(suffix) && !exported.contains(name) {
                    name = String(name.dropLast(suffix.count))
                }
                #expect(exported.contains(name), "\(name) (in `\(expression)`) is exported by no service")
            }
        }

        let prometheus = try String(contentsOf: monitoring.appendingPathComponent("prometheus.yml"), encoding: .utf8)
        for (name, service) in try erpServices() where !Self.oneShotJobs.contains(name) {
            let port = try #require((service["environment"] as? [String: Any])?["ERP_HTTP_PORT"] as? String)
            #expect(prometheus.contains("- \(name):\(port)"), "Prometheus scrapes \(name) at \(port)")
        }
    }
}
