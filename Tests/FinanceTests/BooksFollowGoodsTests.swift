import AMQP
import Contracts
import Finance
import Foundation
import Messaging
import Postgres
import ServiceTestSupport
import TestSupport
import Testing

/// The books follow the goods: returns and adjustments move inventory and cost of goods
/// sold at lot cost, no balance adds two currencies, free orders are invoiced, and an
/// event too large to compute with is parked at once while the service goes on.
@Suite(.timeLimit(.minutes(6))) struct BooksFollowGoodsTests {
    typealias F = FinanceServiceTests
    static func cny(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .cny) }

    static func balance(_ harness: ServiceHarness, _ account: String, currency: String = "CNY") async throws -> Int64 {
        try await harness.pool.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT coalesce(sum(debit_minor - credit_minor), 0)::bigint FROM \(harness.schema).journal_lines WHERE account = $1 AND currency = $2
                    """, binds: [account, currency]))[0].decode(Int64.self, at: 0)
    }

    static func settled(_ harness: ServiceHarness, entries: Int) async throws -> Bool {
        try await eventually { try await F.count(harness, "SELECT count(*)::int FROM $S.journal_entries") >= entries }
    }

    @Test(F.finance) func aSellableReturnTakesItsLotCostBackOutOfCostOfGoodsSold() async throws {
        let harness = try ServiceHarness.required()
        let lot = Self.cny(4_120)
        try await F.publish(
            harness,
            InventoryEvent.Received(
                sku: "TEE", warehouse: "SH", lot: "L1", quantity: 3, unitCost: lot, expiry: nil, purchaseReference: "PO-1"))
        try await F.publish(
            harness,
            InventoryEvent.Issued(
                order: "7", lots: [.init(sku: "TEE", warehouse: "SH", lot: "L1", quantity: 3, unitCost: lot)]))
        #expect(try await Self.settled(harness, entries: 2))
        #expect(try await Self.balance(harness, Accounts.costOfGoodsSold) == 12_360)
        try await F.publish(
            harness,
            InventoryEvent.Returned(
                reference: "RMA-7", sku: "TEE", warehouse: "SH", lot: "L1", quantity: 1, condition: .sellable, unitCost: lot, order: "7"))
        #expect(try await Self.settled(harness, entries: 3))
        #expect(try await Self.balance(harness, Accounts.costOfGoodsSold) == 8_240, "3 × 41.20 shipped, 1 back: 82.40")
        #expect(try await Self.balance(harness, Accounts.inventory) == 4_120, "the returned unit is inventory again")
        let orderCost = try await F.count(harness, "SELECT sum(cost_minor)::int FROM $S.cost_lines WHERE order_ref = '7'")
        #expect(orderCost == 8_240, "the order's cost lines went down with it")
    }

    @Test(F.finance) func quarantinedUnitsWaitAsReturnedGoodsUntilRestockedOrWrittenOff() async throws {
        let harness = try ServiceHarness.required()
        let lot = Self.cny(1_000)
        try await F.publish(
            harness,
            InventoryEvent.Returned(
                reference: "RMA-8", sku: "MUG", warehouse: "SH", lot: "L2", quantity: 2, condition: .quarantine, unitCost: lot, order: "8"))
        #expect(try await Self.settled(harness, entries: 1))
        #expect(try await Self.balance(harness, Accounts.returnedGoods) == 2_000)
        #expect(try await Self.balance(harness, Accounts.costOfGoodsSold) == -2_000)
        try await F.publish(
            harness,
            InventoryEvent.Adjusted(
                sku: "MUG", warehouse: "SH", lot: "L2", delta: 1, reason: "inspected: fine", unitCost: lot, quarantine: .restock))
        try await F.publish(
            harness,
            InventoryEvent.Adjusted(
                sku: "MUG", warehouse: "SH", lot: "L2", delta: -1, reason: "inspected: broken", unitCost: lot, quarantine: .writeOff))
        try await F.publish(harness, InventoryEvent.Adjusted(sku: "MUG", warehouse: "SH", lot: "L2", delta: -1, reason: "damaged", unitCost: lot))
        #expect(try await Self.settled(harness, entries: 4))
        #expect(try await Self.balance(harness, Accounts.returnedGoods) == 0)
        #expect(try await Self.balance(harness, Accounts.inventory) == 0, "restocked 1, then 1 lost")
        #expect(try await Self.balance(harness, Accounts.inventoryAdjustments) == 2_000, "one written off, one lost")
    }

    @Test(F.finance) func noBalanceAddsTwoCurrencies() async throws {
        let harness = try ServiceHarness.required()
        var yen = F.order(61, day: 4, paid: false)
        let jpy = Currency.jpy
        yen = OrderSnapshot(
            order: 61, platform: "web", shop: "jp", externalId: "J61", revision: 1, status: .pendingPayment, currency: "JPY", pricesIncludeTax: true,
            lines: [
                .init(
                    line: 1, sku: "TEE", quantity: 1, unitPrice: Money(minorUnits: 1_130, currency: jpy), discount: .zero(jpy),
                    total: Money(minorUnits: 1_130, currency: jpy))
            ],
            shippingFee: .zero(jpy), total: Money(minorUnits: 1_130, currency: jpy), paymentStatus: .pending, customer: nil, shippingAddress: nil,
            shippingMethod: nil, placedAt: yen.placedAt)
        try await F.publish(harness, OrderEvent.Placed(snapshot: F.order(60, day: 4, paid: false)))
        try await F.publish(harness, OrderEvent.Placed(snapshot: yen))
        #expect(try await Self.settled(harness, entries: 2))
        let trials = try await Statements(schema: harness.schema).trialBalance(from: nil, to: nil, harness.pool)
        #expect(trials.map(\.currency) == ["CNY", "JPY"])
        let balanced = trials.allSatisfy(\.balances)
        #expect(balanced)
        #expect(try await Self.balance(harness, Accounts.outputVAT, currency: "JPY") == -130, "JPY tax in its own currency")
        let invariants = try await FinanceInvariants(schema: harness.schema).check(harness.pool)
        let held = invariants.allSatisfy(\.held)
        #expect(held, "\(invariants)")
    }

    @Test(F.finance) func aFreeOrderIsInvoicedAtZero() async throws {
        let harness = try ServiceHarness.required()
        let free = OrderSnapshot(
            order: 70, platform: "web", shop: "main", externalId: "FREE", revision: 1, status: .paid, currency: "CNY", pricesIncludeTax: true,
            lines: [.init(line: 1, sku: "GIFT", quantity: 1, unitPrice: Self.cny(0), discount: Self.cny(0), total: Self.cny(0))],
            shippingFee: Self.cny(0), total: Self.cny(0), paymentStatus: .paid, customer: nil, shippingAddress: nil, shippingMethod: nil,
            placedAt: Date())
        try await F.publish(harness, OrderEvent.Placed(snapshot: free))
        let invoiced = try await eventually {
            try await F.count(harness, "SELECT count(*)::int FROM $S.invoices WHERE order_id = 70 AND status = 'issued' AND gross_minor = 0") == 1
        }
        #expect(invoiced)
        let void = try await harness.client.send(FinanceCommand.VoidInvoice(order: 70, reason: "test"))
        #expect(void.status == .done, "a zero invoice can be voided too: \(void)")
    }

    @Test(F.finance) func anOrderTooLargeToComputeWithIsParkedAtOnceAndTheNextIsInvoiced() async throws {
        let harness = try ServiceHarness.required()
        let huge = Self.cny(1_000_000_000_000_000)
        let order = OrderSnapshot(
            order: 80, platform: "web", shop: "main", externalId: "HUGE", revision: 1, status: .pendingPayment, currency: "CNY",
            pricesIncludeTax: true,
            lines: [.init(line: 1, sku: "TEE", quantity: 1, unitPrice: huge, discount: Self.cny(0), total: huge)],
            shippingFee: Self.cny(0), total: huge, paymentStatus: .pending, customer: nil, shippingAddress: nil, shippingMethod: nil, placedAt: Date()
        )
        try await F.publish(harness, OrderEvent.Placed(snapshot: order))
        try await F.publish(harness, OrderEvent.Placed(snapshot: F.order(81, day: 5, paid: false)))
        let next = try await eventually { try await F.count(harness, "SELECT count(*)::int FROM $S.invoices WHERE order_id = 81") == 1 }
        #expect(next)
        let parking = "\(harness.schema).events.parked"
        var parked: [ParkedMessage] = []
        let found = try await eventually {
            parked = try await ParkedMessages.list(parkingQueue: parking, broker: ServiceHarness.environment.broker)
            return parked.count == 1
        }
        #expect(found)
        #expect(parked.first?.attempts == 1, "parked at the first failure, not retried")
        #expect(parked.first?.detail.contains("out of range") == true, "\(parked)")
    }
}

extension BooksFollowGoodsTests {
    @Test(F.finance) func aRefundOfAnOrderPaidOnItsPlatformGoesBackThroughThePlatformAndItsCreditNoteShowsTheUnits() async throws {
        let harness = try ServiceHarness.required()
        let order = F.order(90, day: 6, quantity: 3, paid: true)
        try await F.publish(harness, OrderEvent.Placed(snapshot: order))
        let invoiced = try await eventually { try await F.count(harness, "SELECT count(*)::int FROM $S.invoices WHERE order_id = 90") == 1 }
        #expect(invoiced)
        // One of the three T-shirts back: 9,900 of line 1's 28,700.
        let refund = try await harness.client.send(
            FinanceCommand.RecordRefund(
                order: 90, amount: Self.cny(9_900), reason: "return", reference: "RMA-90",
                lines: [.init(line: 1, amount: Self.cny(9_900), quantity: 1)]))
        #expect(refund.status == .done, "\(refund)")
        let units = try await F.count(
            harness,
            """
            SELECT l.quantity FROM $S.invoice_lines l JOIN $S.invoices i ON i.number = l.number WHERE i.kind = 'credit_note' AND i.order_id = 90
            """)
        #expect(units == 1, "the credit note shows the returned unit")
        let throughPlatform = try await Self.balance(harness, Accounts.platformClearing)
        #expect(throughPlatform == order.total.minorUnits - 9_900, "paid on the platform, refunded through it")
        #expect(try await Self.balance(harness, Accounts.cash) == 0, "the bank is not touched")
    }
}
