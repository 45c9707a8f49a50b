import Contracts
import Finance
import Foundation
import Messaging
import Postgres
import ServiceTestSupport
import TestSupport
import Testing

/// What people post by hand, the dated rates, and the statements built on them, through the
/// real broker and database.
@Suite(.timeLimit(.minutes(6))) struct BookkeepingTests {
    static func cny(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .cny) }
    static let day = try! BusinessDate("2026-11-10")

    static func line(_ account: String, _ side: FinanceCommand.Side, _ minor: Int64) -> FinanceCommand.PostJournalEntry.Line {
        .init(account: account, side: side, amount: cny(minor))
    }

    static func balance(_ harness: ServiceHarness, _ account: String) async throws -> Int64 {
        try await SupplierBillTests.balance(harness, account)
    }

    @Test(FinanceServiceTests.finance) func aBalancedJournalEntryIsPostedOnceAndAnythingElseIsRefusedWithTheReason() async throws {
        let harness = try ServiceHarness.required()
        let rent = FinanceCommand.PostJournalEntry(
            date: Self.day, lines: [Self.line("6100", .debit, 500_000), Self.line("1000", .credit, 500_000)], memo: "November rent", reference: "JE-1"
        )
        let posted = try await harness.client.send(rent)
        #expect(posted.status == .done, "\(posted)")
        #expect(try await Self.balance(harness, "6100") == -500_000)
        let cases: [(FinanceCommand.PostJournalEntry, String, String)] = [
            (rent, "duplicate-entry", "JE-1 was posted before"),
            (
                .init(date: Self.day, lines: [Self.line("6100", .debit, 500), Self.line("1000", .credit, 400)], memo: "m", reference: "JE-2"),
                "unbalanced", "debits 5.00 CNY, credits 4.00 CNY"
            ),
            (.init(date: Self.day, lines: [Self.line("6100", .debit, 500)], memo: "m", reference: "JE-3"), "validation", "at least two lines"),
            (
                .init(date: Self.day, lines: [Self.line("9999", .debit, 500), Self.line("1000", .credit, 500)], memo: "m", reference: "JE-4"),
                "unknown-account", "no account 9999"
            ),
            (
                .init(date: Self.day, lines: [Self.line("2000", .debit, 500), Self.line("1000", .credit, 500)], memo: "m", reference: "JE-5"),
                "control-account", "account 2000 is kept by its subledger"
            ),
            (
                .init(date: Self.day, lines: [Self.line("6100", .debit, 0), Self.line("1000", .credit, 0)], memo: "m", reference: "JE-6"),
                "validation", "more than zero"
            ),
            (
                .init(
                    date: Self.day,
                    lines: [Self.line("6100", .debit, 500), .init(account: "1000", side: .credit, amount: Money(minorUnits: 500, currency: .usd))],
                    memo: "m", reference: "JE-7"),
                "validation", "one entry, one currency"
            ),
            (
                .init(
                    date: Self.day, lines: [Self.line("6100", .debit, .max), Self.line("6100", .debit, .max), Self.line("1000", .credit, 1)],
                    memo: "m", reference: "JE-8"),
                "validation", "too large"
            ),
        ]
        for (command, code, reason) in cases {
            let outcome = try await harness.client.send(command)
            #expect(outcome.code == code, "\(command.reference): \(outcome)")
            #expect(outcome.reason?.contains(reason) == true, "\(command.reference): \(outcome)")
        }
        #expect(try await FinanceServiceTests.count(harness, "SELECT count(*)::int FROM $S.journal_entries") == 1)
    }

    @Test(FinanceServiceTests.finance) func anExpenseOwedToASupplierIsItsPayableWithInputVATAndItsReversalTakesBothBack() async throws {
        let harness = try ServiceHarness.required()
        let software = FinanceCommand.RecordExpense(
            account: "6100", amount: Self.cny(10_600), taxCategory: "services", supplier: "CLOUDCO", payee: nil, date: Self.day, memo: "hosting",
            reference: "CC-77")
        let outcome = try await harness.client.send(software)
        let entry = try #require(try outcome.decodeResult(FinanceCommand.Result.self).entry, "\(outcome)")
        #expect(try await Self.balance(harness, "6100") == -10_000, "106.00 at 6 % is 100.00 net")
        #expect(try await Self.balance(harness, Accounts.inputVAT) == -600)
        let ap = try await Statements(schema: harness.schema).ageingByParty(at: Self.day, kind: .payable, harness.pool)
        let owed = ap.rows.map { Array($0.prefix(3)) }
        #expect(owed == [["CLOUDCO", "CNY", "106.00"]], "\(ap.rows)")
        // A cash expense: paid to a payee at once.
        let taxi = FinanceCommand.RecordExpense(
            account: "6100", amount: Self.cny(5_000), taxCategory: nil, supplier: nil, payee: "Taxi", date: Self.day, memo: "to the port",
            reference: "T-1")
        #expect(try await harness.client.send(taxi).status == .done)
        #expect(try await Self.balance(harness, Accounts.cash) == 5_000)

        let reversed = try await harness.client.send(FinanceCommand.ReverseEntry(entry: entry, reason: "billed twice"))
        #expect(reversed.status == .done, "\(reversed)")
        #expect(try await Self.balance(harness, "6100") == -5_000)
        #expect(try await Self.balance(harness, Accounts.payables) == 0)
        let again = try await harness.client.send(FinanceCommand.ReverseEntry(entry: entry, reason: "again"))
        #expect(again.code == "already-reversed", "\(again)")
        #expect(try await SupplierBillTests.invariantsHold(harness) == [])

        let refused: [(FinanceCommand.RecordExpense, String)] = [
            (
                .init(
                    account: "4000", amount: Self.cny(100), taxCategory: nil, supplier: nil, payee: "X", date: Self.day, memo: "m", reference: "E-1"),
                "not an expense account"
            ),
            (
                .init(
                    account: "6100", amount: Self.cny(100), taxCategory: "luxury", supplier: nil, payee: "X", date: Self.day, memo: "m",
                    reference: "E-2"), "tax category 'luxury'"
            ),
            (
                .init(
                    account: "6100", amount: Self.cny(100), taxCategory: nil, supplier: "S", payee: "X", date: Self.day, memo: "m", reference: "E-3"),
                "one of the two"
            ),
            (
                .init(
                    account: "6100", amount: Self.cny(-100), taxCategory: nil, supplier: nil, payee: "X", date: Self.day, memo: "m", reference: "E-4"),
                "more than zero"
            ),
        ]
        for (command, reason) in refused {
            let outcome = try await harness.client.send(command)
            #expect(outcome.reason?.contains(reason) == true, "\(command.reference): \(outcome)")
        }
    }

    @Test(FinanceServiceTests.finance) func onlyEntriesPostedByHandAreReversedByHandAndAPaidExpenseIsNot() async throws {
        let harness = try ServiceHarness.required()
        try await FinanceServiceTests.publish(harness, OrderEvent.Placed(snapshot: FinanceServiceTests.order(801, day: 4, paid: false)))
        let invoiced = try await eventually { try await FinanceServiceTests.count(harness, "SELECT count(*)::int FROM $S.journal_entries") == 1 }
        #expect(invoiced)
        let system = try await harness.pool.query("SELECT id FROM \(identifier: harness.schema).journal_entries")[0].decode(Int64.self, at: 0)
        let refused = try await harness.client.send(FinanceCommand.ReverseEntry(entry: system, reason: "try"))
        #expect(refused.code == "not-manual", "\(refused)")

        let owed = try await harness.client.send(
            FinanceCommand.RecordExpense(
                account: "6100", amount: Self.cny(2_000), taxCategory: nil, supplier: "INK", payee: nil, date: Self.day, memo: "ink", reference: "I-1"
            ))
        let entry = try #require(try owed.decodeResult(FinanceCommand.Result.self).entry)
        let paid = try await harness.client.send(FinanceCommand.PaySupplier(supplier: "INK", bill: "I-1", amount: Self.cny(500), reference: "P-1"))
        #expect(paid.status == .done, "\(paid)")
        let partly = try await harness.client.send(FinanceCommand.ReverseEntry(entry: entry, reason: "wrong"))
        #expect(partly.code == "partly-paid", "\(partly)")
    }

    @Test(FinanceServiceTests.finance) func anInvoiceUsesTheTaxRateInForceOnItsDateAndAnInvoicedDayCannotBeGivenANewRate() async throws {
        let harness = try ServiceHarness.required()
        try await FinanceServiceTests.publish(
            harness,
            CatalogEvent.SKUChanged(
                code: "TEA", product: "TEA", title: "Tea", options: [:], barcode: nil, price: nil, taxCategory: "reduced", active: true))
        let categorised = try await eventually {
            try await FinanceServiceTests.count(harness, "SELECT count(*)::int FROM $S.skus WHERE code = 'TEA'") == 1
        }
        #expect(categorised)
        for (rate, from) in [(1_000, "2027-01-01"), (500, "2027-03-01")] {
            let set = try await harness.client.send(
                FinanceCommand.SetTaxRate(category: "reduced", basisPoints: rate, effectiveFrom: try BusinessDate(from)))
            #expect(set.status == .done, "\(set)")
        }
        for (order, date) in [(Int64(901), "2026-12-31"), (902, "2027-02-01"), (903, "2027-03-01")] {
            var snapshot = FinanceServiceTests.order(order, day: 1, paid: false)
            snapshot.placedAt = try BusinessDate(date).startOfDayUTC.addingTimeInterval(36_000)
            try await FinanceServiceTests.publish(harness, OrderEvent.Placed(snapshot: snapshot))
        }
        let issued = try await eventually { try await FinanceServiceTests.count(harness, "SELECT count(*)::int FROM $S.invoices") == 3 }
        #expect(issued)
        let rates = try await harness.pool.query(
            """
            SELECT i.order_id, l.basis_points FROM \(identifier: harness.schema).invoice_lines l JOIN \(identifier: harness.schema).invoices i ON i.number = l.number
            WHERE l.sku = 'TEA' ORDER BY i.order_id
            """
        ).map { "\(try $0.decode(Int64.self, at: 0)):\(try $0.decode(Int.self, at: 1))" }
        #expect(rates == ["901:900", "902:1000", "903:500"], "\(rates)")
        let late = try await harness.client.send(
            FinanceCommand.SetTaxRate(category: "reduced", basisPoints: 700, effectiveFrom: try BusinessDate("2027-02-15")))
        #expect(late.code == "invoiced-period", "\(late)")
        let silly = try await harness.client.send(
            FinanceCommand.SetTaxRate(category: "Reduced!", basisPoints: 700, effectiveFrom: try BusinessDate("2028-01-01")))
        #expect(silly.code == "validation", "\(silly)")
    }

    @Test(FinanceServiceTests.finance) func aStatementOverTwoCurrenciesIsConvertedWithTheDatedRateOrFailsNamingTheMissingOne() async throws {
        let harness = try ServiceHarness.required()
        var dollars = FinanceServiceTests.order(950, day: 12, quantity: 1, paid: true)
        dollars.currency = "USD"
        let usd = Money(minorUnits: 11_300, currency: .usd)
        dollars.lines = [.init(line: 1, sku: "TEE", quantity: 1, unitPrice: usd, discount: Money(minorUnits: 0, currency: .usd), total: usd)]
        dollars.shippingFee = Money(minorUnits: 0, currency: .usd)
        dollars.total = usd
        try await FinanceServiceTests.publish(harness, OrderEvent.Placed(snapshot: dollars))
        try await FinanceServiceTests.publish(harness, OrderEvent.Placed(snapshot: FinanceServiceTests.order(951, day: 12, paid: true)))
        let issued = try await eventually { try await FinanceServiceTests.count(harness, "SELECT count(*)::int FROM $S.invoices") == 2 }
        #expect(issued)
        let statements = Statements(schema: harness.schema)
        let noRate = try await statements.conversion(base: .cny, harness.pool)
        var missing: CurrencyConversion.MissingRate?
        do { _ = try await statements.incomeStatement(from: nil, to: nil, converting: noRate, harness.pool) } catch let error
            as CurrencyConversion.MissingRate
        {
            missing = error
        }
        #expect(missing == CurrencyConversion.MissingRate(currency: "USD", date: try BusinessDate("2026-11-12"), base: "CNY"))
        #expect(missing?.description.contains("no exchange rate from USD to CNY on or before 2026-11-12") == true)
        let set = try await harness.client.send(
            FinanceCommand.SetExchangeRate(currency: "USD", rate: "7.12", effectiveOn: try BusinessDate("2026-11-01")))
        #expect(set.status == .done, "\(set)")
        let bad = try await harness.client.send(
            FinanceCommand.SetExchangeRate(currency: "USD", rate: "-1", effectiveOn: try BusinessDate("2026-11-01")))
        #expect(bad.code == "validation", "\(bad)")
        let converted = try await statements.incomeStatement(
            from: nil, to: nil, converting: try await statements.conversion(base: .cny, harness.pool), harness.pool)
        let perCurrency = try await statements.incomeStatement(from: nil, to: nil, harness.pool)
        let yuan = perCurrency.first { $0.currency == "CNY" }?.totalRevenue ?? 0
        let dollarsNet = perCurrency.first { $0.currency == "USD" }?.totalRevenue ?? 0
        #expect(dollarsNet == 10_000, "113.00 USD with 13 % VAT")
        #expect(converted.totalRevenue == yuan + 71_200, "100.00 USD at 7.12")
        #expect(converted.rates == [.init(currency: "USD", effectiveOn: try BusinessDate("2026-11-01"), rate: "7.12")])
        let sheet = try await statements.balanceSheet(
            at: try BusinessDate("2026-11-30"), converting: try await statements.conversion(base: .cny, harness.pool), harness.pool)
        #expect(sheet.roundingDifference.magnitude <= 2, "\(sheet)")
    }

    @Test(FinanceServiceTests.finance) func theCashFlowStatementExplainsEveryMovementBetweenOpeningAndClosingCash() async throws {
        let harness = try ServiceHarness.required()
        try await SupplierBillTests.orderAndReceive(harness, "PO-CF", bolts: 10, nuts: 0)
        _ = try await harness.client.send(SupplierBillTests.bill("CF-1", po: "PO-CF", [(1, 10, 2_500)], amount: 28_250))
        _ = try await harness.client.send(
            FinanceCommand.PaySupplier(
                supplier: "ACME", bill: "CF-1", amount: Self.cny(28_250), reference: "W-1", paidOn: try BusinessDate("2026-11-21")))
        try await FinanceServiceTests.publish(harness, OrderEvent.Placed(snapshot: FinanceServiceTests.order(960, day: 15, paid: true)))
        _ = try await harness.client.send(
            FinanceCommand.PostJournalEntry(
                date: try BusinessDate("2026-11-01"), lines: [Self.line("1000", .debit, 1_000_000), Self.line("3000", .credit, 1_000_000)],
                memo: "owner's capital", reference: "CAP-1"))
        _ = try await harness.client.send(
            FinanceCommand.RecordExpense(
                account: "6100", amount: Self.cny(3_000), taxCategory: nil, supplier: nil, payee: "Post office", date: try BusinessDate("2026-11-22"),
                memo: "stamps", reference: "PO-STAMPS"))
        let settled = try await eventually { try await FinanceServiceTests.count(harness, "SELECT count(*)::int FROM $S.invoices") == 1 }
        #expect(settled)
        let flows = try await Statements(schema: harness.schema).cashFlow(
            from: try BusinessDate("2026-11-02"), to: try BusinessDate("2026-11-30"), harness.pool)
        let yuan = flows.first { $0.currency == "CNY" }
        let cny = try #require(yuan)
        #expect(cny.reconciles, "\(cny)")
        #expect(cny.opening == 1_000_000, "the capital paid in before the period")
        let invoiceGross = FinanceServiceTests.order(960, day: 15, paid: true).total.minorUnits
        let byCategory = Dictionary(uniqueKeysWithValues: cny.flows.map { ($0.category, $0.amount) })
        #expect(byCategory["receipts from customers"] == invoiceGross, "\(byCategory)")
        #expect(byCategory["payments to suppliers"] == -28_250, "\(byCategory)")
        #expect(byCategory["expenses"] == -3_000, "\(byCategory)")
        #expect(byCategory["owner's equity"] == nil, "before the period")
    }
}
