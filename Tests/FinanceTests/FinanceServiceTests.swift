import AMQP
import Contracts
import Finance
import Foundation
import Messaging
import Postgres
import ServiceTestSupport
import TestSupport
import Testing

/// The finance service through the real broker and database.
@Suite(.timeLimit(.minutes(6))) struct FinanceServiceTests {
    static func cny(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .cny) }

    static func publish<M: Message>(_ harness: ServiceHarness, _ event: M, at date: Date = Date()) async throws {
        let envelope = try Envelope(event, source: "tests", occurredAt: date)
        let publisher = try await AMQPPublisher.connect(ServiceHarness.environment.broker)
        _ = try await publisher.publish(
            AMQPMessage(
                exchange: harness.exchange, routingKey: M.type.rawValue, body: envelope.payload, properties: envelope.amqpProperties))
        await publisher.close()
    }

    static func order(_ id: Int64, day: Int, quantity: Int = 2, paid: Bool) -> OrderSnapshot {
        OrderSnapshot(
            order: id, platform: id % 2 == 0 ? "web" : "shopify", shop: "main", externalId: "E\(id)", revision: 1,
            status: paid ? .paid : .pendingPayment,
            currency: "CNY", pricesIncludeTax: true,
            lines: [
                .init(
                    line: 1, sku: "TEE", quantity: quantity, unitPrice: cny(9_900), discount: cny(1_000), total: cny(Int64(quantity) * 9_900 - 1_000)),
                .init(line: 2, sku: "TEA", quantity: 1, unitPrice: cny(6_800), discount: cny(0), total: cny(6_800)),
            ],
            shippingFee: cny(1_000), total: cny(Int64(quantity) * 9_900 - 1_000 + 6_800 + 1_000), paymentStatus: paid ? .paid : .pending,
            customer: .init(name: "客户 \(id)", email: "c\(id)@example.com"), shippingAddress: nil, shippingMethod: "standard",
            placedAt: ISO8601("2026-11-\(day < 10 ? "0" : "")\(day)T10:00:00Z"))
    }

    static func ISO8601(_ text: String) -> Date {
        (try? BusinessDate(String(text.prefix(10))))!.startOfDayUTC.addingTimeInterval(10 * 3600)
    }

    static func count(_ harness: ServiceHarness, _ sql: String) async throws -> Int {
        try await harness.pool.query(PostgresQuery(unsafeSQL: sql.replacingOccurrences(of: "$S", with: harness.schema)))[0].decode(Int.self, at: 0)
    }

    static let finance = ServiceUnderTest.service("t_fin") { schema, queue, exchange in
        FinanceService.definition(
            schema: schema, queuePrefix: String(queue.dropLast(".commands".count)), eventsExchange: exchange, commandsExchange: exchange)
    }

    @Test(Self.finance) func anOrderPlacedAndAskedToBeInvoicedAtOnceGetsOneInvoice() async throws {
        let harness = try ServiceHarness.required()
        let orders = (Int64(500)..<Int64(540)).map { Self.order($0, day: 3, paid: false) }
        // The event and the command race on two queues, each consumed on its own.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { for order in orders { try await Self.publish(harness, OrderEvent.Placed(snapshot: order)) } }
            group.addTask {
                for order in orders {
                    let outcome = try await harness.client.send(FinanceCommand.InvoiceOrder(order: order))
                    #expect(outcome.status == .done, "\(outcome)")
                }
            }
            try await group.waitForAll()
        }
        let settled = try await eventually {
            try await Self.count(harness, "SELECT count(DISTINCT order_id)::int FROM $S.invoices WHERE order_id >= 500 AND order_id < 540") == 40
        }
        #expect(settled)
        let invoices = try await Self.count(
            harness, "SELECT count(*)::int FROM $S.invoices WHERE order_id >= 500 AND order_id < 540 AND kind = 'invoice'")
        #expect(invoices == 40, "one invoice per order")
    }

    @Test(Self.finance) func grossProfitIsReportedPerCurrencyAndNeverAddsTwoCurrencies() async throws {
        let harness = try ServiceHarness.required()
        func single(_ id: Int64, _ price: Money) -> OrderSnapshot {
            var order = Self.order(id, day: 5, quantity: 1, paid: true)
            order.currency = price.currency.code
            order.lines = [
                .init(line: 1, sku: "TEE", quantity: 1, unitPrice: price, discount: Money(minorUnits: 0, currency: price.currency), total: price)
            ]
            order.shippingFee = Money(minorUnits: 0, currency: price.currency)
            order.total = price
            return order
        }
        let usd = { (minor: Int64) in Money(minorUnits: minor, currency: .usd) }
        try await Self.publish(harness, OrderEvent.Placed(snapshot: single(700, Self.cny(8_900))))
        try await Self.publish(harness, OrderEvent.Placed(snapshot: single(702, usd(2_000))))
        // The CNY order's goods cost CNY; the dollar order's goods were bought in CNY and in USD.
        try await Self.publish(
            harness,
            InventoryEvent.Issued(order: "700", lots: [.init(sku: "TEE", warehouse: "SH", lot: "L1", quantity: 1, unitCost: Self.cny(2_600))]))
        for (parcel, lot) in [
            ("P1", InventoryResult.IssuedLot(sku: "TEE", warehouse: "US", lot: "L7", quantity: 1, unitCost: usd(500))),
            ("P2", InventoryResult.IssuedLot(sku: "TEE", warehouse: "SH", lot: "L1", quantity: 1, unitCost: Self.cny(2_600))),
        ] {
            try await Self.publish(harness, InventoryEvent.Issued(order: "702", lots: [lot], shipment: parcel))
        }
        let costed = try await eventually {
            try await Self.count(harness, "SELECT count(*)::int FROM $S.cost_lines WHERE order_ref IN ('700', '702')") == 3
        }
        #expect(costed)
        let profit = try await Statements(schema: harness.schema).grossProfit(by: .order, harness.pool)
        let rows = profit.rows.filter { $0.first == "700" || $0.first == "702" }.map { Array($0.prefix(5)) }
        #expect(profit.columns.prefix(2) == ["key", "currency"])
        let yuan = try TaxCalculation.line(Self.cny(8_900), basisPoints: 1_300, inclusive: true).net.minorUnits
        let dollars = try TaxCalculation.line(usd(2_000), basisPoints: 1_300, inclusive: true).net.minorUnits
        #expect(
            rows == [
                ["700", "CNY", "\(yuan)", "2600", "\(yuan - 2_600)"],
                ["702", "CNY", "0", "2600", "-2600"],
                ["702", "USD", "\(dollars)", "500", "\(dollars - 500)"],
            ], "\(rows)")
        let byChannel = try await Statements(schema: harness.schema).grossProfit(by: .channel, harness.pool)
        let channels: [[String?]] = byChannel.rows.map { Array($0.prefix(2)) }
        #expect(channels == [["web", "CNY"], ["web", "USD"]], "the CNY cost of a USD order keeps its channel")
    }

    @Test(Self.finance) func aMonthOfActivityKeepsTheBooksBalancedAndTheBalanceSheetEquationHolds() async throws {
        do {
            let harness = try ServiceHarness.required()
            try await Self.publish(
                harness,
                CatalogEvent.SKUChanged(
                    code: "TEA", product: "TEA", title: "Tea", options: [:], barcode: nil, price: nil, taxCategory: "reduced", active: true))
            // Goods received from suppliers.
            try await Self.publish(
                harness,
                InventoryEvent.Received(
                    sku: "TEE", warehouse: "SH", lot: "L1", quantity: 100, unitCost: Self.cny(2_600), expiry: nil, purchaseReference: "PO-1"))
            try await Self.publish(
                harness,
                InventoryEvent.Received(
                    sku: "TEA", warehouse: "SH", lot: "L2", quantity: 50, unitCost: Self.cny(2_100), expiry: nil, purchaseReference: "PO-2"))
            // Thirty orders across the month, every third one paid later by bank transfer.
            for id in Int64(1)...30 {
                try await Self.publish(harness, OrderEvent.Placed(snapshot: Self.order(id, day: Int(id), paid: id % 3 != 0)))
            }
            let invoiced = try await eventually { try await Self.count(harness, "SELECT count(*)::int FROM $S.invoices") == 30 }
            #expect(invoiced)
            let stockBooked = try await eventually {
                try await Self.count(harness, "SELECT count(*)::int FROM $S.open_items WHERE kind = 'payable'") == 2
            }
            #expect(stockBooked)
            // Shipments: cost of goods sold at the lot cost.
            for id in Int64(1)...20 {
                try await Self.publish(
                    harness,
                    InventoryEvent.Issued(
                        order: String(id),
                        lots: [
                            .init(sku: "TEE", warehouse: "SH", lot: "L1", quantity: 2, unitCost: Self.cny(2_600)),
                            .init(sku: "TEA", warehouse: "SH", lot: "L2", quantity: 1, unitCost: Self.cny(2_100)),
                        ]))
            }
            let costed = try await eventually { try await Self.count(harness, "SELECT count(DISTINCT order_ref)::int FROM $S.cost_lines") == 20 }
            #expect(costed)
            // Payments, a partial one, a refund, a supplier payment, a void.
            let unpaid = Self.order(3, day: 3, paid: false).total
            let payment = try await harness.client.send(FinanceCommand.RecordPayment(order: 3, amount: unpaid, method: "bank", reference: "BT-3"))
                .decodeResult(FinanceCommand.Result.self)
            #expect(payment.openAmount == Self.cny(0))
            let partial = try await harness.client.send(
                FinanceCommand.RecordPayment(order: 6, amount: Self.cny(10_000), method: "bank", reference: "BT-6")
            )
            .decodeResult(FinanceCommand.Result.self)
            #expect(partial.openAmount == Self.cny(Self.order(6, day: 6, paid: false).total.minorUnits - 10_000))
            #expect(
                try await harness.client.send(FinanceCommand.RecordPayment(order: 6, amount: Self.cny(10_000), method: "bank", reference: "BT-6"))
                    .code == "duplicate-payment")
            #expect(
                try await harness.client.send(FinanceCommand.RecordPayment(order: 9, amount: Self.cny(99_999_999), method: "bank", reference: "BT-9"))
                    .code == "more-than-open")
            #expect(
                try await harness.client.send(FinanceCommand.RecordPayment(order: 999, amount: Self.cny(1), method: "bank", reference: "BT-X")).code
                    == "unknown-order")
            let refund = try await harness.client.send(
                FinanceCommand.RecordRefund(order: 1, amount: Self.cny(5_000), reason: "damaged", reference: "RF-1")
            )
            .decodeResult(FinanceCommand.Result.self)
            #expect(refund.document?.hasPrefix("CN-2026-") == true)
            let supplier = try await harness.client.send(
                FinanceCommand.PaySupplier(purchaseReference: "PO-1", amount: Self.cny(100_000), reference: "SP-1"))
            #expect(supplier.status == .done, "\(supplier)")
            let invoice12 = try await harness.pool.query(
                PostgresQuery(unsafeSQL: "SELECT number FROM \(harness.schema).invoices WHERE order_id = 11"))[0].decode(String.self, at: 0)
            let paidVoid = try await harness.client.send(FinanceCommand.VoidInvoice(number: invoice12, reason: "test"))
            #expect(paidVoid.code == "paid", "order 11 was paid on its platform")
            let invoice9 = try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT number FROM \(harness.schema).invoices WHERE order_id = 9"))[
                0
            ].decode(String.self, at: 0)
            #expect(try await harness.client.send(FinanceCommand.VoidInvoice(number: invoice9, reason: "sent in error")).status == .done)
            #expect(try await harness.client.send(FinanceCommand.VoidInvoice(number: invoice9, reason: "again")).code == "already-void")

            let statements = Statements(schema: harness.schema)
            // From the month's first order on: the cost of goods is booked the day the goods leave (today).
            let november = try BusinessDate("2026-11-01")
            let trials = try await statements.trialBalance(from: nil, to: nil, harness.pool)
            #expect(trials.map(\.currency) == ["CNY"])
            let trial = try #require(trials.first)
            #expect(trial.balances, "debits \(trial.totalDebits), credits \(trial.totalCredits)")
            let sheet = try #require(try await statements.balanceSheet(at: nil, harness.pool).first)
            #expect(sheet.balances, "assets \(sheet.totalAssets), liabilities \(sheet.totalLiabilities), equity \(sheet.totalEquity)")
            let income = try #require(try await statements.incomeStatement(from: november, to: nil, harness.pool).first)
            let cogs = income.expenses.first { $0.code == Accounts.costOfGoodsSold }?.balance
            let expectedCOGS: Int64 = 20 * (2 * 2_600 + 2_100)
            // (Typed: inside #expect an untyped literal product is an Int, which never equals an Int64?.)
            #expect(cogs == expectedCOGS)
            #expect(income.netIncome > 0)
            let invariants = try await FinanceInvariants(schema: harness.schema).check(harness.pool)
            let broken = invariants.filter { !$0.held }
            #expect(broken.isEmpty, "\(broken)")
            // Invoice numbers are gapless.
            let numbers = try await harness.pool.query(
                PostgresQuery(unsafeSQL: "SELECT number FROM \(harness.schema).invoices WHERE kind = 'invoice' ORDER BY number")
            )
            .map { try $0.decode(String.self, at: 0) }
            let expected = (1...30).map { "INV-2026-" + String(repeating: "0", count: 6 - String($0).count) + String($0) }
            #expect(numbers == expected)
            let profit = try await statements.grossProfit(by: .channel, harness.pool)
            #expect(profit.rows.count == 2, "web and shopify")
            let byOrder = try await statements.grossProfit(by: .order, harness.pool)
            let order2 = byOrder.rows.first { $0.first == "2" }
            // Order 2: TEE 2 × 99 − 10 = 188.00 and TEA 68.00, both including VAT (13 % and 9 %), against cost 2 × 26 + 21.
            let expectedRevenue =
                try TaxCalculation.line(Self.cny(18_800), basisPoints: 1_300, inclusive: true).net.minorUnits
                + TaxCalculation.line(Self.cny(6_800), basisPoints: 900, inclusive: true).net.minorUnits
            #expect(order2?[1] == "CNY")
            #expect(order2?[2] == String(expectedRevenue), "\(String(describing: order2))")
            #expect(order2?[3] == "7300")
            let ageing = try await statements.ageingTotals(at: try BusinessDate("2027-01-15"), harness.pool)
            let receivables = ageing["receivable CNY"] ?? [:]
            // Open at 2027-01-15: orders 6 (partly paid), 12, 15, 18, 21, 24, 27, 30 (9 voided, 3 paid); due 30 days after each day.
            #expect(receivables.values.reduce(0, +) > 0)
            #expect(receivables[.current] == nil, "every invoice of November is overdue by mid January")
            #expect(receivables[.days1to30] != nil && receivables[.days31to60] != nil)
            let accountAdded = try await harness.client.send(FinanceCommand.AddAccount(code: "6300", name: "Marketing", accountType: "expense"))
            #expect(accountAdded.status == .done)
            #expect(
                try await harness.client.send(FinanceCommand.AddAccount(code: "6300", name: "Again", accountType: "expense")).code
                    == "duplicate-account")
            #expect(try await harness.client.send(FinanceCommand.AddAccount(code: "61", name: "Short", accountType: "expense")).code == "validation")
            let document = try await harness.pool.query(
                PostgresQuery(unsafeSQL: "SELECT document FROM \(harness.schema).invoices WHERE order_id = 2"))[0].decode(String.self, at: 0)
            #expect(document.contains("<h1>Invoice INV-2026-") && document.contains("客户 2"))
            let types = try await harness.outboxTypes()
            let issuedEvents = types.filter { $0 == FinanceEvent.InvoiceIssued.type.rawValue }.count
            #expect(issuedEvents == 30)
            let paymentEvents = types.filter { $0 == FinanceEvent.PaymentReceived.type.rawValue }.count
            #expect(paymentEvents == 2, "each recorded payment tells orders (BT-3 and BT-6)")
        }
    }

    @Test(Self.finance) func theDatabaseRefusesAnUnbalancedEntryWhateverCodeWritesIt() async throws {
        do {
            let harness = try ServiceHarness.required()
            let s = harness.schema
            do {
                try await harness.pool.withTransaction { tx in
                    let id = try await tx.query(
                        PostgresQuery(
                            unsafeSQL: """
                                INSERT INTO \(s).journal_entries (entry_date, description, source, currency) VALUES ('2026-11-01', 'bad', 'test:bad', 'CNY') RETURNING id
                                """))[0].decode(Int64.self, at: 0)
                    try await tx.query(
                        PostgresQuery(
                            unsafeSQL: """
                                INSERT INTO \(s).journal_lines (entry_id, line, account, debit_minor, credit_minor, currency) VALUES
                                    ($1, 1, '1100', 1000, 0, 'CNY'), ($1, 2, '4000', 0, 900, 'CNY')
                                """, binds: [id]))
                }
                Issue.record("an unbalanced entry was committed")
            } catch let error as PostgresError {
                #expect(error.sqlState == "23514", "\(error)")
                #expect(error.message.contains("does not balance"))
            }
            let entries = try await Self.count(harness, "SELECT count(*)::int FROM $S.journal_entries")
            #expect(entries == 0)
            // And a posted entry can never be changed.
            try await harness.pool.withTransaction { tx in
                var entry = JournalEntry(currency: .cny)
                entry.debit(Accounts.cash, 500)
                entry.credit(Accounts.equity, 500)
                _ = try await Journal(schema: s).post(
                    entry, date: try BusinessDate("2026-11-01"), description: "capital", source: "test:capital", in: tx)
            }
            do {
                try await harness.pool.query(PostgresQuery(unsafeSQL: "UPDATE \(s).journal_lines SET debit_minor = 600 WHERE debit_minor = 500"))
                Issue.record("a journal line was changed")
            } catch let error as PostgresError {
                #expect(error.message.contains("append-only"), "\(error)")
            }
            // Lines added to a posted entry later: refused unless they balance among themselves.
            let capital = try await Self.count(harness, "SELECT max(entry_id)::int FROM $S.journal_lines")
            do {
                try await harness.pool.query(
                    PostgresQuery(
                        unsafeSQL:
                            "INSERT INTO \(s).journal_lines (entry_id, line, account, debit_minor, credit_minor, currency) VALUES ($1, 3, '1100', 70, 0, 'CNY')",
                        binds: [capital]))
                Issue.record("an unbalanced line was added to a posted entry")
            } catch let error as PostgresError {
                #expect(error.sqlState == "23514" && error.message.contains("journal entry \(capital) does not balance"), "\(error)")
            }
            try await harness.pool.query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO \(s).journal_lines (entry_id, line, account, debit_minor, credit_minor, currency)
                        VALUES ($1, 3, '1100', 70, 0, 'CNY'), ($1, 4, '3000', 0, 70, 'CNY')
                        """, binds: [capital]))
            let sums = try await Self.count(
                harness, "SELECT (sum(debit_minor) * 10000 + sum(credit_minor))::int FROM $S.journal_lines WHERE entry_id = \(capital)")
            #expect(sums == 570 * 10000 + 570)
        }
    }
}
