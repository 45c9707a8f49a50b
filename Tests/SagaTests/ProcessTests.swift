import AMQP
import Contracts
import Finance
import Foundation
import Inventory
import Messaging
import Orders
import Postgres
import Saga
import ServiceTestSupport
import TestSupport
import Testing

/// The sagas with every service as its own process (the real executables), on a database
/// and virtual host of their own; processes are killed (SIGKILL) and started again while a
/// saga waits on them, and `erpctl check` must hold at the end.
@Suite(.serialized, .timeLimit(.minutes(10))) struct ProcessTests {
    static let services = ["orders", "inventory", "finance", "saga", "crm"]

    /// `weight`: how many systems' worth of the machine it takes (two instances of everything: 2).
    static func withProcesses(weight: Int = 1, _ body: (ProcessSystem, CommandClient, PostgresPool) async throws -> Void) async throws {
        try await SystemSlots.shared.run(weight: weight) { try await withProcessesInSlot(body) }
    }

    static func withProcessesInSlot(_ body: (ProcessSystem, CommandClient, PostgresPool) async throws -> Void) async throws {
        let system = try await ProcessSystem.make()
        let pool = try system.pool()
        var client: CommandClient?
        do {
            for service in services { try await system.start(service) }
            client = try await CommandClient.connect(try system.broker, source: "tests")
            try await body(system, client!, pool)
        } catch {
            let logs = services.map { "erp-\($0):\n\(system.tail($0))" }.joined(separator: "\n")
            let quarantined =
                (try? await pool.query("SELECT code || ': ' || reason FROM orders.quarantine").map { try $0.decode(String.self, at: 0) }) ?? []
            let dead = (try? await system.erpctl(["dead", "list"]).output) ?? ""
            Issue.record(Comment(rawValue: "\(error)\n\(logs)\nquarantine: \(quarantined)\nparked: \(dead)"))
        }
        await client?.close()
        await pool.close()
        await system.tearDown()
    }

    static func publish(_ system: ProcessSystem, exchange: String, routingKey: String, body: Data, properties: AMQPProperties) async throws {
        let publisher = try await AMQPPublisher.connect(try system.broker)
        _ = try await publisher.publish(AMQPMessage(exchange: exchange, routingKey: routingKey, body: body, properties: properties))
        await publisher.close()
    }

    static func seed(_ system: ProcessSystem, _ client: CommandClient, _ pool: PostgresPool) async throws {
        for (code, region) in [("SH", "上海市"), ("BJ", "北京市")] {
            let added = try await client.send(InventoryCommand.AddWarehouse(code: code, name: code, region: region))
            #expect(added.status == .done, "\(added)")
        }
        for (sku, warehouse) in [("TEE-RED-M", "SH"), ("CAP-BLUE", "BJ")] {
            let received = try await client.send(
                InventoryCommand.Receive(
                    sku: sku, warehouse: warehouse, lot: "L1", expiry: nil, unitCost: Money(minorUnits: 2_000, currency: .cny), quantity: 20,
                    purchaseReference: "PO-\(sku)"))
            #expect(received.status == .done, "\(received)")
            let event = try Envelope(
                CatalogEvent.SKUChanged(
                    code: sku, product: sku, title: sku, options: [:], barcode: nil, price: nil, taxCategory: "standard", active: true),
                source: "tests")
            try await publish(
                system, exchange: Exchanges.events, routingKey: CatalogEvent.SKUChanged.type.rawValue, body: event.payload,
                properties: event.amqpProperties)
        }
        let copied = try await eventually { try await pool.query("SELECT count(*)::int FROM orders.skus")[0].decode(Int.self, at: 0) == 2 }
        #expect(copied)
    }

    static func place(_ system: ProcessSystem, _ pool: PostgresPool, _ externalID: String, paid: Bool) async throws -> Int64 {
        let order = CanonicalOrder(
            platform: "web", shop: "main", externalId: externalID, placedAt: "2026-11-28T10:15:00Z", currency: "CNY",
            customer: .init(name: "张三", email: "z@example.com"),
            shippingAddress: .init(country: "CN", province: "上海市", city: "上海市", line1: "南京路 1 号"),
            lines: [.init(sku: "TEE-RED-M", quantity: 2, unitPrice: "99.00"), .init(sku: "CAP-BLUE", quantity: 1, unitPrice: "49.99")],
            shippingFee: "10.01", payment: paid ? .init(status: "paid", method: "alipay", amount: "258.00") : .init(status: "pending"))
        try await publish(
            system, exchange: Exchanges.ingest, routingKey: "platform.web.order.created", body: try MessageCoding.encoder().encode(order),
            properties: AMQPProperties(contentType: "application/json", persistent: true))
        var id: Int64?
        let placed = try await eventually(within: 30) {
            id = try await pool.query(PostgresQuery(unsafeSQL: "SELECT id FROM orders.orders WHERE external_id = $1", binds: [externalID])).first?
                .decode(Int64.self, at: 0)
            return id != nil
        }
        #expect(placed)
        return try #require(id)
    }

    static func status(_ pool: PostgresPool, order: Int64) async throws -> String {
        try await pool.query(PostgresQuery(unsafeSQL: "SELECT status FROM orders.orders WHERE id = $1", binds: [order]))[0].decode(String.self, at: 0)
    }

    static func sagaStatus(_ pool: PostgresPool, _ id: UUID) async throws -> String? {
        try await pool.query(PostgresQuery(unsafeSQL: "SELECT status FROM saga.instances WHERE id = $1", binds: [id])).first?.decode(
            String.self, at: 0)
    }

    static func started(_ outcome: CommandOutcome) throws -> UUID {
        #expect(outcome.status == .done, "\(outcome)")
        return try #require(try outcome.result?.decode(SagaRequest.Started.self)).saga
    }

    @Test func splitMergeAndReturnCompleteWhileTheirParticipantsAndTheCoordinatorAreKilledAndRestarted() async throws {
        try await Self.withProcesses { system, client, pool in
            try await Self.seed(system, client, pool)

            // Split, with inventory down while the saga needs it.
            let parent = try await Self.place(system, pool, "P-SPLIT", paid: false)
            let reserved = try await eventually(within: 30) {
                try await pool.query(
                    PostgresQuery(
                        unsafeSQL:
                            "SELECT (SELECT step FROM saga.history WHERE saga_id = i.id ORDER BY seq DESC LIMIT 1) FROM saga.instances i WHERE key = $1",
                        binds: ["order:\(parent):fulfilment"])
                ).first?
                .decode(String.self, at: 0) == "await payment"
            }
            #expect(reserved)
            await system.kill("inventory")
            let split = try Self.started(
                try await client.send(SagaRequest.StartSplit(order: parent, parts: [], byWarehouse: true, reason: "by warehouse")))
            let waiting = try await eventually(within: 30) {
                try await pool.query(PostgresQuery(unsafeSQL: "SELECT step FROM saga.instances WHERE id = $1", binds: [split]))[0].decode(
                    Int.self, at: 0) == 1
            }
            #expect(waiting, "split: the order is split and the saga waits for inventory")
            try await system.start("inventory")
            let splitDone = try await eventually(within: 30) { try await Self.sagaStatus(pool, split) == "completed" }
            #expect(splitDone, "inventory, back, moved the reservation")

            // Merge, with the coordinator itself killed right after it was asked.
            let a = try await Self.place(system, pool, "P-MERGE-A", paid: false), b = try await Self.place(system, pool, "P-MERGE-B", paid: false)
            let bothWaiting = try await eventually(within: 30) {
                try await pool.query(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT count(*)::int FROM saga.instances i WHERE key IN ($1, $2)
                              AND (SELECT step FROM saga.history WHERE saga_id = i.id ORDER BY seq DESC LIMIT 1) = 'await payment'
                            """, binds: ["order:\(a):fulfilment", "order:\(b):fulfilment"]))[0].decode(Int.self, at: 0) == 2
            }
            #expect(bothWaiting)
            let merge = try Self.started(try await client.send(SagaRequest.StartMerge(orders: [a, b], reason: "ship together")))
            await system.kill("saga")
            try await system.start("saga")
            let mergeDone = try await eventually(within: 30) { try await Self.sagaStatus(pool, merge) == "completed" }
            #expect(mergeDone, "the restarted coordinator went on from the state it had saved")

            // A return, with finance down when the refund is due.
            let shipped = try await Self.place(system, pool, "P-RET", paid: true)
            let isAllocated = try await eventually(within: 30) { try await Self.status(pool, order: shipped) == "allocated" }
            #expect(isAllocated)
            // Each warehouse ships what its pick list holds for the order, by erpctl as an operator would.
            for warehouse in ["BJ", "SH"] {
                let list = try await system.erpctl(["warehouse", "pick-list", "--warehouse", warehouse, "--format", "json"])
                #expect(list.status == 0, "\(list.output)")
                struct Pick: Decodable { let order: String; let line: Int; let take: Int }
                let picks = try JSONDecoder().decode([Pick].self, from: Data(list.output.utf8)).filter { $0.order == String(shipped) }
                #expect(!picks.isEmpty, "\(list.output)")
                let sent = try await system.erpctl(
                    [
                        "orders", "ship", "--order", String(shipped), "--shipment", "P-RET-\(warehouse)", "--carrier", "sf", "--tracking",
                        "SF-\(warehouse)",
                        "--warehouse", warehouse,
                    ] + picks.flatMap { ["--line", "\($0.line):\($0.take)"] })
                #expect(sent.status == 0, "\(sent.output)")
            }
            let isShipped = try await eventually(within: 30) { try await Self.status(pool, order: shipped) == "shipped" }
            #expect(isShipped)
            let delivered = try await client.send(OrderCommand.ChangeStatus(order: shipped, to: "delivered", reason: "courier scan"))
            #expect(delivered.status == .done, "\(delivered)")
            let completed = try await eventually(within: 30) { try await Self.status(pool, order: shipped) == "completed" }
            #expect(completed)
            let ret = try Self.started(
                try await client.send(
                    SagaRequest.StartReturn(
                        order: shipped, lines: [.init(line: 2, quantity: 1)], kind: .return, reason: "does not fit")))
            var rma = ""
            let approved = try await eventually(within: 30) {
                rma =
                    try await pool.query(PostgresQuery(unsafeSQL: "SELECT rma FROM orders.returns WHERE order_id = $1", binds: [shipped])).first?
                    .decode(String.self, at: 0) ?? ""
                return !rma.isEmpty
            }
            #expect(approved)
            await system.kill("finance")
            let inspected = try await client.send(OrderCommand.InspectReturn(rma: rma, items: [.init(line: 2, quantity: 1, condition: .quarantine)]))
            #expect(inspected.status == .done, "\(inspected)")
            let atRefund = try await eventually(within: 30) {
                try await pool.query(
                    PostgresQuery(
                        unsafeSQL: "SELECT step FROM saga.history WHERE saga_id = $1 ORDER BY seq DESC LIMIT 1", binds: [ret])
                ).first?.decode(String.self, at: 0) == "refund"
            }
            #expect(atRefund, "the goods are back; the refund waits for finance")
            try await system.start("finance")
            let returned = try await eventually(within: 30) { try await Self.sagaStatus(pool, ret) == "completed" }
            #expect(returned)
            let final = try await Self.status(pool, order: shipped)
            #expect(final == "partially_returned")

            let shown = try await system.erpctl(["orders", "show", "--order", String(parent)])
            #expect(shown.status == 0 && shown.output.contains("split into orders"), "\(shown.output)")
            let returnShown = try await system.erpctl(["orders", "show", "--order", String(shipped)])
            #expect(returnShown.output.contains("return \(rma) return completed"), "\(returnShown.output)")

            // The return's step history, with the refund that waited for finance, and its last step in the list.
            let sagaShown = try await system.erpctl(["saga", "show", ret.uuidString])
            let steps = sagaShown.output.components(separatedBy: "\"step\": \"refund\"").count - 1
            #expect(sagaShown.status == 0 && steps >= 2 && sagaShown.output.contains("\"what\": \"completed\""), "\(sagaShown.output)")
            let listed = try await system.erpctl(["saga", "list", "--type", "return", "--json"])
            #expect(
                listed.status == 0 && listed.output.contains(ret.uuidString.lowercased()) && listed.output.contains("completed"), "\(listed.output)")

            // The customer asks to be forgotten: the CRM erases them and has the orders service erase their orders.
            let customer = try await pool.query("SELECT customer FROM crm.customer_orders WHERE order_id = \(parent)")[0].decode(Int64.self, at: 0)
            // Their account on the platform comes to the CRM's intake (not the orders service's) and joins the profile.
            let ordersQuarantined = try await pool.query("SELECT count(*)::int FROM orders.quarantine")[0].decode(Int.self, at: 0)
            let account = PlatformCustomer(
                platform: "web", shop: "main", externalId: "W-ZS", names: ["张三"], emails: ["Z@Example.com"], createdAt: "2026-11-01T00:00:00Z")
            try await Self.publish(
                system, exchange: Exchanges.ingest, routingKey: "platform.web.customer.created", body: try MessageCoding.encoder().encode(account),
                properties: AMQPProperties(contentType: "application/json", persistent: true))
            let linked = try await eventually(within: 30) {
                try await pool.query("SELECT customer FROM crm.customer_keys WHERE kind = 'platform' AND value = 'web/main/W-ZS'").first?.decode(
                    Int64.self, at: 0) == customer
            }
            #expect(linked, "the account is on the profile its email found")
            #expect(try await pool.query("SELECT count(*)::int FROM orders.quarantine")[0].decode(Int.self, at: 0) == ordersQuarantined)
            // A parcel was lost: a re-send ticket has the coordinator ship the line again, free, as an order of its own.
            let resend = try await system.erpctl([
                "crm", "ticket", "open", "--customer", String(customer), "--kind", "resend", "--subject", "parcel lost", "--order", String(shipped),
                "--line", "1:1",
            ])
            #expect(resend.status == 0, "\(resend.output)")
            var resent: Int64?
            let reshipped = try await eventually(within: 30) {
                resent = try await pool.query(
                    "SELECT id FROM orders.orders WHERE exchange_for = \(shipped) AND exchange_rma LIKE 'RESEND-%' AND total_minor = 0 AND status = 'allocated'"
                ).first?.decode(Int64.self, at: 0)
                return resent != nil
            }
            let resendSagas = try await pool.query(
                "SELECT status || ' ' || coalesce(state->>'failure', '') FROM saga.instances WHERE type = 'resend'"
            ).map {
                try $0.decode(String.self, at: 0)
            }
            let replacements = try await pool.query(
                "SELECT id || ' ' || status || ' ' || coalesce(exchange_rma, '') FROM orders.orders WHERE exchange_for = \(shipped)"
            )
            .map { try $0.decode(String.self, at: 0) }
            #expect(
                reshipped,
                "the free replacement was placed, reserved and allocated (paid from the start): sagas \(resendSagas), orders \(replacements)")
            let onProfile = try await eventually(within: 30) {
                try await pool.query("SELECT customer FROM crm.customer_orders WHERE order_id = \(resent ?? 0)").first?.decode(Int64.self, at: 0)
                    == customer
            }
            #expect(onProfile)
            let forget = try await system.erpctl(["crm", "forget", "--customer", String(customer), "--reason", "erasure request"])
            #expect(forget.status == 0, "\(forget.output)")
            let erased = try await eventually(within: 30) {
                try await pool.query(
                    "SELECT count(*)::int FROM orders.orders WHERE customer->>'email' IS NOT NULL OR shipping_address->>'line1' <> '(erased)'"
                )[0].decode(Int.self, at: 0) == 0
            }
            #expect(erased, "every order of the forgotten customer is erased in the orders service too")

            let check = try await system.erpctl(["check"])
            #expect(check.status == 0, "erpctl check: \(check.output)")
        }
    }

    /// Competing consumers: a second instance of every service (and of the coordinator) on the
    /// same queues, one instance of each killed and started again half way; every order is
    /// taken, reserved and invoiced once, one fulfilment each, and `erpctl check` holds.
    @Test func twoInstancesOfEveryServiceTakeEachOrderOnceWhileOneOfEachIsKilled() async throws {
        try await Self.withProcesses(weight: 2) { system, client, pool in
            for service in Self.services { try await system.start(service, instance: 2) }
            try await Self.seed(system, client, pool)
            var orders: [Int64] = []
            for index in 1...8 {
                if index == 5 {
                    for service in Self.services {
                        await system.kill(service)
                        try await system.start(service)
                    }
                }
                orders.append(try await Self.place(system, pool, "P-TWO-\(index)", paid: true))
            }
            let allocated = try await eventually(within: 60) {
                try await pool.query("SELECT count(*)::int FROM orders.orders WHERE id = ANY(\(orders)) AND status = 'allocated'")[0].decode(
                    Int.self, at: 0) == orders.count
            }
            #expect(allocated, "every order reserved and allocated")
            let taken = try await pool.query("SELECT count(*)::int FROM orders.orders WHERE external_id LIKE 'P-TWO-%'")[0].decode(Int.self, at: 0)
            #expect(taken == 8, "each platform message one order")
            let invoiced = try await eventually(within: 30) {
                try await pool.query(
                    "SELECT count(*)::int FROM finance.invoices WHERE order_id = ANY(\(orders)) AND kind = 'invoice' AND status = 'issued'"
                )[0].decode(Int.self, at: 0) == orders.count
            }
            #expect(invoiced, "one invoice per order")
            let keys = orders.map { "order:\($0):fulfilment" }
            let sagas = try await pool.query("SELECT count(*)::int FROM saga.instances WHERE key = ANY(\(keys))")[0].decode(Int.self, at: 0)
            #expect(sagas == orders.count, "one fulfilment per order")
            let reserved = try await pool.query(
                "SELECT sku || ':' || reserved FROM inventory.stock WHERE sku IN ('TEE-RED-M', 'CAP-BLUE') ORDER BY sku"
            ).map { try $0.decode(String.self, at: 0) }
            #expect(reserved == ["CAP-BLUE:8", "TEE-RED-M:16"], "each order reserved once: \(reserved)")
            let check = try await system.erpctl(["check"])
            #expect(check.status == 0, "erpctl check: \(check.output)")
        }
    }
}
