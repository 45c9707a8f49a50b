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
@Suite(.timeLimit(.minutes(6))) struct OrderCommandTests {
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

    static func quantities(_ harness: ServiceHarness, _ id: Int64) async throws -> [Int] {
        try await harness.pool.query(
            PostgresQuery(
                unsafeSQL: "SELECT quantity FROM \(harness.schema).order_lines WHERE order_id = $1 ORDER BY line", binds: [id])
        ).map { try $0.decode(Int.self, at: 0) }
    }

    /// The orders service alone (the coordinator's part played by the test): a change of
    /// lines is checked at once and waits as an amendment; the order keeps its lines until
    /// the amendment is applied, and one change waits at a time.
    @Test func aChangeOfLinesWaitsAsAnAmendmentAndTheOrderKeepsItsLinesUntilItIsApplied() async throws {
        try await IntakeServiceTests.withOrders { harness async throws in
            let id = try await Self.placed(harness, "LINES-1", paid: false)
            let changed = try await harness.client.send(OrderCommand.ChangeLine(order: id, line: 1, quantity: 3)).decodeResult(
                OrderCommand.Changed.self)
            #expect(changed.total == Money(minorUnits: 3 * 9_900 - 1_000 + 1_000, currency: .cny), "the total it will have")
            let amendment = try #require(changed.amendment)
            #expect(try await Self.quantities(harness, id) == [2], "not applied yet")
            #expect(try await harness.outboxTypes().contains(OrderEvent.AmendmentRequested.type.rawValue))
            // Checked at once, before anything waits.
            #expect(
                try await harness.client.send(
                    OrderCommand.AddLine(
                        order: id, sku: "NOPE", quantity: 1, unitPrice: Money(minorUnits: 100, currency: .cny))
                ).code == "unknown-sku")
            #expect(
                try await harness.client.send(
                    OrderCommand.AddLine(
                        order: id, sku: "TEE-RED-M", quantity: 1, unitPrice: Money(minorUnits: 100, currency: .usd))
                ).code == "validation")
            #expect(try await harness.client.send(OrderCommand.ChangeLine(order: id, line: 9, quantity: 1)).code == "unknown-line")
            #expect(
                try await harness.client.send(OrderCommand.ChangeLine(order: id, line: 1, quantity: 0)).code == "validation", "the last line stays")
            #expect(try await harness.client.send(OrderCommand.ChangeLine(order: id, line: 1, quantity: 2_000_000)).code == "validation")
            #expect(try await harness.client.send(OrderCommand.ChangeLine(order: id, line: 1, quantity: 4)).code == "busy", "one change at a time")

            let applied = try await harness.client.send(OrderCommand.ApplyAmendment(order: id, amendment: amendment))
                .decodeResult(OrderCommand.AmendmentApplied.self)
            #expect(applied.snapshot.lines.map(\.quantity) == [3])
            #expect(applied.snapshot.total == changed.total)
            #expect(try await Self.quantities(harness, id) == [3])
            let again = try await harness.client.send(OrderCommand.ApplyAmendment(order: id, amendment: amendment))
            #expect(again.status == .done, "a repeat changes nothing")
            #expect(try await Self.quantities(harness, id) == [3])

            // A second change, refused (say the stock is not there): the order keeps its lines, a person is told.
            let added = try await harness.client.send(
                OrderCommand.AddLine(
                    order: id, sku: "TEE-RED-M", quantity: 1, unitPrice: Money(minorUnits: 5_000, currency: .cny))
            ).decodeResult(OrderCommand.Changed.self)
            #expect(added.total.minorUnits == changed.total.minorUnits + 5_000)
            let second = try #require(added.amendment)
            #expect(
                try await harness.client.send(OrderCommand.RefuseAmendment(order: id, amendment: second, reason: "not enough TEE-RED-M")).status
                    == .done)
            #expect(try await harness.client.send(OrderCommand.ApplyAmendment(order: id, amendment: second)).code == "refused")
            #expect(try await Self.quantities(harness, id) == [3])
            let detail = try #require(try await OrderQueries(schema: harness.schema).detail(id, harness.pool))
            #expect(detail.attention?.contains("not enough TEE-RED-M") == true, "\(String(describing: detail.attention))")
            #expect(detail.amendments.map(\.status) == ["applied", "refused"])
            #expect(try await harness.client.send(OrderCommand.ChangeShippingMethod(order: id, method: "express")).status == .done)
            let recorded = try await harness.pool.query(
                PostgresQuery(
                    unsafeSQL: "SELECT array_to_string(what, ','), actor FROM \(harness.schema).order_changes WHERE order_id = $1 ORDER BY id",
                    binds: [id]))
            let whats = try recorded.map { try $0.decode(String.self, at: 0) }
            #expect(whats == ["lines", "shipping_method"], "every change that took effect is recorded")
            #expect(try recorded[0].decode(String.self, at: 1) == "tests")
            #expect(try await harness.client.send(OrderCommand.ChangeStatus(order: 999_999, to: "paid", reason: "x")).code == "unknown-order")
            #expect(try await harness.client.send(OrderCommand.ChangeStatus(order: id, to: "flying", reason: "x")).code == "validation")

            // Finance reissued the invoice and nothing is open (what was paid covers it): the order is paid, its lines fixed.
            let settled = try await harness.client.send(
                OrderCommand.SettleAmendment(
                    order: id, amendment: amendment, open: Money(minorUnits: 0, currency: .cny), invoice: "INV-X"))
            #expect(settled.status == .done)
            #expect(try await Self.status(harness, id) == "paid")
            #expect(try await harness.client.send(OrderCommand.ChangeLine(order: id, line: 1, quantity: 1)).code == "too-late")
        }
    }

    @Test func aPlatformRevisionWithNewLinesWaitsAsAnAmendment() async throws {
        try await IntakeServiceTests.withOrders { harness async throws in
            let id = try await Self.placed(harness, "LINES-2", paid: false)
            try await IntakeServiceTests.ingest(
                harness, "platform.web.order.updated", OrderSamples.json(OrderSamples.canonical("LINES-2", revision: 2, quantity: 5, paid: false)))
            let waited = try await IntakeServiceTests.waitForOrder(harness, "LINES-2", until: { $0.revision == 2 })
            #expect(waited != nil)
            #expect(try await Self.quantities(harness, id) == [2], "the order keeps its lines until the change is carried through")
            let detail = try #require(try await OrderQueries(schema: harness.schema).detail(id, harness.pool))
            #expect(detail.amendments.map(\.what) == ["revision 2 from web"])
            #expect(detail.amendments.first?.lines.map(\.quantity) == [5])
            // A later revision while that one waits: a person decides.
            try await IntakeServiceTests.ingest(
                harness, "platform.web.order.updated", OrderSamples.json(OrderSamples.canonical("LINES-2", revision: 3, quantity: 6, paid: false)))
            let flagged = try await IntakeServiceTests.waitForOrder(harness, "LINES-2", until: { $0.attention != nil })
            #expect(flagged?.attention?.contains("still being carried through") == true, "\(String(describing: flagged?.attention))")
        }
    }
}
