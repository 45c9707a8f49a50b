import ArgumentParser
import Contracts
import Finance
import Foundation
import Postgres
import ServiceKit

/// `erpctl finance ...`: statements and reports (read from the database), and the finance
/// commands (published, outcome awaited).
struct FinanceCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finance",
        abstract: "Statements, invoices, receivables and payables, supplier bills, tax, profit; payments, refunds, entries and expenses.",
        subcommands: [
            TrialBalance.self, IncomeStatement.self, BalanceSheet.self, CashFlow.self, TaxSummary.self, Ageing.self, Profit.self, Invoices.self,
            InvoiceShow.self, RecordPayment.self, Refund.self, SupplierBill.self, Bills.self, ApproveBill.self, RejectBill.self, PaySupplier.self,
            JournalEntryCommand.self, Expense.self, Reverse.self, ImportSettlement.self, Settlements.self, VoidInvoice.self, AddAccount.self,
            AccountsList.self, Rates.self, TaxRate.self,
        ])

    struct Period: ParsableArguments {
        @Option(help: "First day (YYYY-MM-DD); default: the beginning.") var from: String?
        @Option(help: "Last day (YYYY-MM-DD); default: today and everything before.") var to: String?
        func validate() throws { _ = try dates() }
        func dates() throws -> (BusinessDate?, BusinessDate?) {
            do { return (try from.map { try BusinessDate($0) }, try to.map { try BusinessDate($0) }) } catch { throw ValidationError("\(error)") }
        }
    }

    /// An amount of `currency` in its own decimals (the code as it is if it is not known).
    static func amount(_ minor: Int64, _ currency: String) -> String {
        (try? Currency(code: currency)).map { Money(minorUnits: minor, currency: $0).decimalString } ?? String(minor)
    }

    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = MessageCoding.encoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    static func convertedTable(_ accounts: [Statements.ConvertedAccount], _ currency: String) -> String {
        ReportTable(
            columns: ["account", "name", "amount"], rows: accounts.map { [$0.code, $0.name, amount($0.amount, currency)] }, numericColumns: ["amount"]
        ).table
    }

    static func accountsTable(_ accounts: [Statements.AccountBalance]) -> String {
        ReportTable(
            columns: ["account", "name", "debits", "credits", "balance"],
            rows: accounts.map {
                [$0.code, $0.name, amount($0.debits, $0.currency), amount($0.credits, $0.currency), amount($0.balance, $0.currency)]
            },
            numericColumns: ["debits", "credits", "balance"]
        ).table
    }

    struct TrialBalance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "trial-balance", abstract: "Debits and credits per account for a period, one section per currency.")
        @OptionGroup var report: InventoryCommands.ReportOptions
        @OptionGroup var period: Period
        func run() async throws {
            let (from, to) = try period.dates()
            var trials: [Statements.TrialBalance] = []
            try await report.withPool { trials = try await Statements().trialBalance(from: from, to: to, $0) }
            if report.json { return try printJSON(trials) }
            if trials.isEmpty { print("no entries") }
            for trial in trials {
                print(trial.currency)
                print(accountsTable(trial.accounts))
                let (debits, credits) = (amount(trial.totalDebits, trial.currency), amount(trial.totalCredits, trial.currency))
                print("total debits \(debits), total credits \(credits) \(trial.currency): \(trial.balances ? "balanced" : "NOT BALANCED")\n")
            }
        }
    }

    struct IncomeStatement: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "income-statement", abstract: "Revenue, expenses and net income for a period, one section per currency.")
        @OptionGroup var report: InventoryCommands.ReportOptions
        @OptionGroup var period: Period
        @OptionGroup var base: BaseCurrency
        func run() async throws {
            let (from, to) = try period.dates()
            if base.base {
                var converted: Statements.ConvertedIncomeStatement?
                let currency = try base.currency()
                try await report.withPool { pool in
                    converted = try await Statements().incomeStatement(
                        from: from, to: to, converting: try await Statements().conversion(base: currency, pool), pool)
                }
                guard let statement = converted else { return }
                if report.json { return try printJSON(statement) }
                let c = statement.base
                print("revenue (\(c))"); print(convertedTable(statement.revenue, c))
                print("expenses (\(c))"); print(convertedTable(statement.expenses, c))
                print(
                    "total revenue \(amount(statement.totalRevenue, c)), total expenses \(amount(statement.totalExpenses, c)), net income \(amount(statement.netIncome, c)) \(c)"
                )
                return printRates(statement.rates, base: c)
            }
            var statements: [Statements.IncomeStatement] = []
            try await report.withPool { statements = try await Statements().incomeStatement(from: from, to: to, $0) }
            if report.json { return try printJSON(statements) }
            if statements.isEmpty { print("no entries") }
            for statement in statements {
                let c = statement.currency
                print("\(c) revenue"); print(accountsTable(statement.revenue))
                print("\(c) expenses"); print(accountsTable(statement.expenses))
                print(
                    "total revenue \(amount(statement.totalRevenue, c)), total expenses \(amount(statement.totalExpenses, c)), net income \(amount(statement.netIncome, c)) \(c)\n"
                )
            }
        }
    }

    struct BalanceSheet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "balance-sheet", abstract: "Assets, liabilities and equity at a date, one section per currency.")
        @OptionGroup var report: InventoryCommands.ReportOptions
        @Option(help: "The date (YYYY-MM-DD); default: everything.") var at: String?
        @OptionGroup var base: BaseCurrency
        func run() async throws {
            let date: BusinessDate?
            do { date = try at.map { try BusinessDate($0) } } catch { throw ValidationError("--at: \(error)") }
            if base.base {
                var converted: Statements.ConvertedBalanceSheet?
                let currency = try base.currency()
                try await report.withPool { pool in
                    converted = try await Statements().balanceSheet(
                        at: date ?? .today(), converting: try await Statements().conversion(base: currency, pool), pool)
                }
                guard let sheet = converted else { return }
                if report.json { return try printJSON(sheet) }
                let c = sheet.base
                print("assets (\(c))"); print(convertedTable(sheet.assets, c))
                print("liabilities (\(c))"); print(convertedTable(sheet.liabilities, c))
                print("equity (\(c))"); print(convertedTable(sheet.equity, c))
                print("earnings not yet closed \(amount(sheet.earnings, c)) \(c)")
                print(
                    "assets \(amount(sheet.totalAssets, c)) = liabilities \(amount(sheet.totalLiabilities, c)) + equity \(amount(sheet.totalEquity, c)) \(c) (rounding \(amount(sheet.roundingDifference, c)))"
                )
                return printRates(sheet.rates, base: c)
            }
            var sheets: [Statements.BalanceSheet] = []
            try await report.withPool { sheets = try await Statements().balanceSheet(at: date, $0) }
            if report.json { return try printJSON(sheets) }
            if sheets.isEmpty { print("no entries") }
            for sheet in sheets {
                let c = sheet.currency
                print("\(c) assets"); print(accountsTable(sheet.assets))
                print("\(c) liabilities"); print(accountsTable(sheet.liabilities))
                print("\(c) equity"); print(accountsTable(sheet.equity))
                print("earnings not yet closed \(amount(sheet.earnings, c)) \(c)")
                print(
                    "assets \(amount(sheet.totalAssets, c)) = liabilities \(amount(sheet.totalLiabilities, c)) + equity \(amount(sheet.totalEquity, c)) \(c): \(sheet.balances ? "holds" : "DOES NOT HOLD")\n"
                )
            }
        }
    }

    struct TaxSummary: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "tax-summary", abstract: "Output VAT by rate and input VAT for a period.")
        @OptionGroup var report: InventoryCommands.ReportOptions
        @OptionGroup var period: Period
        func run() async throws {
            let (from, to) = try period.dates()
            try await report.withPool { printReport(try await Statements().taxSummary(from: from, to: to, $0), json: report.json) }
        }
    }

    struct Ageing: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open receivables (or, with --payables, supplier payables) by days overdue (current, 1-30, 31-60, 61-90, >90).")
        @OptionGroup var report: InventoryCommands.ReportOptions
        @Option(help: "The date to age at (YYYY-MM-DD); default: today.") var at: String?
        @Flag(help: "Accounts payable: open supplier bills and expenses, with totals per supplier.") var payables = false
        @Option(help: "With --payables: one supplier's items only.") var supplier: String?
        func run() async throws {
            let date: BusinessDate
            do { date = try at.map { try BusinessDate($0) } ?? .today() } catch { throw ValidationError("--at: \(error)") }
            let kind: Documents.Kind = payables ? .payable : .receivable
            try await report.withPool { pool in
                printReport(try await Statements().ageing(at: date, kind: kind, party: supplier, pool), json: report.json)
                if payables {
                    if !report.json { print("per supplier") }
                    return printReport(try await Statements().ageingByParty(at: date, kind: .payable, pool), json: report.json)
                }
                if !report.json {
                    for (kind, buckets) in try await Statements().ageingTotals(at: date, pool).sorted(by: { $0.key > $1.key }) {
                        let currency = kind.split(separator: " ").last.map(String.init) ?? ""
                        print(
                            "\(kind): "
                                + AgeingBucket.allCases.map { "\($0.rawValue) \(amount(buckets[$0] ?? 0, currency))" }.joined(separator: " · "))
                    }
                }
            }
        }
    }

    struct Profit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revenue (net of VAT) against cost of goods sold.")
        @OptionGroup var report: InventoryCommands.ReportOptions
        @Option(help: "line, order, sku or channel.") var by = Statements.ProfitDimension.order
        @OptionGroup var base: BaseCurrency
        @Option(name: .customLong("rate-date"), help: "With --base: the day whose rates convert (YYYY-MM-DD); default: today.") var rateDate: String?
        func run() async throws {
            guard base.base else {
                return try await report.withPool { printReport(try await Statements().grossProfit(by: by, $0), json: report.json) }
            }
            let currency = try base.currency()
            let day = try rateDate.map { try parseDate($0, option: "--rate-date") } ?? .today()
            try await report.withPool { pool in
                let (table, rates) = try await Statements().grossProfit(
                    by: by, converting: try await Statements().conversion(base: currency, pool), on: day, pool)
                printReport(table, json: report.json)
                if !report.json { printRates(rates, base: currency.code) }
            }
        }
    }

    struct Invoices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Invoices and credit notes.")
        @OptionGroup var report: InventoryCommands.ReportOptions
        @Option var order: Int64?
        func run() async throws {
            try await report.withPool { printReport(try await Statements().invoices(order: order, $0), json: report.json) }
        }
    }

    struct InvoiceShow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "invoice", abstract: "Print an archived invoice document (HTML).")
        @OptionGroup var report: InventoryCommands.ReportOptions
        @Argument var number: String
        func run() async throws {
            var document: String?
            try await report.withPool { document = try await Statements().document(number, $0) }
            guard let document else { throw ControlFailure(description: "no invoice \(number)") }
            print(document)
        }
    }

    struct RecordPayment: SendsCommand {
        static let configuration = CommandConfiguration(
            commandName: "record-payment", abstract: "Record money received for an order (it becomes paid).")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var order: Int64
        @Option var amount: String
        @Option var currency = "CNY"
        @Option(help: "bank, cash, platform...") var method = "bank"
        @Option(help: "Bank or payment reference (each is recorded once).") var reference: String
        func validate() throws { _ = try money(amount, currency: currency, option: "--amount") }
        func command() throws -> FinanceCommand.RecordPayment {
            FinanceCommand.RecordPayment(
                order: order, amount: try money(amount, currency: currency, option: "--amount"), method: method, reference: reference)
        }
    }

    struct Refund: SendsCommand {
        static let configuration = CommandConfiguration(abstract: "Record a refund to a customer (a credit note is issued).")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var order: Int64
        @Option var amount: String
        @Option var currency = "CNY"
        @Option var reason: String
        @Option var reference: String
        func validate() throws { _ = try money(amount, currency: currency, option: "--amount") }
        func command() throws -> FinanceCommand.RecordRefund {
            FinanceCommand.RecordRefund(
                order: order, amount: try money(amount, currency: currency, option: "--amount"), reason: reason, reference: reference)
        }
    }

    struct PaySupplier: SendsCommand {
        static let configuration = CommandConfiguration(
            commandName: "pay-supplier",
            abstract:
                "Pay a supplier: one bill (--supplier --bill), its open bills oldest due first (--supplier), or a receipt's payable (--purchase-ref)."
        )
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var supplier: String?
        @Option(help: "The supplier's bill number.") var bill: String?
        @Option(name: .customLong("purchase-ref"), help: "A receipt booked without a purchase order: its purchase reference.")
        var purchaseReference: String?
        @Option var amount: String
        @Option var currency = "CNY"
        @Option(help: "The payment's bank reference (each is recorded once).") var reference: String
        @Option(help: "YYYY-MM-DD; default: today.") var date: String?
        func validate() throws {
            guard (supplier == nil) != (purchaseReference == nil) else { throw ValidationError("give --supplier (and --bill) or --purchase-ref") }
            guard bill == nil || supplier != nil else { throw ValidationError("--bill needs --supplier") }
            _ = try command()
        }
        func command() throws -> FinanceCommand.PaySupplier {
            let paid = try money(amount, currency: currency, option: "--amount")
            if let supplier {
                return FinanceCommand.PaySupplier(
                    supplier: supplier, bill: bill, amount: paid, reference: reference, paidOn: try date.map { try parseDate($0, option: "--date") })
            }
            var command = FinanceCommand.PaySupplier(purchaseReference: purchaseReference ?? "", amount: paid, reference: reference)
            command.paidOn = try date.map { try parseDate($0, option: "--date") }
            return command
        }
    }

    struct AddAccount: SendsCommand {
        static let configuration = CommandConfiguration(commandName: "add-account", abstract: "Add an account to the chart of accounts.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var code: String
        @Option var name: String
        @Option(help: "asset, liability, equity, revenue or expense.") var type: String
        func validate() throws {
            guard AccountType(rawValue: type) != nil else { throw ValidationError("--type must be asset, liability, equity, revenue or expense") }
        }
        func command() throws -> FinanceCommand.AddAccount { FinanceCommand.AddAccount(code: code, name: name, accountType: type) }
    }

    struct VoidInvoice: SendsCommand {
        static let configuration = CommandConfiguration(
            commandName: "void-invoice", abstract: "Void an unpaid invoice issued in error (its entries are reversed).")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Argument var number: String
        @Option var reason: String
        func command() throws -> FinanceCommand.VoidInvoice { FinanceCommand.VoidInvoice(number: number, reason: reason) }
    }
}

extension Statements.ProfitDimension: ExpressibleByArgument {}
