import Contracts
import Finance
import Foundation
import Messaging
import Postgres
import ServiceTestSupport
import TestSupport
import Testing

/// Supplier bills through the real broker and database: finance learns purchase orders and
/// their receipts from purchasing's and inventory's events, matches bills three ways, holds
/// what does not match, and pays suppliers.
@Suite(.timeLimit(.minutes(6))) struct SupplierBillTests {
    static func cny(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .cny) }
    static let finance = FinanceServiceTests.finance
    static let billDate = try! BusinessDate("2026-11-20")

    /// Purchasing sent PO-<n> to ACME (45 days' terms): 10 BOLT at 25.00 and 5 NUT at 10.00;
    /// inventory received `bolts` and `nuts` of them.
    static func orderAndReceive(_ harness: ServiceHarness, _ number: String, bolts: Int, nuts: Int, supplier: String = "ACME") async throws {
        try await FinanceServiceTests.publish(
            harness,
            PurchasingEvent.OrderSent(
                order: number, supplier: supplier, supplierEmail: nil, warehouse: "SH", expected: nil,
                lines: [
                    .init(line: 1, sku: "BOLT", quantity: 10, unitPrice: cny(2_500)), .init(line: 2, sku: "NUT", quantity: 5, unitPrice: cny(1_000)),
                ],
                paymentTermsDays: 45))
        let known = try await eventually {
            try await FinanceServiceTests.count(harness, "SELECT count(*)::int FROM $S.purchase_orders WHERE number = '\(number)'") == 1
        }
        #expect(known)
        var receipts = 0
        for (line, sku, quantity, price) in [(1, "BOLT", bolts, Int64(2_500)), (2, "NUT", nuts, Int64(1_000))] where quantity > 0 {
            try await FinanceServiceTests.publish(
                harness,
                InventoryEvent.Received(
                    sku: sku, warehouse: "SH", lot: "L-\(number)-\(line)", quantity: quantity, unitCost: cny(price), expiry: nil,
                    purchaseReference: number,
                    purchaseOrder: number, orderLine: line, supplier: supplier))
            receipts += 1
        }
        let received = try await eventually {
            try await FinanceServiceTests.count(harness, "SELECT count(*)::int FROM $S.purchase_receipts WHERE po = '\(number)'") == receipts
        }
        #expect(received)
    }

    static func bill(_ number: String, po: String, _ lines: [(Int, Int, Int64)], amount: Int64, supplier: String = "ACME")
        -> FinanceCommand.RecordSupplierBill
    {
        FinanceCommand.RecordSupplierBill(
            supplier: supplier, purchaseOrder: po, number: number, lines: lines.map { .init(orderLine: $0.0, quantity: $0.1, unitPrice: cny($0.2)) },
            amount: cny(amount), billDate: billDate)
    }

    static func balance(_ harness: ServiceHarness, _ account: String) async throws -> Int64 {
        try await harness.pool.query(
            "SELECT coalesce(sum(credit_minor - debit_minor), 0)::bigint FROM \(identifier: harness.schema).journal_lines WHERE account = \(account)"
        )[0].decode(Int64.self, at: 0)
    }

    static func invariantsHold(_ harness: ServiceHarness) async throws -> [String] {
        try await FinanceInvariants(schema: harness.schema).check(harness.pool).filter { !$0.held }.map { "\($0.name): \($0.violations)" }
    }

    @Test(Self.finance) func aBillMatchingItsOrderAndReceiptsIsBookedAsPayableToItsSupplierWithInputVAT() async throws {
        let harness = try ServiceHarness.required()
        try await Self.orderAndReceive(harness, "PO-1", bolts: 10, nuts: 5)
        #expect(try await Self.balance(harness, Accounts.goodsReceivedNotInvoiced) == 30_000, "received at the order's prices, not yet billed")
        // 300.00 net at 13 %: 339.00.
        let outcome = try await harness.client.send(Self.bill("SUP-INV-9", po: "PO-1", [(1, 10, 2_500), (2, 5, 1_000)], amount: 33_900))
        #expect(outcome.status == .done, "\(outcome)")
        let result = try outcome.decodeResult(FinanceCommand.SupplierBillResult.self)
        #expect(result.status == "booked")
        #expect(result.document == "ACME/SUP-INV-9")
        #expect(result.due == Self.billDate.adding(days: 45), "the supplier's terms")
        #expect(try await Self.balance(harness, Accounts.goodsReceivedNotInvoiced) == 0)
        #expect(try await Self.balance(harness, Accounts.payables) == 33_900)
        #expect(try await Self.balance(harness, Accounts.inputVAT) == -3_900)
        let ap = try await Statements(schema: harness.schema).ageingByParty(at: Self.billDate, kind: .payable, harness.pool)
        #expect(ap.rows == [["ACME", "CNY", "339.00", "0.00", "0.00", "0.00", "0.00", "339.00"]], "\(ap.rows)")
        #expect(try await Self.invariantsHold(harness) == [])
        let again = try await harness.client.send(Self.bill("SUP-INV-9", po: "PO-1", [(1, 1, 2_500)], amount: 2_825))
        #expect(again.code == "duplicate-bill", "\(again)")
    }

    @Test(Self.finance) func aBillThatDoesNotMatchItsReceiptsIsHeldWithItsReasonsUntilApproved() async throws {
        let harness = try ServiceHarness.required()
        try await Self.orderAndReceive(harness, "PO-2", bolts: 8, nuts: 0)
        // 10 bolts billed at 26.00, 8 received at 25.00.
        let outcome = try await harness.client.send(Self.bill("B-1", po: "PO-2", [(1, 10, 2_600)], amount: 29_380))
        let held = try outcome.decodeResult(FinanceCommand.SupplierBillResult.self)
        #expect(held.status == "held")
        #expect(
            held.reasons == ["line 1 (BOLT): 10 units billed, 8 received", "line 1 (BOLT): unit price 26.00 CNY, ordered at 25.00 CNY"],
            "\(held.reasons ?? [])")
        #expect(try await Self.balance(harness, Accounts.payables) == 0, "a held bill books nothing")
        let listed = try await Statements(schema: harness.schema).supplierBills(supplier: "ACME", heldOnly: true, harness.pool)
        #expect(listed.rows.count == 1)
        #expect(listed.rows.first?[11]?.contains("8 received") == true, "\(listed.rows)")

        let approved = try await harness.client.send(
            FinanceCommand.DecideSupplierBill(supplier: "ACME", number: "B-1", approve: true, note: "2 more on the way"))
        #expect(try approved.decodeResult(FinanceCommand.SupplierBillResult.self).status == "booked", "\(approved)")
        #expect(try await Self.balance(harness, Accounts.payables) == 29_380)
        #expect(try await Self.balance(harness, Accounts.purchasePriceVariance) == -1_000, "10 × 1.00 over the order's price")
        #expect(try await Self.balance(harness, Accounts.goodsReceivedNotInvoiced) == -5_000, "billed ahead of 2 bolts not yet received")
        #expect(try await Self.invariantsHold(harness) == [])
        let twice = try await harness.client.send(FinanceCommand.DecideSupplierBill(supplier: "ACME", number: "B-1", approve: false, note: "no"))
        #expect(twice.code == "wrong-status", "\(twice)")
    }

    @Test(Self.finance) func aRejectedBillIsNeverBookedAndDoesNotCountAgainstTheReceipts() async throws {
        let harness = try ServiceHarness.required()
        try await Self.orderAndReceive(harness, "PO-3", bolts: 10, nuts: 0)
        _ = try await harness.client.send(Self.bill("B-2", po: "PO-3", [(1, 10, 2_700)], amount: 30_510))
        let rejected = try await harness.client.send(
            FinanceCommand.DecideSupplierBill(supplier: "ACME", number: "B-2", approve: false, note: "wrong price"))
        #expect(try rejected.decodeResult(FinanceCommand.SupplierBillResult.self).status == "rejected")
        // The corrected bill for the same units matches.
        let corrected = try await harness.client.send(Self.bill("B-2a", po: "PO-3", [(1, 10, 2_500)], amount: 28_250))
        #expect(try corrected.decodeResult(FinanceCommand.SupplierBillResult.self).status == "booked", "\(corrected)")
        #expect(try await Self.balance(harness, Accounts.payables) == 28_250)
        #expect(try await Self.invariantsHold(harness) == [])
    }

    @Test(Self.finance) func paymentsSettleASuppliersBillsOldestDueFirstAndNeverMoreThanItIsOwed() async throws {
        let harness = try ServiceHarness.required()
        try await Self.orderAndReceive(harness, "PO-4", bolts: 10, nuts: 5)
        _ = try await harness.client.send(Self.bill("B-4a", po: "PO-4", [(1, 10, 2_500)], amount: 28_250))
        _ = try await harness.client.send(Self.bill("B-4b", po: "PO-4", [(2, 5, 1_000)], amount: 5_650))
        let first = try await harness.client.send(FinanceCommand.PaySupplier(supplier: "ACME", amount: Self.cny(30_000), reference: "BANK-1"))
        #expect(try first.decodeResult(FinanceCommand.Result.self).openAmount == Self.cny(3_900), "\(first)")
        let open = try await harness.pool.query(
            "SELECT document, open_minor FROM \(identifier: harness.schema).open_items WHERE kind = 'payable' ORDER BY document")
        let documents = try open.map { "\(try $0.decode(String.self, at: 0)) \(try $0.decode(Int64.self, at: 1))" }
        #expect(documents == ["ACME/B-4a 0", "ACME/B-4b 3900"], "\(documents)")
        let tooMuch = try await harness.client.send(
            FinanceCommand.PaySupplier(supplier: "ACME", bill: "B-4b", amount: Self.cny(4_000), reference: "BANK-2"))
        #expect(tooMuch.code == "more-than-open", "\(tooMuch)")
        let unknown = try await harness.client.send(
            FinanceCommand.PaySupplier(supplier: "ACME", bill: "B-9", amount: Self.cny(1), reference: "BANK-3"))
        #expect(unknown.code == "unknown-bill", "\(unknown)")
        let rest = try await harness.client.send(
            FinanceCommand.PaySupplier(supplier: "ACME", bill: "B-4b", amount: Self.cny(3_900), reference: "BANK-4"))
        #expect(try rest.decodeResult(FinanceCommand.Result.self).openAmount == Self.cny(0))
        let repeated = try await harness.client.send(FinanceCommand.PaySupplier(supplier: "ACME", amount: Self.cny(1), reference: "BANK-4"))
        #expect(repeated.status == .refused, "\(repeated)")
        #expect(try await Self.balance(harness, Accounts.payables) == 0)
        #expect(try await Self.invariantsHold(harness) == [])
    }

    @Test(Self.finance) func aBillThatCannotBeABillOfItsOrderIsRefusedWithTheReason() async throws {
        let harness = try ServiceHarness.required()
        try await Self.orderAndReceive(harness, "PO-5", bolts: 10, nuts: 5)
        let cases: [(FinanceCommand.RecordSupplierBill, String, String)] = [
            (Self.bill("X-1", po: "PO-404", [(1, 1, 2_500)], amount: 2_825), "unknown-purchase-order", "no purchase order PO-404"),
            (Self.bill("X-2", po: "PO-5", [(1, 1, 2_500)], amount: 2_825, supplier: "OTHER"), "wrong-supplier", "sent to ACME, not OTHER"),
            (Self.bill("X-3", po: "PO-5", [(7, 1, 2_500)], amount: 2_825), "validation", "PO-5 has no line 7"),
            (Self.bill("X-4", po: "PO-5", [(1, 1, 2_500)], amount: 0), "validation", "more than zero"),
            (Self.bill("", po: "PO-5", [(1, 1, 2_500)], amount: 2_825), "validation", "the bill number is empty"),
            (Self.bill("X\u{0}5", po: "PO-5", [(1, 1, 2_500)], amount: 2_825), "validation", "control character"),
        ]
        for (command, code, reason) in cases {
            let outcome = try await harness.client.send(command)
            #expect(outcome.code == code, "\(command.number): \(outcome)")
            #expect(outcome.reason?.contains(reason) == true, "\(command.number): \(outcome)")
        }
        var dollars = Self.bill("X-6", po: "PO-5", [(1, 1, 2_500)], amount: 2_825)
        dollars.amount = Money(minorUnits: 2_825, currency: .usd)
        let wrongCurrency = try await harness.client.send(dollars)
        #expect(wrongCurrency.reason?.contains("the bill is in USD, the order in CNY") == true, "\(wrongCurrency)")
        #expect(try await FinanceServiceTests.count(harness, "SELECT count(*)::int FROM $S.supplier_bills") == 0)
    }
}
