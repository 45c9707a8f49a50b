import AMQP
import Contracts
import Foundation
import Postgres
import ServiceTestSupport
import TestSupport

/// The chaos soak: every service as real processes (several instances of each, the saga
/// coordinator too) on a database and a virtual host of their own, a mixed workload through
/// the public interfaces, faults at seeded moments, then quiet and a reconciliation that
/// ends with `N passed, M failed`. `erp-bench soak` runs it; `deploy/local/test.sh` runs
/// a short one. It restarts the local RabbitMQ and PostgreSQL: nothing else may use them
/// meanwhile.
public enum Soak {
    /// What the services are started with besides their connection settings.
    static func serviceSettings(_ settings: SoakSettings) -> [String: String] {
        [
            "ERP_INGEST_SECRET_SHOPIFY": PlatformMessages.shopifySecret,
            "ERP_SAGA_PAYMENT_TIMEOUT_SECONDS": String(settings.paymentTimeout),
        ]
    }

    /// Runs the soak and prints its report through `report`; returns whether every check passed.
    public static func run(_ settings: SoakSettings, report: @Sendable (String) -> Void) async throws -> Bool {
        report(
            "soak: seed \(settings.seed), \(settings.minutes) min of load at \(settings.rate) orders/s, \(settings.faultEvery.map { "a fault every ~\($0) s" } ?? "no faults"), \(settings.instances) instances of \(SoakSettings.services.joined(separator: ", "))"
        )
        // A short consumer timeout only when an instance is to be paused past it: a throughput run's backlog would
        // otherwise hold prefetched messages past it and have them delivered again and again.
        if settings.faultEvery != nil { try await Faults.setBrokerTimeouts(consumerTimeout: settings.consumerTimeout * 1000, tick: 2_000) }
        let system = try await ProcessSystem.make(prefix: "soak", binaries: settings.binaries)
        report("soak: database and virtual host \(system.tag); service logs in \(system.logs.path)")
        let pool = try system.pool()
        let ledger = SoakLedger()
        var passed = false
        do {
            for instance in 1...settings.instances {
                for service in SoakSettings.services {
                    try await system.start(service, instance: instance, settings: serviceSettings(settings))
                }
            }
            let publisher = try await SoakPublisher.connect(try system.broker)
            try await seed(system, publisher, pool)
            let warehouse = Warehouse(broker: try system.broker, publisher: publisher, ledger: ledger)
            try await warehouse.declare()
            let warehouseTask = Task { await warehouse.run() }
            let followUps = FollowUps(publisher: publisher, ledger: ledger, pool: pool)
            let followUpTask = Task {
                while !Task.isCancelled {
                    await followUps.round()
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            let end = ContinuousClock.now + .milliseconds(Int(settings.minutes * 60_000))
            let faults = Faults(system: system, ledger: ledger, settings: settings)
            report("soak: load and faults for \(settings.minutes) min")
            async let load: Void = Workload(publisher: publisher, ledger: ledger, settings: settings).run(until: end)
            async let injected: Void = faults.run(until: end)
            _ = await (load, injected)
            // Everything comes back before the quiet: a killed instance is started, a paused one let go.
            for name in faults.instances {
                system.signal(name, SIGCONT)
                if !system.instances.contains(name) { await faults.restart(name) }
            }
            report("soak: load stopped; waiting for quiet (at most \(Int(settings.quietLimit)) s)")
            let inFlight = await quiet(system, pool, followUps, limit: settings.quietLimit)
            followUpTask.cancel()
            warehouseTask.cancel()
            var reconciliation = Reconciliation(pool: pool, system: system, ledger: ledger)
            try await reconciliation.run(inFlight: inFlight)
            for line in await ledger.events { report("  \(line)") }
            for check in reconciliation.checks { report("\(check.passed ? "✔" : "✘") \(check.name): \(check.detail)") }
            for figure in reconciliation.figures { report("  \(figure)") }
            let failed = reconciliation.checks.filter { !$0.passed }.count
            report("\(reconciliation.checks.count - failed) passed, \(failed) failed")
            passed = failed == 0
            if !passed {
                report(
                    "soak: kept for a look: database \(system.tag) and virtual host \(system.tag) (ERP_DATABASE_URL=\(system.databaseURL) ERP_AMQP_URL=\(system.brokerURL) erpctl ...), service logs in \(system.logs.path)"
                )
            }
            await publisher.close()
        } catch {
            report("soak: stopped: \(error)")
            for name in system.instances { report("\(name):\n\(system.tail(name))") }
            report("0 passed, 1 failed")
        }
        await pool.close()
        if passed { await system.tearDown() } else { await system.stopProcesses() }
        if settings.faultEvery != nil { try? await Faults.setBrokerTimeouts(consumerTimeout: 1_800_000, tick: 60_000) }
        return passed
    }

    /// The catalog, warehouses and stock the workload sells from, through erpctl and commands.
    static func seed(_ system: ProcessSystem, _ publisher: SoakPublisher, _ pool: PostgresPool) async throws {
        let demo = TestEnvironment.repo.appendingPathComponent("deploy/demo")
        for arguments in [
            ["catalog", "create-category", "--code", "apparel", "--name", "Apparel"],
            ["catalog", "create-category", "--code", "tops", "--name", "Tops", "--parent", "apparel"],
            ["catalog", "create-category", "--code", "kitchen", "--name", "Kitchen"],
            ["catalog", "create-category", "--code", "food", "--name", "Food"],
            ["catalog", "import", demo.appendingPathComponent("products.csv").path],
            [
                "catalog", "variants", "--product", "TEE-BASIC", "--attribute", "colour=White,Black,Navy", "--attribute", "size=S,M,L,XL", "--price",
                "79.00",
            ],
        ] + PlatformMessages.warehouses.map({ ["inventory", "add-warehouse", "--code", $0, "--name", "\($0) DC", "--region", "east"] }) {
            let result = try await system.erpctl(arguments)
            guard result.status == 0 else { throw SoakFailure("erpctl \(arguments.joined(separator: " ")): \(result.output)") }
        }
        for (sku, _) in PlatformMessages.skus {
            for warehouse in PlatformMessages.warehouses {
                _ = try await publisher.send(
                    InventoryCommand.Receive(
                        sku: sku, warehouse: warehouse, lot: "SEED",
                        expiry: sku == "TEA-OOLONG" ? try BusinessDate(year: 2028, month: 6, day: 30) : nil,
                        unitCost: Money(minorUnits: 1_500, currency: .cny), quantity: 5_000, purchaseReference: "SOAK-SEED"))
            }
        }
        let skus = PlatformMessages.skus.count
        let ready = try await eventually(within: 120) {
            let stocked = try await pool.query("SELECT count(*)::int FROM inventory.stock WHERE on_hand > 0")[0].decode(Int.self, at: 0)
            let known = try await pool.query("SELECT count(*)::int FROM orders.skus")[0].decode(Int.self, at: 0)
            return stocked == skus * PlatformMessages.warehouses.count && known >= skus
        }
        guard ready else { throw SoakFailure("the seed stock and the catalog did not reach the services within 120 s") }
    }

    /// Waits until every queue of the soak's virtual host (but the parking, unrouted and outbound ones) and every
    /// outbox is empty and the operators have nothing left to do, three times in a row;
    /// returns what was still in flight at the limit (empty: quiet).
    static func quiet(_ system: ProcessSystem, _ pool: PostgresPool, _ followUps: FollowUps, limit: Double) async -> String {
        let deadline = ContinuousClock.now + .seconds(limit)
        var calm = 0
        var inFlight = ""
        while ContinuousClock.now < deadline {
            let acted = await followUps.round()
            inFlight = await stillInFlight(system, pool)
            calm = inFlight.isEmpty && acted == 0 ? calm + 1 : 0
            if calm == 3 { return "" }
            try? await Task.sleep(for: .seconds(2))
        }
        return inFlight
    }

    static func stillInFlight(_ system: ProcessSystem, _ pool: PostgresPool) async -> String {
        var busy: [String] = []
        let listed = try? await runProgramAsync(
            "/bin/bash",
            [TestEnvironment.serversScript, "rabbitmqctl", "-q", "list_queues", "-p", system.tag, "name", "messages", "--no-table-headers"])
        guard let listed, listed.status == 0 else { return "the broker did not list its queues" }
        for line in listed.output.split(separator: "\n") {
            let fields = line.split(separator: "\t")
            // Parked and unrouted messages stay until an operator acts (the reconciliation lists them); a platform's
            // outbound queue until its connector reads it (none runs here).
            guard fields.count == 2, let count = Int(fields[1]), count > 0, !fields[0].hasSuffix(".parked"), fields[0] != "erp.unrouted",
                !fields[0].hasPrefix("outbound.")
            else { continue }
            busy.append("queue \(fields[0]): \(count)")
        }
        for schema in SoakSettings.services {
            guard let rows = try? await pool.query("SELECT count(*)::int FROM \(identifier: schema).outbox"),
                let count = try? rows[0].decode(Int.self, at: 0)
            else { return "\(schema)'s outbox could not be read" }
            if count > 0 { busy.append("\(schema) outbox: \(count)") }
        }
        return busy.joined(separator: ", ")
    }
}
