import AMQP
import Contracts
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

/// Fulfilment end to end: orders, inventory, finance and the saga coordinator running
/// together on the real broker and database.
@Suite(.timeLimit(.minutes(10))) struct FulfilmentTests {
    /// Orders, inventory, finance and the coordinator; `inject` changes a service's handlers
    /// (failure injection); the coordinator's replies come with `replyKey` on `erp.replies`.
    /// With `warehouse`, a simulated warehouse confirms every allocated order's parcels
    /// (``ParcelSimulator``); without, the test ships them itself.
    static func withSystem<T>(
        paymentTimeout: Duration = .seconds(1800), returnGoodsTimeout: Duration = .seconds(86_400), shipBy: Duration = .seconds(48 * 3600),
        mergeWindow: Duration = .zero, backorders: Fulfilment.Backorders = .hold, backorderPartial: SagaService.Settings.BackorderPartial = .wait,
        warehouse: Bool = true, clock: any SagaClock = SystemSagaClock(),
        replyKey: String = "t.saga.replies.\(UUID().uuidString.prefix(8).lowercased())",
        inject: [String: @Sendable (inout MessageHandlers) -> Void] = [:],
        more: [String: @Sendable (_ schema: String, _ queuePrefix: String, _ commands: String, _ events: String) -> ServiceDefinition] = [:],
        _ body: (SystemHarness) async throws -> T
    ) async throws -> T {
        @Sendable func injected(_ name: String, _ definition: ServiceDefinition) -> ServiceDefinition {
            var definition = definition
            inject[name]?(&definition.handlers)
            return definition
        }
        return try await SystemHarness.run(
            prefix: "t_sys",
            services: more.merging([
                "orders": { schema, prefix, commands, events in
                    injected(
                        "orders",
                        OrdersService.definition(
                            schema: schema, queuePrefix: prefix, ingestExchange: commands, eventsExchange: events, commandsExchange: commands))
                },
                "inventory": { schema, prefix, commands, _ in
                    injected("inventory", InventoryService.definition(schema: schema, queue: "\(prefix).commands", commandsExchange: commands))
                },
                "finance": { schema, prefix, commands, events in
                    injected(
                        "finance", FinanceService.definition(schema: schema, queuePrefix: prefix, eventsExchange: events, commandsExchange: commands))
                },
                "saga": { schema, prefix, commands, events in
                    injected(
                        "saga",
                        SagaService.definition(
                            schema: schema, queuePrefix: prefix,
                            settings: {
                                var settings = SagaService.Settings(
                                    paymentTimeout: paymentTimeout, returnGoodsTimeout: returnGoodsTimeout, shipBy: shipBy, mergeWindow: mergeWindow,
                                    backorders: backorders)
                                settings.backorderPartial = backorderPartial
                                return settings
                            }(),
                            replyKey: replyKey,
                            eventsExchange: events, commandsExchange: commands, clock: clock))
                },
            ]) { extra, _ in extra }
        ) { system in
            guard warehouse else { return try await body(system) }
            let simulator = try await ParcelSimulator.start(
                broker: ServiceHarness.environment.broker, events: system.events, ingest: system.commands, tag: system.prefix)
            do {
                let result = try await body(system)
                await simulator.stop()
                return result
            } catch {
                await simulator.stop()
                throw error
            }
        }
    }

    static func stock(_ system: SystemHarness) async throws {
        _ = try await system.client.send(InventoryCommand.AddWarehouse(code: "SH", name: "Shanghai", region: "浙江省"))
        let received = try await system.client.send(
            InventoryCommand.Receive(
                sku: "TEE-RED-M", warehouse: "SH", lot: "L1", expiry: nil, unitCost: Money(minorUnits: 2_600, currency: .cny), quantity: 10,
                purchaseReference: "PO-1"))
        #expect(received.status == .done, "\(received)")
        let sku = try Envelope(
            CatalogEvent.SKUChanged(
                code: "TEE-RED-M", product: "TEE", title: "Tee", options: [:], barcode: nil, price: nil, taxCategory: "standard", active: true),
            source: "tests")
        let publisher = try await AMQPPublisher.connect(ServiceHarness.environment.broker)
        _ = try await publisher.publish(
            AMQPMessage(
                exchange: system.events, routingKey: CatalogEvent.SKUChanged.type.rawValue, body: sku.payload, properties: sku.amqpProperties))
        await publisher.close()
        let copied = try await eventually {
            try await system.pool("orders").query(PostgresQuery(unsafeSQL: "SELECT 1 FROM \(system.schema("orders")).skus")).first != nil
        }
        #expect(copied)
    }

    /// Publishes a platform order as the web platform would, on the system's ingest exchange.
    static func publish(_ system: SystemHarness, _ order: CanonicalOrder) async throws {
        let publisher = try await AMQPPublisher.connect(ServiceHarness.environment.broker)
        _ = try await publisher.publish(
            AMQPMessage(
                exchange: system.commands, routingKey: "platform.web.order.created", body: try MessageCoding.encoder().encode(order),
                properties: AMQPProperties(contentType: "application/json", persistent: true)))
        await publisher.close()
    }

    static func place(_ system: SystemHarness, _ externalID: String, paid: Bool) async throws {
        let order = CanonicalOrder(
            platform: "web", shop: "main", externalId: externalID, placedAt: "2026-11-28T10:15:00Z", currency: "CNY",
            customer: .init(name: "张三", email: "z@example.com"),
            shippingAddress: .init(country: "CN", province: "浙江省", city: "杭州市", line1: "文三路 1 号"),
            lines: [.init(sku: "TEE-RED-M", quantity: 2, unitPrice: "99.00")], shippingFee: "10.00",
            payment: paid ? .init(status: "paid", method: "alipay", amount: "208.00") : .init(status: "pending"))
        try await Self.publish(system, order)
    }

    static func status(_ system: SystemHarness, _ externalID: String) async throws -> (id: Int64, status: String)? {
        try await system.pool("orders").query(
            PostgresQuery(
                unsafeSQL: "SELECT id, status FROM \(system.schema("orders")).orders WHERE external_id = $1", binds: [externalID])
        ).first.map {
            (try $0.decode(Int64.self, at: 0), try $0.decode(String.self, at: 1))
        }
    }

    static func waitFor(_ system: SystemHarness, _ externalID: String, status wanted: String) async throws -> Int64? {
        var id: Int64?
        let reached = try await eventually(within: 30) {
            guard let found = try await status(system, externalID) else { return false }
            id = found.id
            return found.status == wanted
        }
        return reached ? id : nil
    }

    @Test func aPaidOrderGoesFromPlatformMessageToCompleted() async throws {
        try await Self.withSystem { system async throws in
            try await Self.stock(system)
            try await Self.place(system, "E2E-1", paid: true)
            let shipped = try await Self.waitFor(system, "E2E-1", status: "shipped")
            let id = try #require(shipped, "the saga reserved, allocated, issued and shipped the order")
            let delivered = try await system.client.send(OrderCommand.ChangeStatus(order: id, to: "delivered", reason: "courier scan"))
            #expect(delivered.status == .done, "\(delivered)")
            let completed = try await Self.waitFor(system, "E2E-1", status: "completed")
            #expect(completed == id)
            // The parcel's stock is issued by its shipment saga, which may still run when the
            // order completes: the stock is waited for, not read once.
            var stock: (onHand: Int, reserved: Int) = (-1, -1)
            let issued = try await eventually {
                let row = try await system.pool("inventory").query(
                    PostgresQuery(
                        unsafeSQL: "SELECT on_hand, reserved FROM \(system.schema("inventory")).stock WHERE sku = 'TEE-RED-M'"))[0]
                stock = (try row.decode(Int.self, at: 0), try row.decode(Int.self, at: 1))
                return stock == (8, 0)
            }
            #expect(issued, "two of ten issued and nothing left reserved: \(stock)")
            let costed = try await eventually {
                try await system.pool("finance").query(
                    PostgresQuery(
                        unsafeSQL: "SELECT sum(cost_minor)::bigint FROM \(system.schema("finance")).cost_lines WHERE order_ref = $1",
                        binds: [String(id)])
                )
                .first?.decode(Int64?.self, at: 0) == 5_200
            }
            #expect(costed, "finance booked the cost of the two shirts at their lot cost")
            // The order is completed before the saga has the reply that says so.
            let sagaCompleted = try await eventually {
                try await system.pool("saga").query(
                    PostgresQuery(unsafeSQL: "SELECT type || ':' || status FROM \(system.schema("saga")).instances ORDER BY type")
                )
                .map { try $0.decode(String.self, at: 0) } == ["fulfilment:completed", "shipment:completed"]
            }
            #expect(sagaCompleted)
            try await SplitTests.invariantsHold(system)
        }
    }

    /// Publishes a warehouse's shipment confirmation as a warehouse system would.
    static func confirm(_ system: SystemHarness, warehouse: String, order: Int64, shipment: String, lines: [(Int, Int)], tracking: String)
        async throws
    {
        let body = """
            {"order": \(order), "shipment_id": "\(shipment)", "carrier": "sf", "tracking_number": "\(tracking)", \
            "shipped_at": "2026-11-29T08:00:00Z", "lines": [\(lines.map { #"{"line": \#($0.0), "quantity": \#($0.1)}"# }.joined(separator: ", "))]}
            """
        let publisher = try await AMQPPublisher.connect(ServiceHarness.environment.broker)
        _ = try await publisher.publish(
            AMQPMessage(
                exchange: system.commands, routingKey: "warehouse.\(warehouse).shipment.confirmed", body: Data(body.utf8),
                properties: AMQPProperties(contentType: "application/json", persistent: true)))
        await publisher.close()
    }

    static func level(_ system: SystemHarness, _ sku: String, _ warehouse: String) async throws -> (onHand: Int, reserved: Int) {
        let row = try await system.pool("inventory").query(
            PostgresQuery(
                unsafeSQL: "SELECT on_hand, reserved FROM \(system.schema("inventory")).stock WHERE sku = $1 AND warehouse = $2",
                binds: [sku, warehouse]))[0]
        return (try row.decode(Int.self, at: 0), try row.decode(Int.self, at: 1))
    }

    @Test func eachWarehouseShipsItsOwnParcelAndEachParcelIssuesOnlyItsOwnStock() async throws {
        try await Self.withSystem(warehouse: false) { system async throws in
            try await SplitTests.stock(system)
            let placed = try await SplitTests.place(system, "E2E-WH", paid: true, untilShipped: false)
            let allocated = try await Self.waitFor(system, "E2E-WH", status: "allocated")
            let id = try #require(allocated)
            #expect(id == placed)
            let list = try await InventoryReports(schema: system.schema("inventory")).pickList(warehouse: "BJ", system.pool("inventory"))
            let picks = list.rows.map { [$0[0], $0[1], $0[2], $0[5]] }
            #expect(picks == [[String(id), "2", "CAP-BLUE", "1"]], "the cap is picked in Beijing: \(list.table)")
            try await Self.confirm(system, warehouse: "SH", order: id, shipment: "SH-1", lines: [(1, 2)], tracking: "SF-SH-1")
            let partly = try await Self.waitFor(system, "E2E-WH", status: "partially_shipped")
            #expect(partly == id)
            let shirtsIssued = try await eventually { try await Self.level(system, "TEE-RED-M", "SH") == (onHand: 8, reserved: 0) }
            #expect(shirtsIssued, "the shirts left Shanghai")
            let capHeld = try await Self.level(system, "CAP-BLUE", "BJ")
            #expect(capHeld.reserved == 1, "the cap stays reserved in Beijing until its parcel leaves")
            try await Self.confirm(system, warehouse: "BJ", order: id, shipment: "BJ-1", lines: [(2, 1)], tracking: "SF-BJ-1")
            let shipped = try await Self.waitFor(system, "E2E-WH", status: "shipped")
            #expect(shipped == id)
            let parcels = try await system.pool("orders").query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT s.id || '@' || s.warehouse || ':' || string_agg(l.line || 'x' || l.quantity, ',' ORDER BY l.line)
                        FROM \(system.schema("orders")).shipments s JOIN \(system.schema("orders")).shipment_lines l ON l.order_id = s.order_id AND l.shipment = s.id
                        WHERE s.order_id = $1 GROUP BY s.id, s.warehouse ORDER BY s.id
                        """, binds: [id])
            ).map { try $0.decode(String.self, at: 0) }
            #expect(parcels == ["BJ-1@BJ:2x1", "SH-1@SH:1x2"], "the cap from Beijing, the shirts from Shanghai")
            let capIssued = try await eventually { try await Self.level(system, "CAP-BLUE", "BJ").reserved == 0 }
            #expect(capIssued)
            try await SplitTests.invariantsHold(system)
        }
    }

    @Test func anAllocatedOrderNotShippedByItsDeadlineIsFlaggedAndStillShips() async throws {
        let clock = ManualSagaClock()
        try await Self.withSystem(warehouse: false, clock: clock) { system async throws in
            try await Self.stock(system)
            try await Self.place(system, "E2E-LATE", paid: true)
            let id = try #require(try await Self.waitFor(system, "E2E-LATE", status: "allocated"))
            // Waiting for its shipment until the ship-by deadline (48 hours of the saga's clock).
            let waitsForShipment = try await eventually {
                try await system.pool("saga").query(
                    PostgresQuery(unsafeSQL: "SELECT step FROM \(system.schema("saga")).instances WHERE type = 'fulfilment' AND status = 'waiting'")
                ).first?.decode(Int.self, at: 0) == 4
            }
            #expect(waitsForShipment)
            clock.advance(by: .seconds(48 * 3600 + 1))
            let flagged = try await eventually(within: 30) {
                try await system.pool("orders").query(
                    PostgresQuery(
                        unsafeSQL: "SELECT attention FROM \(system.schema("orders")).orders WHERE id = $1", binds: [id]))[0]
                    .decode(String?.self, at: 0)?.contains("not shipped within") == true
            }
            #expect(flagged, "flagged for attention, not cancelled")
            #expect(try await Self.status(system, "E2E-LATE")?.status == "allocated")
            try await Self.confirm(system, warehouse: "SH", order: id, shipment: "LATE-1", lines: [(1, 2)], tracking: "SF-LATE")
            let shipped = try await Self.waitFor(system, "E2E-LATE", status: "shipped")
            #expect(shipped == id, "a late order still ships")
            let sagaStep = try await eventually {
                try await system.pool("saga").query(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT h.step FROM \(system.schema("saga")).history h JOIN \(system.schema("saga")).instances i ON i.id = h.saga_id
                            WHERE i.type = 'fulfilment' ORDER BY h.seq DESC LIMIT 1
                            """))[0].decode(String.self, at: 0) == "await delivery"
            }
            #expect(sagaStep, "the fulfilment went on to wait for delivery")
        }
    }

    @Test func aBackorderOnHoldShipsWhenItIsReleasedAfterTheStockArrives() async throws {
        try await Self.withSystem { system async throws in
            try await SplitTests.stock(system)
            // 2 shirts and a cap; Beijing's caps are all taken first.
            let taken = try await system.client.send(
                InventoryCommand.Adjust(sku: "CAP-BLUE", warehouse: "BJ", lot: "L1", delta: -10, reason: "damaged"))
            #expect(taken.status == .done, "\(taken)")
            let id = try await SplitTests.place(system, "E2E-BO", paid: false)
            let held = try await Self.waitFor(system, "E2E-BO", status: "on_hold")
            #expect(held == id, "the reservation was refused: a backorder")
            let restocked = try await system.client.send(
                InventoryCommand.Receive(
                    sku: "CAP-BLUE", warehouse: "BJ", lot: "L2", expiry: nil, unitCost: Money(minorUnits: 2_000, currency: .cny), quantity: 5,
                    purchaseReference: "PO-2"))
            #expect(restocked.status == .done, "\(restocked)")
            // The receipt releases the backorder by itself (BackorderTests has the rules of that queue).
            let released = try await Self.waitFor(system, "E2E-BO", status: "pending_payment")
            #expect(released == id, "the stock's arrival released it")
            let reserved = try await eventually { try await SplitTests.reservations(system, of: id).count == 2 }
            #expect(reserved, "a new fulfilment reserved it")
            let sagas = try await system.pool("saga").query(
                PostgresQuery(
                    unsafeSQL: "SELECT status FROM \(system.schema("saga")).instances WHERE key LIKE $1 ORDER BY created_at",
                    binds: ["order:\(id):fulfilment%"])
            )
            .map { try $0.decode(String.self, at: 0) }
            #expect(sagas == ["compensated", "waiting"], "the old one keeps its history under another key")
        }
    }

    static func children(_ system: SystemHarness, of parent: Int64) async throws -> [String] {
        try await system.pool("orders").query(
            PostgresQuery(
                unsafeSQL: "SELECT status FROM \(system.schema("orders")).orders WHERE parent_id = $1 ORDER BY id", binds: [parent])
        )
        .map { try $0.decode(String.self, at: 0) }
    }

    @Test func withPartialBackordersThePartInStockShipsNowAndTheRestWaitsAsAChildOrder() async throws {
        try await Self.withSystem(backorderPartial: .ship) { system async throws in
            try await SplitTests.stock(system)
            // 2 shirts and a cap; every cap is gone.
            let taken = try await system.client.send(
                InventoryCommand.Adjust(sku: "CAP-BLUE", warehouse: "BJ", lot: "L1", delta: -10, reason: "damaged"))
            #expect(taken.status == .done, "\(taken)")
            let id = try await SplitTests.place(system, "E2E-PART", paid: true, untilShipped: false)
            let split = try await eventually(within: 30) { try await Self.children(system, of: id) == ["shipped", "on_hold"] }
            let children = try await Self.children(system, of: id)
            #expect(split, "the shirts shipped as one child, the cap waits as the other: \(children)")
            #expect(try await Self.status(system, "E2E-PART")?.status == "split")
            let restocked = try await system.client.send(
                InventoryCommand.Receive(
                    sku: "CAP-BLUE", warehouse: "BJ", lot: "L2", expiry: nil, unitCost: Money(minorUnits: 2_000, currency: .cny), quantity: 5,
                    purchaseReference: "PO-2"))
            #expect(restocked.status == .done, "\(restocked)")
            let shipped = try await eventually(within: 30) { try await Self.children(system, of: id) == ["shipped", "shipped"] }
            #expect(shipped, "the cap's arrival released the waiting child, which shipped")
            // The platform is told of both parcels under its own order, not of the ERP's children.
            var told: [Outbound.FulfillmentCreated] = []
            let bothTold = try await eventually {
                told = try await QueuePeek.messages("\(system.prefix).orders.outbound.web", broker: ServiceHarness.environment.broker)
                    .map { try MessageCoding.decoder().decode(Outbound.FulfillmentCreated.self, from: $0.body) }
                return told.count >= 2
            }
            let toldOrders = told.map(\.orderId)
            #expect(bothTold && toldOrders == ["E2E-PART", "E2E-PART"], "\(told)")
            try await SplitTests.invariantsHold(system)
        }
    }

    @Test func withBackordersCancelledAnOrderThatCannotBeReservedIsCancelledAndItsInvoiceVoided() async throws {
        try await Self.withSystem(backorders: .cancel) { system async throws in
            try await SplitTests.stock(system)
            let taken = try await system.client.send(
                InventoryCommand.Adjust(sku: "CAP-BLUE", warehouse: "BJ", lot: "L1", delta: -10, reason: "damaged"))
            #expect(taken.status == .done, "\(taken)")
            let id = try await SplitTests.place(system, "E2E-BOC", paid: false)
            let cancelled = try await Self.waitFor(system, "E2E-BOC", status: "cancelled")
            #expect(cancelled == id)
            let voided = try await eventually { try await SplitTests.invoices(system, of: id) == ["void"] }
            #expect(voided)
            try await SplitTests.invariantsHold(system)
        }
    }

    @Test func anOrderCancelledBeforeShipmentGetsItsStockReleasedAndItsInvoiceVoided() async throws {
        try await Self.withSystem { system async throws in
            try await Self.stock(system)
            try await Self.place(system, "E2E-3", paid: false)
            let placed = try await Self.waitFor(system, "E2E-3", status: "pending_payment")
            let id = try #require(placed)
            let reservedFirst = try await eventually {
                try await system.pool("inventory").query(
                    PostgresQuery(
                        unsafeSQL: "SELECT reserved FROM \(system.schema("inventory")).stock WHERE sku = 'TEE-RED-M'"))[0].decode(Int.self, at: 0)
                    == 2
            }
            #expect(reservedFirst)
            let cancelled = try await system.client.send(OrderCommand.ChangeStatus(order: id, to: "cancelled", reason: "customer changed their mind"))
            #expect(cancelled.status == .done, "\(cancelled)")
            let released = try await eventually {
                try await system.pool("inventory").query(
                    PostgresQuery(
                        unsafeSQL: "SELECT reserved FROM \(system.schema("inventory")).stock WHERE sku = 'TEE-RED-M'"))[0].decode(Int.self, at: 0)
                    == 0
            }
            #expect(released, "the saga released the reservation")
            let voided = try await eventually {
                try await system.pool("finance").query(
                    PostgresQuery(
                        unsafeSQL: "SELECT status FROM \(system.schema("finance")).invoices WHERE order_id = $1", binds: [id])
                ).first?.decode(String.self, at: 0) == "void"
            }
            #expect(voided, "and voided the invoice")
            let saga = try await system.pool("saga").query(PostgresQuery(unsafeSQL: "SELECT status FROM \(system.schema("saga")).instances"))
            let sagaStates = try saga.map { try $0.decode(String.self, at: 0) }
            #expect(sagaStates == ["compensated"])
        }
    }

    @Test func anAllocatedOrderCancelledBeforeItsParcelLeftIsReleasedAndALateConfirmationIsQuarantined() async throws {
        try await Self.withSystem(warehouse: false) { system async throws in
            try await Self.stock(system)
            try await Self.place(system, "E2E-CXL", paid: true)
            let id = try #require(try await Self.waitFor(system, "E2E-CXL", status: "allocated"))
            let cancelled = try await system.client.send(OrderCommand.ChangeStatus(order: id, to: "cancelled", reason: "customer changed their mind"))
            #expect(cancelled.status == .done, "\(cancelled)")
            let released = try await eventually { try await Self.level(system, "TEE-RED-M", "SH") == (onHand: 10, reserved: 0) }
            #expect(released, "the reservation went back; nothing was issued")
            try await Self.confirm(system, warehouse: "SH", order: id, shipment: "TOO-LATE", lines: [(1, 2)], tracking: "SF-X")
            let quarantined = try await eventually {
                try await system.pool("orders").query(
                    PostgresQuery(
                        unsafeSQL: "SELECT code FROM \(system.schema("orders")).quarantine")
                ).map { try $0.decode(String.self, at: 0) } == ["illegal-transition"]
            }
            #expect(quarantined, "a parcel for a cancelled order is kept with its reason, not recorded")
            #expect(try await Self.status(system, "E2E-CXL")?.status == "cancelled")
        }
    }

    @Test func anUnpaidOrderIsCancelledAtItsDeadlineWithItsStockReleasedAndItsInvoiceVoided() async throws {
        let clock = ManualSagaClock()
        try await Self.withSystem(clock: clock) { system async throws in
            try await Self.stock(system)
            try await Self.place(system, "E2E-2", paid: false)
            // Reserved, waiting for its payment until the deadline (30 minutes of the saga's clock).
            let waitsForPayment = try await eventually {
                try await system.pool("saga").query(
                    PostgresQuery(unsafeSQL: "SELECT step FROM \(system.schema("saga")).instances WHERE status = 'waiting'")
                ).first?.decode(Int.self, at: 0) == 2
            }
            #expect(waitsForPayment)
            #expect(try await Self.status(system, "E2E-2")?.status == "pending_payment", "not before its deadline")
            clock.advance(by: .seconds(1_801))
            let cancelled = try await Self.waitFor(system, "E2E-2", status: "cancelled")
            let id = try #require(cancelled, "the unpaid order was cancelled by the timeout")
            let reserved = try await eventually {
                try await system.pool("inventory").query(
                    PostgresQuery(
                        unsafeSQL: "SELECT reserved FROM \(system.schema("inventory")).stock WHERE sku = 'TEE-RED-M'"))[0].decode(Int.self, at: 0)
                    == 0
            }
            #expect(reserved, "its stock was released")
            let voided = try await eventually {
                try await system.pool("finance").query(
                    PostgresQuery(
                        unsafeSQL: "SELECT status FROM \(system.schema("finance")).invoices WHERE order_id = $1", binds: [id])
                ).first?.decode(String.self, at: 0) == "void"
            }
            #expect(voided, "its invoice was voided")
            let saga = try await system.pool("saga").query(PostgresQuery(unsafeSQL: "SELECT status FROM \(system.schema("saga")).instances"))
            let sagaStates = try saga.map { try $0.decode(String.self, at: 0) }
            #expect(sagaStates == ["compensated"])
        }
    }
}
