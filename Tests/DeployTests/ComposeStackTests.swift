import AMQP
import Foundation
import Messaging
import Postgres
import TestSupport
import Testing

/// The compose stack brought up by `deploy/compose/test.sh` (which sets ERP_COMPOSE_TESTS
/// and the stack's addresses; a plain `swift test` skips this suite). Everything here goes
/// through what an operator and the outside world have: the published PostgreSQL and AMQP
/// ports, erpctl, and docker-compose.
@Suite(.enabled(if: ComposeStack.enabled), .serialized, .timeLimit(.minutes(12)))
struct ComposeStackTests {
    @Test func platformOrdersShipFromAWarehouseAreDeliveredAndCompleteThroughRestartsOfAServiceAndTheBroker() async throws {
        let stack = try ComposeStack()
        let demo = try await stack.erpctlScript(ComposeFileTests.repo.appendingPathComponent("deploy/demo/load.sh").path)
        #expect(demo.status == 0, "the demo data loads into the stack: \(demo.output)")

        // Orders from a platform, through the published AMQP port, shipped by the warehouse
        // their stock was allocated in, delivered by the carrier.
        let first = (1...4).map { "COMPOSE-A\($0)" }
        try await stack.publishOrders(first)
        for order in first { try await stack.fulfil(order) }

        // Orders in flight while the orders service's container restarts.
        let second = (1...4).map { "COMPOSE-B\($0)" }
        try await stack.publishOrders(second)
        let restartedService = try await stack.compose(["restart", "orders"])
        #expect(restartedService.status == 0, "\(restartedService.output)")
        for order in second { try await stack.fulfil(order) }

        // Orders in flight while the broker's container restarts.
        let third = (1...4).map { "COMPOSE-C\($0)" }
        try await stack.publishOrders(third)
        let restartedBroker = try await stack.compose(["restart", "rabbitmq"])
        #expect(restartedBroker.status == 0, "\(restartedBroker.output)")
        for order in third { try await stack.fulfil(order) }

        // Nothing lost, nothing doubled.
        let all = first + second + third
        let rows = try await stack.query(
            "SELECT external_id || ':' || status FROM orders.orders WHERE external_id LIKE 'COMPOSE-%' ORDER BY external_id")
        let expected = all.sorted().map { "\($0):completed" }
        #expect(rows == expected)
        let check = try await stack.compose(["run", "--rm", "--no-deps", "migrate", "erpctl", "check"])
        #expect(check.status == 0, "erpctl check inside the stack: \(check.output)")
        let dead = try await stack.erpctl(["dead", "list"])
        #expect(dead.status == 0 && !dead.output.contains("COMPOSE-"), "nothing of these orders was dead-lettered: \(dead.output)")
    }

    /// The definitions file loaded at boot gives every service queue and delay queue its
    /// limits as a policy of its own; the queues carry only their type.
    @Test func everyQueueHasItsLimitsFromThePoliciesOfTheDefinitionsFile() async throws {
        let stack = try ComposeStack()
        let listed = try await stack.compose([
            "exec", "-T", "rabbitmq", "rabbitmqctl", "-q", "list_queues", "name", "policy", "arguments", "--no-table-headers",
        ])
        #expect(listed.status == 0, "\(listed.output)")
        var policies: [String: String] = [:]
        var arguments: [String: String] = [:]
        for line in listed.output.split(separator: "\n") {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count >= 3 else { continue }
            policies[columns[0]] = columns[1]
            arguments[columns[0]] = columns[2]
        }
        let limited = policies.keys.filter { !$0.hasSuffix(".parked") && !$0.hasPrefix("outbound.") }
        #expect(limited.count > 20, "the services' queues, delay queues and erp.unrouted: \(policies.keys.sorted())")
        let withoutOwnPolicy = limited.filter { policies[$0] != "erp.queue.\($0)" }.sorted()
        #expect(withoutOwnPolicy.isEmpty)
        let withLimitArguments = arguments.filter { $0.value.contains("x-delivery-limit") || $0.value.contains("x-message-ttl") }.keys.sorted()
        #expect(withLimitArguments.isEmpty)
        // The migrate job set them again through the management API.
        let migrate = try await stack.compose(["logs", "--no-color", "migrate"])
        #expect(migrate.output.contains("queue policies (erp.queue.<queue>, priority 1) through http://rabbitmq:15672"), "\(migrate.output)")
    }

