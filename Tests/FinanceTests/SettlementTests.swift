import Contracts
import Finance
import Foundation
import Messaging
import Postgres
import ServiceTestSupport
import TestSupport
import Testing

/// Platform settlements through the real broker and database.
@Suite(.timeLimit(.minutes(6))) struct SettlementTests {
    static func cny(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .cny) }
    static let payout = try! BusinessDate("2026-11-25")

    static func line(_ row: Int, _ order: String?, gross: Int64, fee: Int64, refund: Int64 = 0, kind: FinanceCommand.SettlementLine.Kind = .order)
        -> FinanceCommand.SettlementLine
    {
        FinanceCommand.SettlementLine(
            row: row, kind: kind, externalId: order, gross: cny(gross), fee: cny(fee), refund: cny(refund), net: cny(gross - fee - refund),
            payoutDate: payout)
    }

    static func clearing(_ harness: ServiceHarness, order: Int64? = nil) async throws -> Int64 {
        -(try await SupplierBillTests.balance(harness, Accounts.platformClearing))
    }

    @Test(FinanceServiceTests.finance) func aSettlementBooksFeesAndPayoutsSettlesClearingAndIsBookedOnceHoweverOftenItIsImported() async throws {
        let harness = try ServiceHarness.required()
        // Orders 11 and 13 were paid on shopify (external ids E11, E13).
        let orders = [FinanceServiceTests.order(11, day: 3, paid: true), FinanceServiceTests.order(13, day: 4, paid: true)]
        for order in orders { try await FinanceServiceTests.publish(harness, OrderEvent.Placed(snapshot: order)) }
        let invoiced = try await eventually { try await FinanceServiceTests.count(harness, "SELECT count(*)::int FROM $S.order_refs") == 2 }
        #expect(invoiced)
        let collected = orders.reduce(Int64(0)) { $0 + $1.total.minorUnits }
        #expect(try await Self.clearing(harness) == collected, "the platform owes what it collected")
        let lines = [
            Self.line(2, "E11", gross: orders[0].total.minorUnits, fee: 600),
            Self.line(3, "E13", gross: orders[1].total.minorUnits, fee: 700),
            Self.line(4, nil, gross: -1_500, fee: 0, kind: .adjustment),
        ]
        let command = FinanceCommand.ImportSettlement(platform: "shopify", file: "payout-1.csv", lines: lines)
        let first = try await harness.client.send(command)
        let result = try first.decodeResult(FinanceCommand.SettlementImported.self)
        #expect(result == FinanceCommand.SettlementImported(booked: 3, alreadyBooked: 0, problems: []), "\(first)")
        #expect(try await Self.clearing(harness) == 1_500, "both orders settled; the adjustment is still owed back to the platform")
        #expect(try await SupplierBillTests.balance(harness, Accounts.platformFees) == -1_300)
        #expect(try await SupplierBillTests.balance(harness, Accounts.cash) == -(collected - 1_300 - 1_500))

        let again = try await harness.client.send(command)
        #expect(try again.decodeResult(FinanceCommand.SettlementImported.self) == .init(booked: 0, alreadyBooked: 3, problems: []), "\(again)")
        #expect(try await SupplierBillTests.balance(harness, Accounts.platformFees) == -1_300, "nothing booked twice")
        #expect(try await SupplierBillTests.invariantsHold(harness) == [])
    }

    @Test(FinanceServiceTests.finance) func ordersTheBooksDoNotKnowOrWhoseAmountsDifferAreReported() async throws {
        let harness = try ServiceHarness.required()
        let paid = FinanceServiceTests.order(21, day: 3, paid: true)
        let unpaid = FinanceServiceTests.order(23, day: 3, paid: false)
        for order in [paid, unpaid] { try await FinanceServiceTests.publish(harness, OrderEvent.Placed(snapshot: order)) }
        let invoiced = try await eventually { try await FinanceServiceTests.count(harness, "SELECT count(*)::int FROM $S.order_refs") == 2 }
        #expect(invoiced)
        let lines = [
            Self.line(2, "E21", gross: paid.total.minorUnits + 100, fee: 500),
            Self.line(3, "E23", gross: 1_000, fee: 0),
            Self.line(4, "E404", gross: 1_000, fee: 10),
            Self.line(5, "E21", gross: 0, fee: 0, refund: 2_000),
        ]
        let outcome = try await harness.client.send(FinanceCommand.ImportSettlement(platform: "shopify", file: "p.csv", lines: lines))
        let result = try outcome.decodeResult(FinanceCommand.SettlementImported.self)
        #expect(result.booked == 4)
        let byRow = Dictionary(uniqueKeysWithValues: result.problems.map { ($0.row, $0.problem) })
        #expect(byRow[2]?.contains("the books have \(paid.total) paid on shopify for order 21") == true, "\(byRow)")
        #expect(byRow[3]?.contains("order 23 was not paid on shopify in the books") == true, "\(byRow)")
        #expect(byRow[4] == "order E404 of shopify is unknown to finance", "\(byRow)")
        #expect(byRow[5]?.contains("refund 20.00 CNY has no credit note for order 21") == true, "\(byRow)")
        let listed = try await Statements(schema: harness.schema).settlements(platform: "shopify", problemsOnly: true, harness.pool)
        #expect(listed.rows.count == 4)
    }

    @Test(FinanceServiceTests.finance) func aLineWhoseNetIsNotGrossLessFeeAndRefundIsRefusedWithItsRow() async throws {
        let harness = try ServiceHarness.required()
        var wrong = Self.line(7, "E1", gross: 1_000, fee: 100)
        wrong.net = Self.cny(950)
        let outcome = try await harness.client.send(FinanceCommand.ImportSettlement(platform: "shopify", file: "p.csv", lines: [wrong]))
        #expect(outcome.code == "validation")
        #expect(outcome.reason == "row 7: net 9.50 CNY is not gross − fee − refund = 9.00 CNY", "\(outcome)")
        let noOrder = try await harness.client.send(
            FinanceCommand.ImportSettlement(platform: "shopify", file: "p.csv", lines: [Self.line(8, nil, gross: 1, fee: 0)]))
        #expect(noOrder.reason == "row 8: an order line names its order", "\(noOrder)")
        #expect(try await FinanceServiceTests.count(harness, "SELECT count(*)::int FROM $S.settlement_lines") == 0)
    }
}
