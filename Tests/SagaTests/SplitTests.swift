import AMQP
import Contracts
import Control
import Finance
import Foundation
import Inventory
import Messaging
import Orders
import Postgres
import Saga
import ServiceKit
import ServiceTestSupport
import TestSupport
import Testing

/// The split saga end to end: orders, inventory, finance and the coordinator on the real
/// servers, with failures injected at each step (the participant refuses). Five minutes, a
/// guard against a hang: its longest test runs a split, a merge and a return to their end
/// and, with the whole suite in parallel on two cores, once went past three.
@Suite(.timeLimit(.minutes(10))) struct SplitTests {
    typealias System = SystemHarness

    /// A shirt in Shanghai and a cap in Beijing: an order of both is reserved in two warehouses.
    static func stock(_ system: System) async throws {
        for (code, region) in [("SH", "上海市"), ("BJ", "北京市")] {
            let added = try await system.client.send(InventoryCommand.AddWarehouse(code: code, name: code, region: region))
            #expect(added.status == .done, "\(added)")
        }
        for (sku, warehouse) in [("TEE-RED-M", "SH"), ("CAP-BLUE", "BJ")] {
            let received = try await system.client.send(
                InventoryCommand.Receive(
                    sku: sku, warehouse: warehouse, lot: "L1", expiry: nil, unitCost: Money(minorUnits: 2_000, currency: .cny), quantity: 10,
                    purchaseReference: "PO-\(sku)"))
            #expect(received.status == .done, "\(received)")
            try await Self.publish(
                system,
                CatalogEvent.SKUChanged(
                    code: sku, product: sku, title: sku, options: [:], barcode: nil, price: nil, taxCategory: "standard", active: true))
        }
        let copied = try await eventually {
            try await system.pool("orders").query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(system.schema("orders")).skus"))[0]
                .decode(Int.self, at: 0) == 2
        }
        #expect(copied)
    }

    /// ``place(_:_:street:paid:)`` without waiting for a paid order to ship (with a merge window it is held first).
    static func placeHeld(_ system: System, _ externalID: String, paid: Bool) async throws -> Int64 {
        try await place(system, externalID, paid: paid, untilShipped: false)
    }

    /// Publishes a platform order of 2 shirts (1.00 off) and a cap; its id once it is shipped (paid) or taken (unpaid).
    static func place(
        _ system: System, _ externalID: String, street: String = "南京路 1 号", paid: Bool, untilShipped: Bool = true
    ) async throws -> Int64 {
        let order = CanonicalOrder(
            platform: "web", shop: "main", externalId: externalID, placedAt: "2026-11-28T10:15:00Z", currency: "CNY",
            customer: .init(name: "张三", email: "z@example.com"),
            shippingAddress: .init(country: "CN", province: "上海市", city: "上海市", line1: street),
            lines: [
                .init(sku: "TEE-RED-M", quantity: 2, unitPrice: "99.00", discount: "1.00"), .init(sku: "CAP-BLUE", quantity: 1, unitPrice: "49.99"),
            ],
            shippingFee: "10.01", payment: paid ? .init(status: "paid", method: "alipay", amount: "257.00") : .init(status: "pending"))
        try await FulfilmentTests.publish(system, order)
        // An unpaid order may move on at once (merged, on hold): it is enough that it exists.
        var id: Int64?
        let placed = try await eventually(within: 30) {
            guard let found = try await FulfilmentTests.status(system, externalID) else { return false }
            id = found.id
            return !paid || !untilShipped || found.status == "shipped"
        }
        #expect(placed, "order \(externalID) was taken\(paid && untilShipped ? " and shipped" : "")")
        return try #require(id)
    }

    /// Publishes a SKU as the catalog would (the orders and finance services copy it).
    static func publish(_ system: System, _ sku: CatalogEvent.SKUChanged) async throws {
        let event = try Envelope(sku, source: "tests")
        let publisher = try await AMQPPublisher.connect(ServiceHarness.environment.broker)
        _ = try await publisher.publish(
            AMQPMessage(
                exchange: system.events, routingKey: CatalogEvent.SKUChanged.type.rawValue, body: event.payload, properties: event.amqpProperties))
        await publisher.close()
    }

    /// An unpaid order of 2 shirts and a cap, reserved and waiting for payment; its id.
    static func placeReserved(_ system: System, _ externalID: String, street: String = "南京路 1 号") async throws -> Int64 {
        let id = try await place(system, externalID, street: street, paid: false)
        let reserved = try await eventually { try await Self.reservations(system, of: id).count == 2 }
        #expect(reserved, "the fulfilment reserved the order in both warehouses")
        let waiting = try await eventually {
            try await system.pool("saga").query(
                PostgresQuery(
                    unsafeSQL:
                        "SELECT (SELECT step FROM \(system.schema("saga")).history WHERE saga_id = i.id ORDER BY seq DESC LIMIT 1) FROM \(system.schema("saga")).instances i WHERE key = $1",
                    binds: ["order:\(id):fulfilment"])
            ).first?.decode(String.self, at: 0) == "await payment"
        }
        #expect(waiting, "and waits for its payment")
        let invoiced = try await eventually { try await Self.invoices(system, of: id) == ["issued"] }
        #expect(invoiced)
        return id
    }

    static func reservations(_ system: System, of order: Int64) async throws -> [String] {
        try await system.pool("inventory").query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT line || ':' || warehouse || ':' || quantity FROM \(system.schema("inventory")).reservations WHERE order_id = $1 ORDER BY line, warehouse
                    """, binds: [String(order)])
        ).map { try $0.decode(String.self, at: 0) }
    }

    static func invoices(_ system: System, of order: Int64) async throws -> [String] {
        try await system.pool("finance").query(
            PostgresQuery(
                unsafeSQL: "SELECT status FROM \(system.schema("finance")).invoices WHERE order_id = $1 AND kind = 'invoice' ORDER BY number",
                binds: [order])
        ).map { try $0.decode(String.self, at: 0) }
    }

    static func children(_ system: System, of order: Int64) async throws -> [(id: Int64, status: String, total: Int64)] {
        try await system.pool("orders").query(
            PostgresQuery(
                unsafeSQL: "SELECT id, status, total_minor FROM \(system.schema("orders")).orders WHERE parent_id = $1 ORDER BY id", binds: [order])
        ).map {
            (try $0.decode(Int64.self, at: 0), try $0.decode(String.self, at: 1), try $0.decode(Int64.self, at: 2))
        }
    }

    static func order(_ system: System, _ id: Int64) async throws -> (status: String, total: Int64, lines: String) {
        let row = try await system.pool("orders").query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT o.status, o.total_minor, string_agg(l.line || 'x' || l.quantity || '=' || l.total_minor, ' ' ORDER BY l.line)
                    FROM \(system.schema("orders")).orders o JOIN \(system.schema("orders")).order_lines l ON l.order_id = o.id WHERE o.id = $1 GROUP BY o.id
                    """, binds: [id]))[0]
        return (try row.decode(String.self, at: 0), try row.decode(Int64.self, at: 1), try row.decode(String.self, at: 2))
    }

    static func sagaStatus(_ system: System, _ id: UUID) async throws -> String? {
        try await system.pool("saga").query(
            PostgresQuery(
                unsafeSQL: "SELECT status FROM \(system.schema("saga")).instances WHERE id = $1", binds: [id])
        ).first?.decode(String.self, at: 0)
    }

    static func split(_ system: System, _ request: SagaRequest.StartSplit) async throws -> UUID {
        let outcome = try await system.client.send(request)
        #expect(outcome.status == .done, "\(outcome)")
        return try #require(try outcome.result?.decode(SagaRequest.Started.self)).saga
    }

    /// Every invariant `erpctl check` verifies, on the test's schemas (`sagas`: also that no saga is stuck or waits without a deadline).
    static func invariantsHold(_ system: System, sagas: Bool = true) async throws {
        let stock = try await StockInvariants(schema: system.schema("inventory")).check(system.pool("inventory"))
        let stockHeld = stock.allSatisfy(\.held)
        #expect(stockHeld, "\(stock)")
        let money = try await FinanceInvariants(schema: system.schema("finance")).check(system.pool("finance"))
        let moneyHeld = money.allSatisfy(\.held)
        #expect(moneyHeld, "\(money)")
        let orders = try await OrderInvariants(schema: system.schema("orders")).check(system.pool("orders"))
        let ordersHeld = orders.allSatisfy(\.held)
        #expect(ordersHeld, "\(orders)")
        // The books follow the goods and every live order is invoiced once (once the events in flight have arrived).
        let cross = CrossServiceInvariants(
            inventory: system.schema("inventory"), finance: system.schema("finance"), orders: system.schema("orders"),
            saga: sagas ? system.schema("saga") : "saga")
        var crossResults: [InvariantResult] = []
        let crossHeld = try await eventually(within: 10) {
            crossResults = try await cross.booksFollowGoods(system.pool("finance")) + cross.ordersInvoicedOnce(system.pool("finance"))
            if sagas { crossResults += try await cross.backordersMove(system.pool("finance")) + cross.shipmentsIssued(system.pool("finance")) }
            return crossResults.allSatisfy(\.held)
        }
        let broken = crossResults.filter { !$0.held }
        #expect(crossHeld, "\(broken)")
        guard sagas else { return }
        let saga = try await SagaInvariants(schema: system.schema("saga")).check(system.pool("saga"))
        let sagaHeld = saga.allSatisfy(\.held)
        #expect(sagaHeld, "\(saga)")
    }

    @Test func anOrderSplitByWarehouseBecomesTwoOrdersThatEachShipWithTheirShareOfEveryAmount() async throws {
        try await FulfilmentTests.withSystem { system async throws in
            try await Self.stock(system)
            let parent = try await Self.placeReserved(system, "SPLIT-1")
            let before = try await Self.order(system, parent)
            let saga = try await Self.split(system, .init(order: parent, parts: [], byWarehouse: true, reason: "ship what is in each warehouse"))
            let completed = try await eventually { try await Self.sagaStatus(system, saga) == "completed" }
            #expect(completed)
            let children = try await Self.children(system, of: parent)
            try #require(children.count == 2)
            let childTotal: Int64 = children.map(\.total).reduce(0, +)
            #expect(childTotal == before.total, "the children's totals sum exactly to the parent's")
            let parentNow = try await Self.order(system, parent)
            #expect(parentNow.status == "split")
            let parentHolds = try await Self.reservations(system, of: parent)
            #expect(parentHolds.isEmpty, "the reservation moved to the children")
            let first = try await Self.reservations(system, of: children[0].id), second = try await Self.reservations(system, of: children[1].id)
            #expect(first == ["2:BJ:1"], "the first child (Beijing) holds the cap")
            #expect(second == ["1:SH:2"], "the second (Shanghai) the shirts")
            let parentInvoice = try await Self.invoices(system, of: parent)
            #expect(parentInvoice == ["void"])
            for child in children {
                let invoice = try await Self.invoices(system, of: child.id)
                #expect(invoice == ["issued"], "child \(child.id) is invoiced")
            }
            let gross = try await system.pool("finance").query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT sum(gross_minor) FILTER (WHERE order_id = $1)::bigint, sum(gross_minor) FILTER (WHERE order_id <> $1 AND status = 'issued')::bigint,
                               sum(tax_minor) FILTER (WHERE order_id = $1)::bigint, sum(tax_minor) FILTER (WHERE order_id <> $1 AND status = 'issued')::bigint
                        FROM \(system.schema("finance")).invoices WHERE kind = 'invoice'
                        """, binds: [parent]))[0]
            #expect(try gross.decode(Int64.self, at: 0) == gross.decode(Int64.self, at: 1), "the children's invoices sum to the parent's")
            #expect(try gross.decode(Int64.self, at: 2) == gross.decode(Int64.self, at: 3), "and so does their VAT")
            let parentFulfilment = try await system.pool("saga").query(
                PostgresQuery(
                    unsafeSQL: "SELECT status FROM \(system.schema("saga")).instances WHERE key = $1", binds: ["order:\(parent):fulfilment"]))[0]
                .decode(String.self, at: 0)
            #expect(parentFulfilment == "superseded")
            for child in children {
                let paid = try await system.client.send(
                    FinanceCommand.RecordPayment(
                        order: child.id, amount: Money(minorUnits: child.total, currency: .cny), method: "bank", reference: "PAY-\(child.id)"))
                #expect(paid.status == .done, "\(paid)")
            }
            for (index, child) in children.enumerated() {
                let shipped = try await FulfilmentTests.waitFor(system, "SPLIT-1-S\(index + 1)", status: "shipped")
                #expect(shipped == child.id, "child \(child.id) shipped on its own fulfilment")
            }
            // The lots' trace names the children that shipped them (once inventory issued the
            // parcels), with their customer; not the parent.
            for (sku, child) in [("CAP-BLUE", children[0]), ("TEE-RED-M", children[1])] {
                let traced = try await eventually {
                    try await LotTrace.of(lot: "L1", sku: sku, schema: system.schema("inventory"), system.pool("inventory")).orders == [
                        String(child.id)
                    ]
                }
                #expect(traced, "\(sku) was issued to child \(child.id) alone")
                let customers = try await LotTraceCustomers.of([String(child.id)], schema: system.schema("orders"), system.pool("orders"))
                #expect(customers[String(child.id)] != nil, "\(customers)")
            }
            try await Self.invariantsHold(system)
        }
    }

    @Test func requestsTheRulesRefuseAreRefusedWithTheirReason() async throws {
        try await FulfilmentTests.withSystem { system async throws in
            try await Self.stock(system)
            let order = try await Self.placeReserved(system, "SPLIT-RULES")
            let requests: [(any Message, String)] = [
                (SagaRequest.StartSplit(order: order, parts: [], byWarehouse: false, reason: "x"), "validation"),
                (SagaRequest.StartSplit(order: order, parts: [[.init(line: 1, quantity: 1)]], byWarehouse: true, reason: "x"), "validation"),
                (SagaRequest.StartSplit(order: order, parts: [[.init(line: 1, quantity: 1)]], byWarehouse: false, reason: " "), "validation"),
                (SagaRequest.StartSplit(order: 999_999, parts: [], byWarehouse: true, reason: "x"), "one-warehouse"),
                (SagaRequest.StartMerge(orders: [order], reason: "x"), "validation"),
                (SagaRequest.StartMerge(orders: [order, order], reason: "x"), "validation"),
                (SagaRequest.StartReturn(order: order, lines: [], kind: .return, reason: "x"), "validation"),
                (SagaRequest.StartExchange(order: order, lines: [.init(line: 1, quantity: 1)], replacements: [], reason: "x"), "validation"),
                (SagaRequest.Retry(saga: UUID()), "unknown-saga"),
            ]
            for (request, code) in requests {
                let outcome = try await Self.send(system, request)
                #expect(outcome.status == .refused && outcome.code == code, "\(request): \(outcome)")
            }
            // Orders, inventory and finance refuse what breaks their rules.
            let moved = try await system.client.send(
                InventoryCommand.MoveReservations(moves: [
                    .init(from: String(order), fromLine: 1, to: "elsewhere", toLine: 1, quantity: 99)
                ]))
            #expect(moved.code == "not-reserved", "\(moved)")
            let reinvoiced = try await system.client.send(FinanceCommand.Reinvoice(from: [999_999], to: [], origins: [], reason: "x"))
            #expect(reinvoiced.code == "validation", "\(reinvoiced)")
            let noInvoice = try await system.client.send(
                FinanceCommand.Reinvoice(
                    from: [999_999], to: [try await Self.snapshot(system, order)], origins: [], reason: "x"))
            #expect(noInvoice.code == "unknown-invoice", "\(noInvoice)")
        }
    }

    static func send(_ system: System, _ message: any Message) async throws -> CommandOutcome {
        func typed<M: Message>(_ message: M) async throws -> CommandOutcome { try await system.client.send(message) }
        return try await typed(message)
    }

    static func snapshot(_ system: System, _ order: Int64) async throws -> OrderSnapshot {
        try await system.pool("orders").withTransaction { try await OrderStore(schema: system.schema("orders")).snapshot(order, in: $0) }
    }

    enum Step: String, CaseIterable { case splitOrder, moveReservation, moveInvoice }

    @Test(arguments: Step.allCases)
    func aSplitThatFailsAtAnyStepRestoresTheParentExactly(step: Step) async throws {
        var inject: [String: @Sendable (inout MessageHandlers) -> Void] = [:]
        switch step {
        case .splitOrder: inject["orders"] = { $0.injectRefusal(OrderCommand.Split.self) }
        case .moveReservation: inject["inventory"] = { $0.injectRefusal(InventoryCommand.MoveReservations.self) }
        case .moveInvoice: inject["finance"] = { $0.injectRefusal(FinanceCommand.Reinvoice.self) }
        }
        try await FulfilmentTests.withSystem(inject: inject) { system async throws in
            try await Self.stock(system)
            let parent = try await Self.placeReserved(system, "SPLIT-F-\(step.rawValue)")
            let before = try await Self.order(system, parent)
            let heldBefore = try await Self.reservations(system, of: parent)
            let saga = try await Self.split(
                system, .init(order: parent, parts: [[.init(line: 1, quantity: 1)]], byWarehouse: false, reason: "pre-sale"))
            let compensated = try await eventually { try await Self.sagaStatus(system, saga) == "compensated" }
            #expect(compensated, "the split failed at \(step) and was undone")
            let after = try await Self.order(system, parent)
            #expect(after.status == before.status && after.total == before.total && after.lines == before.lines, "\(after) vs \(before)")
            let heldAfter = try await Self.reservations(system, of: parent)
            #expect(heldAfter == heldBefore, "the parent holds its reservation again")
            let children = try await Self.children(system, of: parent)
            let open = children.filter { $0.status != "cancelled" }
            #expect(open.isEmpty, "no child is left standing: \(children)")
            for child in children {
                let held = try await Self.reservations(system, of: child.id)
                #expect(held.isEmpty)
            }
            let invoice = try await Self.invoices(system, of: parent)
            #expect(invoice == ["issued"])
            try await Self.invariantsHold(system)
            // The parent's own fulfilment goes on: paid, it ships.
            let paid = try await system.client.send(
                FinanceCommand.RecordPayment(
                    order: parent, amount: Money(minorUnits: before.total, currency: .cny), method: "bank", reference: "PAY-\(parent)"))
            #expect(paid.status == .done, "\(paid)")
            let shipped = try await FulfilmentTests.waitFor(system, "SPLIT-F-\(step.rawValue)", status: "shipped")
            #expect(shipped == parent)
        }
    }

    @Test func aFailedCompensationLeavesTheSagaStuckUntilAnOperatorRetriesIt() async throws {
        let undoRefused = Flag(true)
        try await FulfilmentTests.withSystem(inject: [
            "finance": { $0.injectRefusal(FinanceCommand.Reinvoice.self) },
            "orders": { $0.injectRefusal(OrderCommand.UndoSplit.self, code: "busy", reason: "try later", when: { undoRefused.value }) },
        ]) { system async throws in
            // The team hears of a stuck saga (saga.saga.stuck.v1, for the CRM's saga_stuck rule).
            let spy = try await AMQPConnection.connect(ServiceHarness.environment.broker)
            let spyQueue = TestEnvironment.uniqueName("t.stuck")
            try await spy.declareQueue(spyQueue, durable: false, autoDelete: false)
            try await spy.bindQueue(spyQueue, to: system.events, routingKey: SagaEvent.Stuck.type.rawValue)
            try await Self.stock(system)
            let parent = try await Self.placeReserved(system, "SPLIT-STUCK")
            let saga = try await Self.split(
                system, .init(order: parent, parts: [[.init(line: 2, quantity: 1)]], byWarehouse: false, reason: "pre-sale"))
            let stuck = try await eventually { try await Self.sagaStatus(system, saga) == "stuck" }
            #expect(stuck, "undoing the split was refused: a person must look")
            var announced: [SagaEvent.Stuck] = []
            let told = try await eventually {
                announced = try await QueuePeek.messages(spyQueue, broker: ServiceHarness.environment.broker).map {
                    try MessageCoding.decoder().decode(SagaEvent.Stuck.self, from: $0.body)
                }
                return !announced.isEmpty
            }
            #expect(told, "the stuck saga was announced")
            #expect(announced.first?.saga == saga && announced.first?.sagaType == "split", "\(announced)")
            #expect(announced.first?.order == parent && announced.first?.reason.contains("try later") == true, "\(announced)")
            _ = try await spy.deleteQueue(spyQueue)
            await spy.close()
            let parentStuck = try await Self.order(system, parent)
            #expect(parentStuck.status == "split")
            undoRefused.value = false
            let retried = try await system.client.send(SagaRequest.Retry(saga: saga))
            #expect(retried.status == .done, "\(retried)")
            let compensated = try await eventually { try await Self.sagaStatus(system, saga) == "compensated" }
            #expect(compensated)
            let restored = try await Self.order(system, parent)
            #expect(restored.status == "pending_payment")
            let again = try await system.client.send(SagaRequest.Retry(saga: saga))
            #expect(again.status == .refused && again.code == "not-stuck", "\(again)")
            try await Self.invariantsHold(system)
        }
    }

    @Test func repeatedAndReorderedRepliesChangeNothing() async throws {
        let replyKey = "t.saga.replies.\(UUID().uuidString.prefix(8).lowercased())"
        // A spy queue gets a copy of every reply the coordinator gets.
        let spy = try await AMQPConnection.connect(ServiceHarness.environment.broker)
        // On a fresh broker no service may have declared the replies exchange yet.
        try await Topology.declareExchanges(on: spy)
        let spyQueue = TestEnvironment.uniqueName("t.spy")
        try await spy.declareQueue(spyQueue, durable: false, autoDelete: true)
        try await spy.bindQueue(spyQueue, to: Exchanges.replies, routingKey: replyKey)
        try await FulfilmentTests.withSystem(replyKey: replyKey) { system async throws in
            try await Self.stock(system)
            // A split, a merge and a return run to their end first.
            let parent = try await Self.placeReserved(system, "SPLIT-R")
            let saga = try await Self.split(
                system, .init(order: parent, parts: [[.init(line: 2, quantity: 1)]], byWarehouse: false, reason: "pre-sale"))
            let completed = try await eventually { try await Self.sagaStatus(system, saga) == "completed" }
            #expect(completed)
            let a = try await Self.placeReserved(system, "MERGE-R1"), b = try await Self.placeReserved(system, "MERGE-R2")
            let merge = try await MergeTests.merge(system, [a, b])
            let merged = try await eventually { try await Self.sagaStatus(system, merge) == "completed" }
            #expect(merged)
            let returned = try await ReturnTests.completedOrder(system, "RETURN-R")
            try await ReturnTests.returnOne(system, returned, line: 2)
            let settled = try await eventually {
                try await system.pool("saga").query(
                    PostgresQuery(
                        unsafeSQL: "SELECT count(*)::int FROM \(system.schema("saga")).instances WHERE status = 'waiting' AND request_id IS NOT NULL")
                )[0]
                .decode(Int.self, at: 0) == 0
            }
            #expect(settled, "every saga waits for an event, none for a reply")
            func snapshot() async throws -> [String] {
                let sagas = try await system.pool("saga").query(
                    PostgresQuery(
                        unsafeSQL: "SELECT id::text || ':' || status || ':' || version FROM \(system.schema("saga")).instances ORDER BY id")
                )
                .map { try $0.decode(String.self, at: 0) }
                let orders = try await system.pool("orders").query(
                    PostgresQuery(
                        unsafeSQL: "SELECT id || ':' || status FROM \(system.schema("orders")).orders ORDER BY id")
                ).map { try $0.decode(String.self, at: 0) }
                let stock = try await system.pool("inventory").query(
                    PostgresQuery(
                        unsafeSQL:
                            "SELECT sku || ':' || warehouse || ':' || on_hand || ':' || reserved FROM \(system.schema("inventory")).stock ORDER BY sku, warehouse"
                    )
                )
                .map { try $0.decode(String.self, at: 0) }
                let money = try await system.pool("finance").query(
                    PostgresQuery(
                        unsafeSQL:
                            "SELECT count(*)::text || ':' || coalesce(sum(debit_minor), 0)::text FROM \(system.schema("finance")).journal_lines")
                )
                .map { try $0.decode(String.self, at: 0) }
                return sagas + orders + stock + money
            }
            let before = try await snapshot()
            let waiting = try await spy.declareQueue(spyQueue, durable: false, autoDelete: true, passive: true).messageCount
            #expect(waiting >= 15, "the spy saw the replies of the split, the merge, the return and the fulfilments")
            let consumer = try await AMQPConsumer.start(ServiceHarness.environment.broker, queue: spyQueue, reconnect: false)
            var replies: [AMQPDelivery] = []
            while replies.count < waiting { replies += try await consumer.nextBatch(max: 100) }
            await consumer.close()
            let publisher = try await AMQPPublisher.connect(ServiceHarness.environment.broker)
            for delivery in replies.reversed() + replies {
                _ = try await publisher.publish(
                    AMQPMessage(
                        exchange: Exchanges.replies, routingKey: replyKey, body: delivery.body, properties: delivery.properties))
            }
            await publisher.close()
            // Nothing changes, so wait for the positive signal that the coordinator handled
            // them all: the queue holds none, not even unacknowledged (it acks after committing).
            let queue = "\(system.prefix).saga.replies"
            let drained = try await eventually {
                try await TestEnvironment.brokerQueueCount(queue) == 0
            }
            #expect(drained, "the coordinator took and settled the repeated replies")
            let after = try await snapshot()
            #expect(after == before)
        }
        await spy.close()
    }
}

/// A switch a test flips while services read it.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var _value: Bool
    init(_ value: Bool) { _value = value }
    var value: Bool {
        get { lock.withLock { _value } }
        set { lock.withLock { _value = newValue } }
    }
}