    /// Least privilege as the broker holds it: no `guest` (its login is refused through the
    /// published port), and the operator's `erpctl` may set policies but is no administrator.
    @Test func theBrokerHasNoGuestAndItsOperatorIsNoAdministrator() async throws {
        let stack = try ComposeStack()
        var guest = try AMQPConfiguration(url: stack.amqpURL)
        (guest.user, guest.password) = ("guest", "guest")
        await #expect(throws: AMQPError.self) {
            let connection = try await AMQPConnection.connect(guest)
            await connection.close()
        }
        let listed = try await stack.compose(["exec", "-T", "rabbitmq", "rabbitmqctl", "-q", "list_users", "--no-table-headers"])
        #expect(listed.status == 0, "\(listed.output)")
        let users = listed.output.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        let guestUser = users.contains { $0.first == "guest" }
        #expect(!guestUser, "\(listed.output)")
        let operatorTags = users.first { $0.first == "erpctl" }?.dropFirst().joined()
        #expect(operatorTags?.contains("policymaker") == true && operatorTags?.contains("administrator") == false, "\(listed.output)")
    }

    /// The monitoring profile's Prometheus, on the stack's network: every service and both of
    /// RabbitMQ's metrics endpoints are scraped, and every alert rule loads and evaluates.
    @Test func prometheusScrapesEveryServiceAndTheBrokerAndEvaluatesEveryAlertRule() async throws {
        let stack = try ComposeStack()
        let prometheus = try #require(stack.prometheusURL, "ERP_COMPOSE_PROMETHEUS_URL comes from deploy/compose/test.sh")
        struct Targets: Decodable {
            struct Data: Decodable { let activeTargets: [Target] }
            struct Target: Decodable {
                let labels: [String: String]
                let health: String
                let lastError: String
            }
            let data: Data
        }
        struct Rules: Decodable {
            struct Data: Decodable { let groups: [Group] }
            struct Group: Decodable { let rules: [Rule] }
            struct Rule: Decodable {
                let name: String
                let health: String
            }
            let data: Data
        }
        var targets: [Targets.Target] = []
        let scraped = try await eventually(within: 90) {
            let answer = try await runProgramAsync("/usr/bin/curl", ["-fsS", "\(prometheus)/api/v1/targets"])
            targets = (try? JSONDecoder().decode(Targets.self, from: Data(answer.output.utf8)))?.data.activeTargets ?? []
            return targets.count == 9 && targets.allSatisfy { $0.health == "up" }
        }
        let summary = targets.map { "\($0.labels["instance"] ?? "?"): \($0.health) \($0.lastError)" }
        #expect(scraped, "7 services, RabbitMQ and its per-queue endpoint, all up: \(summary)")
        let jobs = Set(targets.compactMap { $0.labels["job"] })
        #expect(jobs == ["erp", "rabbitmq", "rabbitmq-queues"])

        var rules: [Rules.Rule] = []
        let evaluated = try await eventually(within: 60) {
            let answer = try await runProgramAsync("/usr/bin/curl", ["-fsS", "\(prometheus)/api/v1/rules"])
            rules = (try? JSONDecoder().decode(Rules.self, from: Data(answer.output.utf8)))?.data.groups.flatMap(\.rules) ?? []
            return !rules.isEmpty && rules.allSatisfy { $0.health == "ok" }
        }
        let health = rules.map { "\($0.name): \($0.health)" }
        #expect(evaluated, "every rule evaluates: \(health)")
        let names = Set(rules.map(\.name))
        #expect(
            names.isSuperset(of: [
                "ErpServiceDown", "ErpOutboxBacklogGrowing", "ErpMessagesParked", "ErpConsumerDown", "ErpSagaStuck", "ErpReplicaLag",
            ]))
    }
}

/// The stack's addresses, from deploy/compose/test.sh.
struct ComposeStack {
    static var enabled: Bool { ProcessInfo.processInfo.environment["ERP_COMPOSE_TESTS"] == "1" }

    let databaseURL: String
    let amqpURL: String
    let composeCommand: [String]
    let prometheusURL: String? = ProcessInfo.processInfo.environment["ERP_COMPOSE_PROMETHEUS_URL"]

