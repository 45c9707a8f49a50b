import AMQP
import Contracts
import Foundation
import Messaging
import Postgres
import Saga
import ServiceTestSupport
import TestSupport
import Testing

/// Backorders release themselves: an order on hold for want of stock goes on when stock of
/// its SKU arrives, oldest order first, without anyone changing its status.
@Suite(.timeLimit(.minutes(10))) struct BackorderTests {
    typealias F = FulfilmentTests

    static func product(_ system: SystemHarness, _ sku: String) async throws {
        _ = try await system.client.send(InventoryCommand.AddWarehouse(code: "SH", name: "Shanghai", region: "浙江省"))
        let event = try Envelope(
            CatalogEvent.SKUChanged(
                code: sku, product: sku, title: sku, options: [:], barcode: nil, price: nil, taxCategory: "standard", active: true), source: "tests")
        let publisher = try await AMQPPublisher.connect(ServiceHarness.environment.broker)
        _ = try await publisher.publish(
            AMQPMessage(
                exchange: system.events, routingKey: CatalogEvent.SKUChanged.type.rawValue, body: event.payload, properties: event.amqpProperties))
        await publisher.close()
        let copied = try await eventually {
            try await system.pool("orders").query(
                PostgresQuery(unsafeSQL: "SELECT 1 FROM \(system.schema("orders")).skus WHERE code = $1", binds: [sku])
            )
            .first != nil
        }
        #expect(copied)
    }

    static func receive(_ system: SystemHarness, _ sku: String, _ quantity: Int, lot: String) async throws {
        let received = try await system.client.send(
            InventoryCommand.Receive(
                sku: sku, warehouse: "SH", lot: lot, expiry: nil, unitCost: Money(minorUnits: 1_000, currency: .cny), quantity: quantity,
                purchaseReference: "PO-\(lot)"))
        #expect(received.status == .done, "\(received)")
    }

    static func place(_ system: SystemHarness, _ externalID: String, sku: String, quantity: Int) async throws {
        let order = CanonicalOrder(
            platform: "web", shop: "main", externalId: externalID, placedAt: "2026-11-28T10:15:00Z", currency: "CNY",
            shippingAddress: .init(country: "CN", province: "浙江省", city: "杭州市", line1: "文三路 1 号"),
            lines: [.init(sku: sku, quantity: quantity, unitPrice: "10.00")], shippingFee: "0.00",
            payment: .init(status: "paid", method: "alipay", amount: "\(quantity * 10).00"))
        try await FulfilmentTests.publish(system, order)
    }

    /// How many times the order changed status.
    static func changes(_ system: SystemHarness, _ id: Int64) async throws -> Int {
        try await system.pool("orders").query(
            PostgresQuery(
                unsafeSQL: "SELECT count(*)::int FROM \(system.schema("orders")).status_history WHERE order_id = $1", binds: [id]))[0].decode(
                Int.self, at: 0)
    }

    @Test func backordersAreReleasedByArrivingStockOldestFirstAndAnEarlierOrderIsNeverStarved() async throws {
        try await F.withSystem { system async throws in
            try await Self.product(system, "MUG")
            try await Self.place(system, "BO-A", sku: "MUG", quantity: 3)
            let a = try #require(try await F.waitFor(system, "BO-A", status: "on_hold"), "A waits: no stock at all")
            try await Self.place(system, "BO-B", sku: "MUG", quantity: 1)
            let b = try #require(try await F.waitFor(system, "BO-B", status: "on_hold"), "B waits behind A")

            // Two units: A (the oldest, wanting three) is tried and waits again; B, which two would serve, is not tried.
            try await Self.receive(system, "MUG", 2, lot: "L1")
            let triedA = try await eventually { try await Self.changes(system, a) >= 4 }
            #expect(triedA, "A was released and went back on hold")
            // A waits again in the queue: the release that followed was decided then.
            let aWaitsAgain = try await eventually {
                try await system.pool("saga").query(
                    PostgresQuery(
                        unsafeSQL: "SELECT released_at IS NULL FROM \(system.schema("saga")).backorders WHERE order_id = $1", binds: [a])
                ).first?
                .decode(Bool.self, at: 0) == true
            }
            #expect(aWaitsAgain)
            #expect(try await F.status(system, "BO-B")?.status == "on_hold")
            #expect(try await Self.changes(system, b) == 2, "B was never tried ahead of A")

            // A third unit: A goes; then B is released, finds nothing left and waits again.
            try await Self.receive(system, "MUG", 1, lot: "L2")
            #expect(try await F.waitFor(system, "BO-A", status: "shipped") == a, "A went on by itself")
            let triedB = try await eventually { try await Self.changes(system, b) >= 4 }
            #expect(triedB, "B was released after A was reserved")
            #expect(try await F.status(system, "BO-B")?.status == "on_hold")

            // A positive adjustment serves B.
            let adjusted = try await system.client.send(InventoryCommand.Adjust(sku: "MUG", warehouse: "SH", lot: "L1", delta: 1, reason: "found"))
            #expect(adjusted.status == .done, "\(adjusted)")
            #expect(try await F.waitFor(system, "BO-B", status: "shipped") == b, "B went on by itself")
            let queue = try await system.pool("saga").query(
                PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(system.schema("saga")).backorders"))[0]
                .decode(Int.self, at: 0)
            #expect(queue == 0, "nobody waits any more")
            try await SplitTests.invariantsHold(system)
        }
    }

    @Test func aBackorderWhoseLinesChangedWhileItWaitedGoesOnWithItsNewLines() async throws {
        try await F.withSystem { system async throws in
            try await Self.product(system, "JAR")
            try await Self.place(system, "BO-L", sku: "JAR", quantity: 3)
            let id = try #require(try await F.waitFor(system, "BO-L", status: "on_hold"), "no jars at all: it waits")
            let changed = try await system.client.send(OrderCommand.ChangeLine(order: id, line: 1, quantity: 1))
            #expect(changed.status == .done, "\(changed)")
            // One jar arrives: enough for the order as it now stands (one), not as it was placed (three).
            try await Self.receive(system, "JAR", 1, lot: "L1")
            #expect(try await F.waitFor(system, "BO-L", status: "shipped") == id, "the fulfilment reserved, allocated and shipped one jar")
            let reservedUnits = try await system.pool("orders").query(
                PostgresQuery(
                    unsafeSQL: "SELECT sum(quantity)::int FROM \(system.schema("orders")).allocations WHERE order_id = $1", binds: [id]))[0].decode(
                    Int.self, at: 0)
            #expect(reservedUnits == 1)
        }
    }

    @Test func aCancelledBackorderLeavesTheQueueAndTheNextIsReleased() async throws {
        try await F.withSystem { system async throws in
            try await Self.product(system, "BAG")
            try await Self.receive(system, "BAG", 1, lot: "L1")
            try await Self.place(system, "BO-C", sku: "BAG", quantity: 5)
            let c = try #require(try await F.waitFor(system, "BO-C", status: "on_hold"))
            try await Self.place(system, "BO-D", sku: "BAG", quantity: 2)
            let d = try #require(try await F.waitFor(system, "BO-D", status: "on_hold"))
            try await Self.receive(system, "BAG", 1, lot: "L2")
            let triedC = try await eventually { try await Self.changes(system, c) >= 4 }
            #expect(triedC)
            #expect(try await Self.changes(system, d) == 2, "D waits behind C")
            let cancelled = try await system.client.send(OrderCommand.ChangeStatus(order: c, to: "cancelled", reason: "customer gave up"))
            #expect(cancelled.status == .done, "\(cancelled)")
            #expect(try await F.waitFor(system, "BO-D", status: "shipped") == d, "the two units serve D once C is gone")
        }
    }
}
