import AMQP
import Contracts
import Foundation
import Messaging
import Orders
import Postgres
import Saga
import ServiceTestSupport
import TestSupport
import Testing

/// Amendments carried through: a change of an order's lines after its stock was reserved
/// and its invoice issued re-reserves all or nothing, reissues the invoice and lets the
/// payment state follow; an address change before allocation chooses the warehouse again.
@Suite(.timeLimit(.minutes(10))) struct AmendmentTests {
    typealias F = FulfilmentTests
    typealias B = BackorderTests

    static func reserved(_ system: SystemHarness, _ order: Int64) async throws -> [String: Int] {
        var held: [String: Int] = [:]
        for row in try await system.pool("inventory").query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT warehouse, sum(quantity)::int FROM \(system.schema("inventory")).reservations WHERE order_id = $1 GROUP BY warehouse
                    """, binds: [String(order)]))
        {
            held[try row.decode(String.self, at: 0)] = try row.decode(Int.self, at: 1)
        }
        return held
    }

    static func amendments(_ system: SystemHarness, _ order: Int64) async throws -> [OrderStore.Amendment] {
        try await OrderQueries(schema: system.schema("orders")).detail(order, system.pool("orders"))?.amendments ?? []
    }

    /// The order's invoices, oldest first: "status gross".
    static func invoices(_ system: SystemHarness, _ order: Int64) async throws -> [String] {
        try await system.pool("finance").query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT status || ' ' || gross_minor FROM \(system.schema("finance")).invoices WHERE order_id = $1 AND kind = 'invoice' ORDER BY number
                    """, binds: [order])
        ).map { try $0.decode(String.self, at: 0) }
    }

    /// Places an unpaid order of two shirts to 浙江省 and waits until they are reserved in SH.
    static func placedAndReserved(_ system: SystemHarness, _ externalID: String) async throws -> Int64 {
        try await F.place(system, externalID, paid: false)
        let id = try #require(try await F.waitFor(system, externalID, status: "pending_payment"))
        let reserved = try await eventually { try await Self.reserved(system, id) == ["SH": 2] }
        #expect(reserved)
        return id
    }

    static func quantities(_ system: SystemHarness, _ order: Int64) async throws -> [Int] {
        try await system.pool("orders").query(
            PostgresQuery(
                unsafeSQL: "SELECT quantity FROM \(system.schema("orders")).order_lines WHERE order_id = $1 ORDER BY line", binds: [order])
        )
        .map { try $0.decode(Int.self, at: 0) }
    }

    /// Sends a change of lines and waits until its amendment is refused, or applied and
    /// reinvoiced; nil if it never was.
    static func amended<M: Message>(_ system: SystemHarness, _ change: M) async throws -> OrderStore.Amendment? {
        let changed = try await system.client.send(change).decodeResult(OrderCommand.Changed.self)
        guard let amendment = changed.amendment else { return nil }
        var found: OrderStore.Amendment?
        _ = try await eventually(within: 30) {
            found = try await amendments(system, changed.order).first { $0.id == amendment }
            guard let found else { return false }
            return found.status == "refused" || (found.status == "applied" && found.open != nil)
        }
        return found
    }

    @Test func aPendingOrdersNewLinesAreReservedAppliedAndReinvoicedAndShipAsAmended() async throws {
        try await F.withSystem { system async throws in
            try await F.stock(system)
            let id = try await Self.placedAndReserved(system, "AM-1")
            let done = try #require(try await Self.amended(system, OrderCommand.ChangeLine(order: id, line: 1, quantity: 3)))
            #expect(done.status == "applied", "\(done)")
            #expect(done.open == Money(minorUnits: 30_700, currency: .cny), "three shirts and the shipping fee are owed")
            #expect(try await Self.quantities(system, id) == [3])
            #expect(try await Self.reserved(system, id) == ["SH": 3], "the reservation follows the new lines")
            #expect(try await Self.invoices(system, id) == ["void 20800", "issued 30700"])

            let paid = try await system.client.send(
                FinanceCommand.RecordPayment(
                    order: id, amount: Money(minorUnits: 30_700, currency: .cny), method: "bank", reference: "AM-1-PAY"))
            #expect(paid.status == .done, "\(paid)")
            #expect(try await F.waitFor(system, "AM-1", status: "shipped") == id, "paid in full: allocated and shipped as amended")
            let stock = try await eventually { try await F.level(system, "TEE-RED-M", "SH") == (7, 0) }
            #expect(stock, "three shirts issued")
            try await SplitTests.invariantsHold(system)
        }
    }

    @Test func anAmendmentWhoseLinesCannotBeReservedIsRefusedAndTheOrderKeepsItsLinesReservationAndInvoice() async throws {
        try await F.withSystem { system async throws in
            try await F.stock(system)
            let id = try await Self.placedAndReserved(system, "AM-2")
            let refused = try #require(try await Self.amended(system, OrderCommand.ChangeLine(order: id, line: 1, quantity: 50)))
            #expect(refused.status == "refused")
            #expect(refused.reason?.contains("TEE-RED-M") == true, "\(String(describing: refused.reason))")
            #expect(try await Self.quantities(system, id) == [2])
            #expect(try await Self.reserved(system, id) == ["SH": 2], "what it held is kept")
            #expect(try await Self.invoices(system, id) == ["issued 20800"])
            let detail = try await OrderQueries(schema: system.schema("orders")).detail(id, system.pool("orders"))
            #expect(detail?.attention?.contains("change refused") == true, "\(String(describing: detail?.attention))")

            _ = try await system.client.send(
                FinanceCommand.RecordPayment(
                    order: id, amount: Money(minorUnits: 20_800, currency: .cny), method: "bank", reference: "AM-2-PAY"))
            #expect(try await F.waitFor(system, "AM-2", status: "shipped") == id, "it ships as it was")
            try await SplitTests.invariantsHold(system)
        }
    }

    @Test func aPaidOrderAmendedToOweMoreWaitsForTheDifferenceBeforeItShips() async throws {
        try await F.withSystem { system async throws in
            try await B.product(system, "JAR")
            try await B.place(system, "AM-3", sku: "JAR", quantity: 1)  // paid 10.00 on the platform
            let id = try #require(try await F.waitFor(system, "AM-3", status: "on_hold"), "no jars: it waits, paid")
            let done = try #require(
                try await Self.amended(
                    system,
                    OrderCommand.AddLine(
                        order: id, sku: "JAR", quantity: 1, unitPrice: Money(minorUnits: 1_000, currency: .cny))))
            #expect(done.status == "applied", "\(done)")
            #expect(done.open == Money(minorUnits: 1_000, currency: .cny), "the second jar is owed")
            #expect(try await Self.invoices(system, id) == ["void 1000", "issued 2000"])

            try await B.receive(system, "JAR", 2, lot: "L1")
            #expect(try await F.waitFor(system, "AM-3", status: "pending_payment") == id, "released, but it owes the difference")
            let reserved = try await eventually { try await Self.reserved(system, id) == ["SH": 2] }
            #expect(reserved)
            #expect(try await F.status(system, "AM-3")?.status == "pending_payment", "nothing ships before the difference is paid")

            _ = try await system.client.send(
                FinanceCommand.RecordPayment(
                    order: id, amount: Money(minorUnits: 1_000, currency: .cny), method: "bank", reference: "AM-3-PAY"))
            #expect(try await F.waitFor(system, "AM-3", status: "shipped") == id)
            try await SplitTests.invariantsHold(system)
        }
    }

    @Test func aPaidOrderAmendedToCostLessIsPaidBackTheDifference() async throws {
        try await F.withSystem { system async throws in
            try await B.product(system, "CUP")
            try await B.place(system, "AM-4", sku: "CUP", quantity: 3)  // paid 30.00 on the platform
            let id = try #require(try await F.waitFor(system, "AM-4", status: "on_hold"))
            let done = try #require(try await Self.amended(system, OrderCommand.ChangeLine(order: id, line: 1, quantity: 1)))
            #expect(done.open == Money(minorUnits: 0, currency: .cny))
            #expect(try await Self.invoices(system, id) == ["void 3000", "issued 1000"])
            let paidBack = try await system.pool("finance").query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT sum(l.credit_minor)::bigint FROM \(system.schema("finance")).journal_lines l
                        JOIN \(system.schema("finance")).journal_entries e ON e.id = l.entry_id
                        WHERE e.source LIKE 'amend-refund:%' AND l.account = '1010'
                        """)
            ).first?.decode(Int64?.self, at: 0)
            #expect(paidBack == 2_000, "twenty paid back through the platform")
            try await B.receive(system, "CUP", 1, lot: "L1")
            #expect(try await F.waitFor(system, "AM-4", status: "shipped") == id, "still paid in full: it ships")
            try await SplitTests.invariantsHold(system)
        }
    }

    @Test func anAddressChangeBeforeAllocationChoosesTheWarehouseByTheNewRegion() async throws {
        try await F.withSystem { system async throws in
            try await F.stock(system)  // SH serves 浙江省
            _ = try await system.client.send(InventoryCommand.AddWarehouse(code: "BJ", name: "Beijing", region: "北京市"))
            _ = try await system.client.send(
                InventoryCommand.Receive(
                    sku: "TEE-RED-M", warehouse: "BJ", lot: "B1", expiry: nil, unitCost: Money(minorUnits: 2_600, currency: .cny), quantity: 10,
                    purchaseReference: "PO-B"))
            let id = try await Self.placedAndReserved(system, "AM-5")  // in 浙江省: reserved in SH
            let moved = try await system.client.send(
                OrderCommand.ChangeAddress(
                    order: id, address: .init(country: "CN", province: "北京市", city: "北京市", line1: "长安街 1 号")))
            #expect(moved.status == .done, "\(moved)")
            let inBeijing = try await eventually(within: 30) { try await Self.reserved(system, id) == ["BJ": 2] }
            #expect(inBeijing, "reserved again where the new region is served")
            _ = try await system.client.send(
                FinanceCommand.RecordPayment(
                    order: id, amount: Money(minorUnits: 20_800, currency: .cny), method: "bank", reference: "AM-5-PAY"))
            #expect(try await F.waitFor(system, "AM-5", status: "shipped") == id)
            let warehouses = try await system.pool("orders").query(
                PostgresQuery(
                    unsafeSQL: "SELECT DISTINCT warehouse FROM \(system.schema("orders")).shipments WHERE order_id = $1", binds: [id])
            )
            .map { try $0.decode(String?.self, at: 0) }
            #expect(warehouses == ["BJ"])
            try await SplitTests.invariantsHold(system)
        }
    }
}