    init() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let database = environment["ERP_COMPOSE_DATABASE_URL"], let amqp = environment["ERP_COMPOSE_AMQP_URL"],
            let command = environment["ERP_COMPOSE_COMMAND"]
        else {
            throw Failure(description: "ERP_COMPOSE_DATABASE_URL, ERP_COMPOSE_AMQP_URL and ERP_COMPOSE_COMMAND come from deploy/compose/test.sh")
        }
        (databaseURL, amqpURL, composeCommand) = (database, amqp, command.split(separator: " ").map(String.init))
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    var erpctlEnvironment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["ERP_DATABASE_URL"] = databaseURL
        environment["ERP_AMQP_URL"] = amqpURL
        return environment
    }

    func erpctl(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await runProgramAsync(TestEnvironment.executable("erpctl"), arguments, environment: erpctlEnvironment)
    }

    /// Runs a script that takes erpctl's path as its argument, against the stack.
    func erpctlScript(_ path: String) async throws -> (status: Int32, output: String) {
        try await runProgramAsync("/bin/bash", [path, TestEnvironment.executable("erpctl")], environment: erpctlEnvironment)
    }

    func compose(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await runProgramAsync("/usr/bin/env", composeCommand + arguments)
    }

    func query(_ sql: String, _ binds: [String] = []) async throws -> [String] {
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: databaseURL), size: 1)
        do {
            let rows = try await pool.query(PostgresQuery(unsafeSQL: sql, binds: binds)).map { try $0.decode(String.self, at: 0) }
            await pool.close()
            return rows
        } catch {
            await pool.close()
            throw error
        }
    }

    /// Publishes to erp.ingest as the outside world does, as the broker user of that party
    /// (`platform-web`, `warehouse-SH`, `carrier-sf`: each may publish only its own routing
    /// keys), retrying while the broker is away.
    func publish(_ routingKey: String, _ body: String, as user: String) async throws {
        var configuration = try AMQPConfiguration(url: amqpURL)
        let variable = "ERP_" + user.uppercased().replacingOccurrences(of: "-", with: "_") + "_AMQP_PASSWORD"
        guard let password = ProcessInfo.processInfo.environment[variable] else {
            throw Failure(description: "\(variable), the password of \(user), comes from deploy/compose/test.sh")
        }
        (configuration.user, configuration.password) = (user, password)
        let deadline = ContinuousClock.now + .seconds(90)
        while true {
            do {
                let publisher = try await AMQPPublisher.connect(configuration, reconnect: false)
                let outcome = try await publisher.publish(
                    AMQPMessage(
                        exchange: Exchanges.ingest, routingKey: routingKey, body: Data(body.utf8),
                        properties: AMQPProperties(contentType: "application/json", persistent: true), mandatory: true))
                await publisher.close()
                guard outcome == .confirmed else { throw Failure(description: "\(routingKey): \(outcome)") }
                return
            } catch {
                guard ContinuousClock.now < deadline else { throw error }
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    func publishOrders(_ externalIDs: [String]) async throws {
        for id in externalIDs {
            try await publish(
                "platform.web.order.created",
                """
                {"platform":"web","shop":"main","external_id":"\(id)","revision":1,"placed_at":"2026-11-30T10:00:00Z","currency":"CNY",\
                "customer":{"external_id":"c-\(id)","name":"测试"},\
                "shipping_address":{"name":"测试","country":"CN","province":"浙江省","city":"杭州市","line1":"文三路 1 号"},\
                "lines":[{"sku":"MUG-CLASSIC","quantity":1,"unit_price":"39.00"}],"shipping_fee":"0.00",\
                "payment":{"status":"paid","method":"alipay","amount":"39.00","paid_at":"2026-11-30T10:01:00Z","transaction_id":"T-\(id)"}}
                """, as: "platform-web")
        }
    }

    /// The order's id once it has `status`.
    func waitFor(_ externalID: String, status: String, within seconds: Double = 120) async throws -> Int64 {
        var last = "no order"
        let reached = try await eventually(within: seconds) {
            let rows = try? await query(
                "SELECT id::text || ':' || status FROM orders.orders WHERE platform = 'web' AND external_id = $1", [externalID])
            last = rows?.first ?? "no order"
            return last.hasSuffix(":" + status)
        }
        guard reached, let id = Int64(last.split(separator: ":")[0]) else {
            throw Failure(description: "\(externalID) did not become \(status) (last: \(last))")
        }
        return id
    }

    /// Allocated → the warehouse confirms the parcel its pick list holds → the carrier
    /// delivers it → completed.
    func fulfil(_ externalID: String) async throws {
        let id = try await waitFor(externalID, status: "allocated")
        var shipped = 0
        for warehouse in ["SH", "GZ", "BJ"] {
            let list = try await erpctl(["warehouse", "pick-list", "--warehouse", warehouse, "--format", "csv"])
            // order,line,sku,...,units: the rows of this order (a line from two lots has two).
            var units: [Int: Int] = [:]
            for row in list.output.split(separator: "\n").dropFirst() {
                let columns = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard columns.count > 5, columns[0] == String(id), let line = Int(columns[1]), let count = Int(columns[5]) else { continue }
                units[line, default: 0] += count
            }
            let lines = units.sorted { $0.key < $1.key }.map { "{\"line\": \($0.key), \"quantity\": \($0.value)}" }
            guard !lines.isEmpty else { continue }
            let tracking = "SF\(id)\(warehouse)"
            try await publish(
                "warehouse.\(warehouse).shipment.confirmed",
                """
                {"order": \(id), "shipment_id": "\(externalID)-\(warehouse)", "carrier": "sf", "tracking_number": "\(tracking)", \
                "shipped_at": "2026-11-30T12:00:00Z", "lines": [\(lines.joined(separator: ", "))]}
                """, as: "warehouse-\(warehouse)")
            _ = try await waitFor(externalID, status: "shipped")
            try await publish(
                "carrier.sf.tracking.delivered",
                #"{"tracking_number": "\#(tracking)", "occurred_at": "2026-11-30T18:00:00Z", "location": "Hangzhou"}"#, as: "carrier-sf")
            shipped += 1
        }
        guard shipped == 1 else { throw Failure(description: "\(externalID): \(shipped) warehouses held its parcel") }
        _ = try await waitFor(externalID, status: "completed")
    }
}
