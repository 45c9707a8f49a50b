import Contracts
import Foundation
import Orders
import ServiceKit
import Testing

/// How an order's lines, discounts and shipping fee are shared among split children.
@Suite struct OrderSplitTests {
    static func money(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .cny) }
    static let lines = [
        OrderSnapshot.Line(line: 1, sku: "TEE-M", quantity: 3, unitPrice: money(9_900), discount: money(1_000), total: money(28_700)),
        OrderSnapshot.Line(line: 2, sku: "CAP", quantity: 1, unitPrice: money(4_999), discount: money(0), total: money(4_999)),
    ]

    @Test func whatNoPartTakesBecomesOneMoreChild() throws {
        let parts = try OrderSplit.parts([[.init(line: 2, quantity: 1)]], of: Self.lines)
        #expect(parts == [[2: 1], [1: 3]])
    }

    @Test func childrenShareDiscountsAndShippingSoThatEveryAmountSumsToTheParent() throws {
        let parts = try OrderSplit.parts([[.init(line: 1, quantity: 1)], [.init(line: 1, quantity: 1)]], of: Self.lines)
        let children = try OrderSplit.children(of: Self.lines, shippingFee: Self.money(1_000), parts: parts)
        #expect(children.count == 3)
        let discounts = children.map(\.discount.minorUnits)
        #expect(discounts == [334, 333, 333], "1,000 over three units: the largest remainder gets the extra cent")
        let discount: Int64 = children.map(\.discount.minorUnits).reduce(0, +)
        let merchandise: Int64 = children.map(\.merchandise.minorUnits).reduce(0, +)
        let shipping: Int64 = children.map(\.shippingFee.minorUnits).reduce(0, +)
        let total: Int64 = children.map(\.total.minorUnits).reduce(0, +)
        #expect(discount == 1_000)
        #expect(merchandise == 33_699)
        #expect(shipping == 1_000)
        #expect(total == 34_699)
        let lastLines = children[2].lines.map(\.line)
        #expect(lastLines == [1, 2], "the rest keeps the parent's line numbers")
    }

    @Test func aFreeChildSharesTheShippingFeeEquallyWithOtherFreeChildren() throws {
        let free = [OrderSnapshot.Line(line: 1, sku: "GIFT", quantity: 2, unitPrice: Self.money(0), discount: Self.money(0), total: Self.money(0))]
        let children = try OrderSplit.children(of: free, shippingFee: Self.money(1_001), parts: [[1: 1], [1: 1]])
        #expect(children.map(\.shippingFee.minorUnits) == [501, 500])
    }

    @Test(arguments: [
        ([[OrderCommand.ShipmentLine(line: 9, quantity: 1)]], "no line 9"),
        ([[OrderCommand.ShipmentLine(line: 1, quantity: 0)]], "at least 1"),
        ([[OrderCommand.ShipmentLine(line: 1, quantity: 4)]], "3 are left"),
        ([[OrderCommand.ShipmentLine(line: 1, quantity: 1), .init(line: 1, quantity: 1)]], "appears twice"),
        ([[]], "is empty"),
        ([[OrderCommand.ShipmentLine(line: 1, quantity: 3), .init(line: 2, quantity: 1)]], "at least two children"),
        ([], "at least one part"),
    ])
    func aPartThatCannotBeTakenIsRefusedWithItsReason(parts: [[OrderCommand.ShipmentLine]], reason: String) {
        do {
            _ = try OrderSplit.parts(parts, of: Self.lines)
            Issue.record("parts \(parts) were accepted")
        } catch {
            #expect(error.description.contains(reason), "\(error)")
        }
    }
}

/// What a return refunds and until when it may be asked for.
@Suite struct ReturnPolicyTests {
    @Test func returningEveryUnitInSeveralReturnsRefundsTheLineTotalExactly() throws {
        let total = Money(minorUnits: 10_000, currency: .cny)
        let first = try ReturnPolicy.refund(lineTotal: total, ordered: 3, before: 0, quantity: 1)
        let second = try ReturnPolicy.refund(lineTotal: total, ordered: 3, before: 1, quantity: 1)
        let third = try ReturnPolicy.refund(lineTotal: total, ordered: 3, before: 2, quantity: 1)
        let refunds = [first, second, third].map(\.minorUnits)
        #expect(refunds == [3_333, 3_334, 3_333], "each return's share is the cumulative share less what was refunded before")
        #expect(refunds.reduce(0, +) == 10_000)
    }

    @Test func theWindowComesFromTheEnvironmentAndABadOneIsRefused() throws {
        #expect(try ReturnPolicy(environment: ["ERP_RETURN_WINDOW_DAYS": "14"]).windowDays == 14)
        #expect(try ReturnPolicy(environment: [:]).windowDays == 30)
        do {
            _ = try ReturnPolicy(environment: ["ERP_RETURN_WINDOW_DAYS": "two weeks"])
            Issue.record("a window of 'two weeks' was taken")
        } catch {
            #expect((error as? ConfigurationError)?.variable == "ERP_RETURN_WINDOW_DAYS", "\(error)")
        }
    }

    @Test func aReturnIsInTimeUntilTheWindowAfterTheLastShipmentEnds() {
        let shipped = Date(timeIntervalSince1970: 1_800_000_000)
        let policy = ReturnPolicy(windowDays: 7)
        #expect(policy.inWindow(shippedAt: shipped, now: shipped.addingTimeInterval(7 * 86_400)))
        #expect(!policy.inWindow(shippedAt: shipped, now: shipped.addingTimeInterval(7 * 86_400 + 1)))
    }
}
