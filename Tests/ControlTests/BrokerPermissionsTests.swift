import AMQP
import Control
import Crypto
import Foundation
import Messaging
import ServiceKit
import TestSupport
import Testing

/// The broker's users from `erpctl broker definitions`, imported into the real broker (a
/// virtual host and user names of each test's own): each may do only its own part.
@Suite(.timeLimit(.minutes(6))) struct BrokerPermissionsTests {
    @Test func aPasswordIsStoredAsRabbitMQHashesIt() throws {
        let salt: [UInt8] = [0x90, 0x8d, 0xc6, 0x0a]
        let hash = try #require(Data(base64Encoded: BrokerDefinitions.passwordHash("test12", salt: salt)))
        #expect(Array(hash.prefix(4)) == salt)
        #expect(Array(hash.dropFirst(4)) == Array(SHA256.hash(data: salt + Array("test12".utf8))))
    }

    @Test func theDefinitionsGiveEveryQueueItsLimitsAsAPolicyMatchingThatQueueAlone() throws {
        let environment = Dictionary(
            uniqueKeysWithValues: [("ERP_RABBITMQ_PASSWORD", "a"), ("ERP_ERPCTL_AMQP_PASSWORD", "o")]
                + ServiceCatalog.all.map { ("ERP_\($0.name.uppercased())_AMQP_PASSWORD", "b") })
        let definitions = try BrokerDefinitions(
            services: ServiceCatalog.all.map(\.name), environment: environment, policies: ServiceCatalog.queuePolicies)
        let json = try #require(try JSONSerialization.jsonObject(with: definitions.json()) as? [String: Any])
        let policies = try #require(json["policies"] as? [[String: Any]])
        var byPattern: [String: [String: Any]] = [:]
        for policy in policies { byPattern[policy["pattern"] as? String ?? ""] = policy }
        let queues = ServiceCatalog.all.flatMap(\.queues)
        #expect(!queues.isEmpty)
        for queue in queues {
            let names = [queue.name] + queue.retryDelaysMilliseconds.indices.map { queue.retryQueue(level: $0 + 1) }
            for name in names {
                let matching = try byPattern.keys.filter { pattern in
                    try NSRegularExpression(pattern: pattern).firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
                }
                #expect(matching.count == 1, "exactly one policy for \(name)")
            }
            let parked = queue.parkingQueue
            let parkedMatches = try byPattern.keys.contains { pattern in
                try NSRegularExpression(pattern: pattern).firstMatch(in: parked, range: NSRange(parked.startIndex..., in: parked)) != nil
            }
            #expect(!parkedMatches, "a parking queue keeps what it is given")
            let own = byPattern.values.first { $0["name"] as? String == "erp.queue.\(queue.name)" }
            let definition = own?["definition"] as? [String: Any]
            #expect(definition?["delivery-limit"] as? Int == queue.deliveryLimit)
            #expect(definition?["dead-letter-exchange"] as? String == Exchanges.dead)
            #expect(own?["apply-to"] as? String == "queues")
            #expect(own?["vhost"] as? String == "/")
        }
        let unrouted = policies.first { $0["name"] as? String == "erp.queue.\(Exchanges.internalUnrouted)" }?["definition"] as? [String: Any]
        #expect(unrouted?["max-length"] as? Int == Topology.unroutedLimit)
    }

    @Test func aMissingPasswordOrABadNameIsRefusedByItsVariable() {
        let base = ["ERP_RABBITMQ_PASSWORD": "a", "ERP_ERPCTL_AMQP_PASSWORD": "o", "ERP_CATALOG_AMQP_PASSWORD": "b"]
        let cases: [([String: String], String)] = [
            ([:], "ERP_RABBITMQ_PASSWORD"),
            (["ERP_RABBITMQ_PASSWORD": "a"], "ERP_ERPCTL_AMQP_PASSWORD"),
            (["ERP_RABBITMQ_PASSWORD": "a", "ERP_ERPCTL_AMQP_PASSWORD": "o"], "ERP_CATALOG_AMQP_PASSWORD"),
            (base.merging(["ERP_ERPCTL_AMQP_USER": "op erator"]) { $1 }, "ERP_ERPCTL_AMQP_USER"),
            (base.merging(["ERP_ERPCTL_AMQP_USER": "erp"]) { $1 }, "ERP_ERPCTL_AMQP_USER"),
            (base.merging(["ERP_ERPCTL_AMQP_USER": "erp-catalog"]) { $1 }, "ERP_ERPCTL_AMQP_USER"),
            (base.merging(["ERP_BROKER_PLATFORMS": "shop-1"]) { $1 }, "ERP_PLATFORM_SHOP_1_AMQP_PASSWORD"),
            (base.merging(["ERP_BROKER_WAREHOUSES": "SH,G Z"]) { $1 }, "ERP_BROKER_WAREHOUSES"),
        ]
        for (environment, variable) in cases {
            #expect {
                _ = try BrokerDefinitions(services: ["catalog"], environment: environment)
            } throws: { error in
                (error as? ConfigurationError)?.variable == variable
            }
        }
    }

    /// A platform may publish only its own orders, a service may read only its own queues.
    @Test func eachUserMayDoOnlyItsOwnPart() async throws {
        let id = UUID().uuidString.prefix(8).lowercased()
        let vhost = "t_perm_\(id)"
        let (mine, theirs, platform) = ("svca\(id)", "svcb\(id)", "shop\(id)")
        let environment = [
            "ERP_RABBITMQ_USER": "t_admin_\(id)", "ERP_RABBITMQ_PASSWORD": "admin-\(id)",
            "ERP_ERPCTL_AMQP_USER": "t_erpctl_\(id)", "ERP_ERPCTL_AMQP_PASSWORD": "o-\(id)",
            "ERP_BROKER_WAREHOUSES": "wh\(id)", "ERP_WAREHOUSE_WH\(id.uppercased())_AMQP_PASSWORD": "w-\(id)",
            "ERP_BROKER_CARRIERS": "ca\(id)", "ERP_CARRIER_CA\(id.uppercased())_AMQP_PASSWORD": "c-\(id)",
            "ERP_\(mine.uppercased())_AMQP_PASSWORD": "a-\(id)", "ERP_\(theirs.uppercased())_AMQP_PASSWORD": "b-\(id)",
            "ERP_BROKER_PLATFORMS": platform, "ERP_PLATFORM_\(platform.uppercased())_AMQP_PASSWORD": "p-\(id)",
        ]
        let definitions = try BrokerDefinitions(services: [mine, theirs], environment: environment, vhost: vhost)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("erp-definitions-\(id).json").path
        try definitions.json().write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        _ = try await runProgramAsync("/bin/bash", [TestEnvironment.serversScript, "rabbitmqctl", "add_vhost", vhost])
        // Removed through the management API after the test, not by a `rabbitmqctl` run per
        // user from a `defer` (which held one of the few cooperative threads the other suites'
        // services share for the seconds each run takes).
        let administrator = try BrokerManagement(url: TestEnvironment.brokerManagementURL)
        do {
            try await checkEachUsersPart(id: id, vhost: vhost, definitions: definitions, file: file, mine: mine, theirs: theirs, platform: platform)
        } catch {
            try? await administrator.deleteVirtualHost(vhost)
            try? await administrator.deleteUsers(definitions.users.map(\.name))
            throw error
        }
        try await administrator.deleteVirtualHost(vhost)
        try await administrator.deleteUsers(definitions.users.map(\.name))
    }

    func checkEachUsersPart(
        id: String, vhost: String, definitions: BrokerDefinitions, file: String, mine: String, theirs: String, platform: String
    ) async throws {
        let imported = try await runProgramAsync("/bin/bash", [TestEnvironment.serversScript, "rabbitmqctl", "import_definitions", file])
        #expect(imported.status == 0, "\(imported.output)")

        func configuration(_ user: String, _ password: String) throws -> AMQPConfiguration {
            var configuration = try AMQPConfiguration(url: TestEnvironment.brokerURL)
            (configuration.user, configuration.password, configuration.vhost) = (user, password, vhost)
            return configuration
        }
        // The operator's user (erpctl) is no administrator: it sets policies and reads the queues' figures.
        let json = try #require(try JSONSerialization.jsonObject(with: definitions.json()) as? [String: Any])
        let tags = (json["users"] as? [[String: Any]])?.first { $0["name"] as? String == "t_erpctl_\(id)" }?["tags"] as? [String]
        #expect(tags == ["policymaker", "monitoring"])
        // The operator declares the topology (the import is asynchronous: its user may need a moment).
        var operatorUser: AMQPConnection?
        _ = try await eventually(within: 10) {
            operatorUser = try? await AMQPConnection.connect(try configuration("t_erpctl_\(id)", "o-\(id)"))
            return operatorUser != nil
        }
        let operatorConnection = try #require(operatorUser)
        try await Topology.declareExchanges(on: operatorConnection)
        for service in [mine, theirs] {
            try await Topology.declare(
                ServiceQueue(name: "\(service).ingest", bindings: [QueueBinding(exchange: Exchanges.ingest, routingKey: "platform.#")]),
                on: operatorConnection)
        }
        let commands = ServiceQueue(name: "\(mine).commands", bindings: [QueueBinding(exchange: Exchanges.commands, routingKey: "\(mine).#")])
        try await Topology.declare(commands, on: operatorConnection)
        await operatorConnection.close()
        // ...and sets the queues' policies through the management API (as a policymaker); a service's user may not.
        var management = try #require(URLComponents(string: TestEnvironment.brokerManagementURL))
        management.user = nil
        management.password = nil
        let managementURL = try #require(management.string)
        try await BrokerManagement(url: managementURL, user: "t_erpctl_\(id)", password: "o-\(id)", vhost: vhost).apply(commands.policies)
        await #expect {
            try await BrokerManagement(url: managementURL, user: "erp-\(mine)", password: "a-\(id)", vhost: vhost).apply(commands.policies)
        } throws: { error in
            "\(error)".contains("erp-\(mine) needs the administrator or policymaker tag")
        }

        // A service's user declares its own queues; the operator's exchanges it only checks.
        let serviceConnection = try await AMQPConnection.connect(try configuration("erp-\(mine)", "a-\(id)"))
        try await Topology.declareExchanges(on: serviceConnection)
        try await Topology.declare(commands, on: serviceConnection)
        // A queue the operator has not made yet, with its delay queues: their dead-lettering
        // is the operator's policy, not an argument the service's user would need a permission for.
        let fresh = ServiceQueue(name: "\(mine).new", bindings: [])
        #expect(try await Topology.declare(fresh, on: serviceConnection).isEmpty)
        await #expect {
            try await Topology.ensureExchange("erp.missing\(id)", type: .topic, on: serviceConnection)
        } throws: { error in
            guard let error = error as? AMQPError else { return false }
            return error.code == .notFound && error.message.contains("erpctl topology declare") && error.message.contains("erp-\(mine)")
        }
        await serviceConnection.close()

        // The platform publishes its own orders...
        let publisher = try await AMQPPublisher.connect(try configuration("platform-\(platform)", "p-\(id)"), reconnect: false)
        let own = try await publisher.publish(
            AMQPMessage(exchange: Exchanges.ingest, routingKey: "platform.\(platform).order.created", body: Data("{}".utf8)))
        #expect(own == .confirmed)
        await publisher.close()
        // ...and nothing else: another platform's key, the coordinator's commands, a queue of its own.
        for (exchange, key) in [(Exchanges.ingest, "platform.other\(id).order.created"), (Exchanges.commands, "inventory.reserve.v1")] {
            let refused = try await AMQPPublisher.connect(try configuration("platform-\(platform)", "p-\(id)"), reconnect: false)
            await #expect {
                _ = try await refused.publish(AMQPMessage(exchange: exchange, routingKey: key, body: Data("{}".utf8)))
            } throws: { error in
                guard let error = error as? AMQPError else { return false }
                return error.code == .accessRefused && error.message.contains("ACCESS_REFUSED") && error.message.contains("platform-\(platform)")
            }
            await refused.close()
        }
        // A warehouse and a carrier publish their own news only.
        for (user, password, own, other) in [
            ("warehouse-wh\(id)", "w-\(id)", "warehouse.wh\(id).shipment.confirmed", "carrier.ca\(id).tracking.delivered"),
            ("carrier-ca\(id)", "c-\(id)", "carrier.ca\(id).tracking.delivered", "platform.\(platform).order.created"),
        ] {
            let party = try await AMQPPublisher.connect(try configuration(user, password), reconnect: false)
            let sent = try await party.publish(AMQPMessage(exchange: Exchanges.ingest, routingKey: own, body: Data("{}".utf8)))
            #expect(sent == .confirmed, "\(user) publishes \(own)")
            await party.close()
            let refused = try await AMQPPublisher.connect(try configuration(user, password), reconnect: false)
            await #expect {
                _ = try await refused.publish(AMQPMessage(exchange: Exchanges.ingest, routingKey: other, body: Data("{}".utf8)))
            } throws: { error in
                guard let error = error as? AMQPError else { return false }
                return error.code == .accessRefused && error.message.contains(user)
            }
            await refused.close()
        }
        let platformConnection = try await AMQPConnection.connect(try configuration("platform-\(platform)", "p-\(id)"))
        await #expect {
            try await platformConnection.declareQueue("mine-\(id)")
        } throws: { error in
            (error as? AMQPError)?.code == .accessRefused
        }
        await platformConnection.close()

        // A service reads its own queue, not another's.
        let consumer = try await AMQPConsumer.start(try configuration("erp-\(mine)", "a-\(id)"), queue: "\(mine).ingest", reconnect: false)
        await consumer.close()
        await #expect {
            _ = try await AMQPConsumer.start(try configuration("erp-\(mine)", "a-\(id)"), queue: "\(theirs).ingest", reconnect: false)
        } throws: { error in
            guard let error = error as? AMQPError else { return false }
            return error.code == .accessRefused && error.message.contains("\(theirs).ingest")
        }
    }
}
