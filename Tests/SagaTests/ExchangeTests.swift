import AMQP
import Contracts
import Foundation
import Inventory
import Messaging
import Postgres
import Saga
import ServiceTestSupport
import TestSupport
import Testing

/// The exchange saga end to end: the returned units come back, the replacement ships as a
/// new order paid from the refund, and the difference is owed or refunded.
@Suite(.timeLimit(.minutes(10))) struct ExchangeTests {
    typealias S = SplitTests

    /// A shirt in size L at 109.00 and a red cap at 39.99, in stock and priced in the catalog.
    static func replacements(_ system: SystemHarness) async throws {
        for (sku, warehouse, price) in [("TEE-RED-L", "SH", Int64(10_900)), ("CAP-RED", "BJ", 3_999)] {
            let received = try await system.client.send(
                InventoryCommand.Receive(
                    sku: sku, warehouse: warehouse, lot: "L1", expiry: nil, unitCost: Money(minorUnits: 2_000, currency: .cny), quantity: 5,
                    purchaseReference: "PO-\(sku)"))
            #expect(received.status == .done, "\(received)")
            try await S.publish(
                system,
                CatalogEvent.SKUChanged(
                    code: sku, product: sku, title: sku, options: [:], barcode: nil, price: Money(minorUnits: price, currency: .cny),
                    taxCategory: "standard",
                    active: true))
        }
        let copied = try await eventually {
            try await system.pool("orders").query(
                PostgresQuery(
                    unsafeSQL: "SELECT count(*)::int FROM \(system.schema("orders")).skus WHERE price_minor IS NOT NULL"))[0].decode(Int.self, at: 0)
                == 2
        }
        #expect(copied)
    }

    static func exchange(_ system: SystemHarness, _ order: Int64, line: Int, for sku: String) async throws -> (saga: UUID, rma: String) {
        let outcome = try await system.client.send(
            SagaRequest.StartExchange(
                order: order, lines: [.init(line: line, quantity: 1)], replacements: [.init(sku: sku, quantity: 1)], reason: "wrong size"))
        #expect(outcome.status == .done, "\(outcome)")
        let saga = try #require(try outcome.result?.decode(SagaRequest.Started.self)).saga
        var rma = ""
        let waiting = try await eventually {
            let row = try await system.pool("saga").query(
                PostgresQuery(
                    unsafeSQL: "SELECT state->'data'->>'rma', step FROM \(system.schema("saga")).instances WHERE id = $1", binds: [saga])
            ).first
            rma = try row?.decode(String.self, at: 0) ?? ""
            return try row?.decode(Int.self, at: 1) == 1
        }
        #expect(waiting, "approved, the exchange waits for the goods")
        let received = try await system.client.send(
            OrderCommand.InspectReturn(rma: rma, items: [.init(line: line, quantity: 1, condition: .sellable)]))
        #expect(received.status == .done, "\(received)")
        let completed = try await eventually { try await S.sagaStatus(system, saga) == "completed" }
        #expect(completed)
        return (saga, rma)
    }

    static func replacement(_ system: SystemHarness, rma: String) async throws -> (id: Int64, externalID: String) {
        let row = try await system.pool("orders").query(
            PostgresQuery(
                unsafeSQL: "SELECT id, external_id FROM \(system.schema("orders")).orders WHERE exchange_rma = $1", binds: [rma]))[0]
        return (try row.decode(Int64.self, at: 0), try row.decode(String.self, at: 1))
    }

    static func open(_ system: SystemHarness, order: Int64) async throws -> Int64 {
        try await system.pool("finance").query(
            PostgresQuery(
                unsafeSQL:
                    "SELECT coalesce(sum(open_minor), 0)::bigint FROM \(system.schema("finance")).open_items WHERE kind = 'receivable' AND order_id = $1",
                binds: [order]))[0].decode(Int64.self, at: 0)
    }

    @Test func aDearerReplacementShipsOnceTheDifferenceIsPaidAndACheaperOneShipsAtOnceWithTheDifferenceRefunded() async throws {
        try await FulfilmentTests.withSystem { system async throws in
            try await S.stock(system)
            try await Self.replacements(system)
            let order = try await ReturnTests.completedOrder(system, "EXC-1")

            // A shirt (98.50 of the line's 197.00) for a 109.00 one: 10.50 is owed.
            let (_, shirtRMA) = try await Self.exchange(system, order, line: 1, for: "TEE-RED-L")
            let dearer = try await Self.replacement(system, rma: shirtRMA)
            let title = try await system.pool("orders").query(
                PostgresQuery(
                    unsafeSQL: "SELECT title FROM \(system.schema("orders")).order_lines WHERE order_id = $1", binds: [dearer.id]))[0].decode(
                    String?.self, at: 0)
            #expect(title == "TEE-RED-L", "the replacement line is named as the catalog names its SKU")
            let owed = try await eventually { try await Self.open(system, order: dearer.id) == 1_050 }
            #expect(owed, "the refund paid 98.50 of the 109.00")
            let waits = try await S.order(system, dearer.id).status
            #expect(waits == "pending_payment", "it ships when the difference is paid")
            let reserved = try await eventually {
                try await system.pool("inventory").query(
                    PostgresQuery(
                        unsafeSQL: "SELECT count(*)::int FROM \(system.schema("inventory")).reservations WHERE order_id = $1",
                        binds: [String(dearer.id)]))[0]
                    .decode(Int.self, at: 0) == 1
            }
            #expect(reserved, "the replacement is reserved meanwhile")
            let paid = try await system.client.send(
                FinanceCommand.RecordPayment(
                    order: dearer.id, amount: Money(minorUnits: 1_050, currency: .cny), method: "bank", reference: "DIFF-1"))
            #expect(paid.status == .done, "\(paid)")
            let shipped = try await FulfilmentTests.waitFor(system, dearer.externalID, status: "shipped")
            #expect(shipped == dearer.id, "the replacement ships as a new shipment")

            // The cap (49.99) for a 39.99 one: paid in full by the refund, 10.00 goes back to the customer.
            let (_, capRMA) = try await Self.exchange(system, order, line: 2, for: "CAP-RED")
            let cheaper = try await Self.replacement(system, rma: capRMA)
            let capShipped = try await FulfilmentTests.waitFor(system, cheaper.externalID, status: "shipped")
            #expect(capShipped == cheaper.id)
            let cash = try await system.pool("finance").query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT coalesce(sum(l.credit_minor - l.debit_minor), 0)::bigint FROM \(system.schema("finance")).journal_lines l
                        JOIN \(system.schema("finance")).journal_entries e ON e.id = l.entry_id
                        WHERE l.account = '1010' AND (e.source = 'refund:' || $1 OR e.source = 'payment:' || $1 || '-credit')
                        """, binds: [capRMA]))[0].decode(Int64.self, at: 0)
            #expect(cash == 1_000, "49.99 refunded through the platform the order was paid on and 39.99 paid from it: 10.00 went back")
            let status = try await S.order(system, order).status
            #expect(status == "partially_returned")
            try await S.invariantsHold(system)
        }
    }

    @Test func anExchangeForAnUnknownSKUIsRejectedBeforeAnythingComesBack() async throws {
        try await FulfilmentTests.withSystem { system async throws in
            try await S.stock(system)
            let order = try await ReturnTests.completedOrder(system, "EXC-2")
            let outcome = try await system.client.send(
                SagaRequest.StartExchange(
                    order: order, lines: [.init(line: 1, quantity: 1)], replacements: [.init(sku: "NO-SUCH", quantity: 1)], reason: "wrong size"))
            let saga = try #require(try outcome.result?.decode(SagaRequest.Started.self)).saga
            let rejected = try await eventually { try await S.sagaStatus(system, saga) == "compensated" }
            #expect(rejected)
            let status = try await S.order(system, order).status
            #expect(status == "completed")
        }
    }
}
