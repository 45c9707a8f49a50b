import Contracts
import Foundation
import Orders
import Testing

/// Which orders may merge, and the merged order's lines.
@Suite struct OrderMergeTests {
    static func order(_ id: Int64, email: String? = "z@example.com", street: String = "文三路 1 号", currency: String = "CNY", shop: String = "main")
        -> OrderSnapshot
    {
        let money = { (minor: Int64) in Money(minorUnits: minor, currency: .cny) }
        return OrderSnapshot(
            order: id, platform: "web", shop: shop, externalId: "E\(id)", revision: 1, status: .pendingPayment, currency: currency,
            pricesIncludeTax: true,
            lines: [.init(line: 1, sku: "TEE", quantity: 1, unitPrice: money(9_900), discount: money(0), total: money(9_900))],
            shippingFee: money(1_000), total: money(10_900), paymentStatus: .pending, customer: .init(name: "张三", email: email),
            shippingAddress: .init(country: "CN", line1: street), shippingMethod: nil, placedAt: Date(timeIntervalSince1970: 0))
    }

    static func source(_ snapshot: OrderSnapshot, _ status: OrderStatus = .pendingPayment, shipped: Bool = false) -> OrderMerge.Source {
        OrderMerge.Source(snapshot: snapshot, status: status, onHold: false, shipped: shipped)
    }

    @Test func mergedLinesAreRenumberedAndRememberWhereTheyCameFrom() throws {
        let plan = try OrderMerge.plan([Self.source(Self.order(1)), Self.source(Self.order(2, email: "Z@Example.com"), .paid)])
        #expect(plan.lines.map(\.line) == [1, 2])
        #expect(plan.origins == [.init(line: 1, fromOrder: 1, fromLine: 1), .init(line: 2, fromOrder: 2, fromLine: 1)])
        #expect(plan.shippingFee.minorUnits == 2_000)
        #expect(plan.status == .pendingPayment, "one source is unpaid, so the merged order waits for payment")
    }

    @Test(arguments: [
        (order(2, email: "other@example.com"), OrderStatus.pendingPayment, false, "another customer"),
        (order(2, street: "淮海路 2 号"), .pendingPayment, false, "another address"),
        (order(2, currency: "USD"), .pendingPayment, false, "in USD"),
        (order(2, shop: "outlet"), .pendingPayment, false, "web/outlet"),
        (order(2), .allocated, false, "not yet allocated"),
        (order(2), .pendingPayment, true, "or shipped"),
    ])
    func ordersThatBreakARuleAreNotMergedAndTheReasonSaysWhich(other: OrderSnapshot, status: OrderStatus, shipped: Bool, reason: String) {
        do {
            _ = try OrderMerge.plan([Self.source(Self.order(1)), Self.source(other, status, shipped: shipped)])
            Issue.record("merged although \(reason)")
        } catch {
            #expect(error.description.contains(reason), "\(error)")
        }
    }
}
