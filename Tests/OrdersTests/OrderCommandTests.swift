import AMQP
import Contracts
import Foundation
import Messaging
import Orders
import Postgres
import ServiceTestSupport
import TestSupport
import Testing

/// Commands on existing orders, through the real broker and database.
@Suite(.timeLimit(.minutes(3))) struct OrderCommandTests {
    static func placed(_ harness: ServiceHarness, _ externalID: String, paid: Bool, quantity: Int = 2) async throws -> Int64 {
        try await IntakeServiceTests.skuKnown(harness, "TEE-RED-M")
        try await IntakeServiceTests.ingest(
            harness, "platform.web.order.created", OrderSamples.json(OrderSamples.canonical(externalID, quantity: quantity, paid: paid)))
        let row = try await IntakeServiceTests.waitForOrder(harness, externalID)
        return try #require(row).id
    }

    static func status(_ harness: ServiceHarness, _ id: Int64) async throws -> String {
        try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT status FROM \(harness.schema).orders WHERE id = $1", binds: [id]))[0]
            .decode(String.self, at: 0)
    }

    @Test func linesChangeOnlyBeforePaymentAndTotalsFollow() async throws {
        try await IntakeServiceTests.withOrders { harness async throws in
            let id = try await Self.placed(harness, "LINES-1", paid: false)
            let changed = try await harness.client.send(OrderCommand.ChangeLine(order: id, line: 1, quantity: 3)).decodeResult(OrderCommand.Changed.self)
            #expect(changed.total == Money(minorUnits: 3 * 9_900 - 1_000 + 1_000, currency: .cny))
            #expect(try await harness.client.send(OrderCommand.AddLine(
                order: id, sku: "NOPE", quantity: 1, unitPrice: Money(minorUnits: 100, currency: .cny))).code == "unknown-sku")
            let added = try await harness.client.send(OrderCommand.AddLine(
                order: id, sku: "TEE-RED-M", quantity: 1, unitPrice: Money(minorUnits: 5_000, currency: .cny))).decodeResult(OrderCommand.Changed.self)
            #expect(added.total.minorUnits == changed.total.minorUnits + 5_000)
            #expect(try await harness.client.send(OrderCommand.ChangeLine(order: id, line: 9, quantity: 1)).code == "unknown-line")
            #expect(try await harness.client.send(OrderCommand.ChangeLine(order: id, line: 2, quantity: 0)).status == .done)
            #expect(try await harness.client.send(OrderCommand.ChangeLine(order: id, line: 1, quantity: 0)).code == "validation", "the last line stays")
            #expect(try await harness.client.send(OrderCommand.ChangeShippingMethod(order: id, method: "express")).status == .done)
            let recorded = try await harness.pool.query(PostgresQuery(
                unsafeSQL: "SELECT array_to_string(what, ','), actor FROM \(harness.schema).order_changes WHERE order_id = $1 ORDER BY id", binds: [id]))
            let whats = try recorded.map { try $0.decode(String.self, at: 0) }
            #expect(whats == ["lines", "lines", "lines", "shipping_method"], "every change is recorded")
            #expect(try recorded[0].decode(String.self, at: 1) == "tests")
            #expect(try await harness.client.send(OrderCommand.ChangeStatus(order: 999_999, to: "paid", reason: "x")).code == "unknown-order")
            #expect(try await harness.client.send(OrderCommand.ChangeStatus(order: id, to: "flying", reason: "x")).code == "validation")

            // Finance records the payment: the order becomes paid, and its lines are then fixed.
            try await IntakeServiceTests.publish(harness, event: FinanceEvent.PaymentReceived(
                order: id, amount: changed.total, method: "bank transfer", reference: "BT-1"))
            let paid = try await eventually { try await Self.status(harness, id) == "paid" }
            #expect(paid)
            #expect(try await harness.client.send(OrderCommand.ChangeLine(order: id, line: 1, quantity: 1)).code == "too-late")
        }
    }
}
