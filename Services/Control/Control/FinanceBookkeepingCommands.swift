import ArgumentParser
import Contracts
import Finance
import Foundation
import ServiceKit

/// `erpctl finance journal-entry|expense|reverse|accounts|cash-flow`, `finance rates` and
/// `finance tax-rate`: what people post by hand, and the dated rates.
extension FinanceCommands {
    struct JournalEntryCommand: SendsCommand {
        static let configuration = CommandConfiguration(
            commandName: "journal-entry", abstract: "Post a balanced journal entry (refused if it does not balance).",
            discussion: """
                Each --line is ACCOUNT:debit|credit:AMOUNT, e.g. --line 6100:debit:500.00 --line 1000:credit:500.00. Accounts kept by \
                a subledger (1100 receivables, 2000 payables, 1200 inventory, 2050 goods received not invoiced) are refused: \
                post to them through their documents.
                """)
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option(help: "The entry's date (YYYY-MM-DD).") var date: String
        @Option(help: "ACCOUNT:debit|credit:AMOUNT, repeated.") var line: [String] = []
        @Option var memo: String
        @Option var currency = "CNY"
        @Option(help: "Your reference for it (each is posted once); default: a new one.") var reference: String?

        func validate() throws { _ = try command() }

        func command() throws -> FinanceCommand.PostJournalEntry {
            let lines = try line.map { text -> FinanceCommand.PostJournalEntry.Line in
                let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 3, let side = FinanceCommand.Side(rawValue: parts[1].lowercased()) else {
                    throw ValidationError("--line '\(text)' is not ACCOUNT:debit|credit:AMOUNT (e.g. 6100:debit:500.00)")
                }
                return .init(account: parts[0], side: side, amount: try money(parts[2], currency: currency, option: "--line '\(text)'"))
            }
            guard lines.count >= 2 else { throw ValidationError("--line: a journal entry has at least two lines") }
            return FinanceCommand.PostJournalEntry(
                date: try parseDate(date, option: "--date"), lines: lines, memo: memo,
                reference: reference ?? "JE-\(UUID().uuidString.prefix(8).lowercased())")
        }
    }

    struct Expense: SendsCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record an expense as on its receipt: owed to a supplier (a payable) or paid to a payee from cash.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option(help: "An expense account (6100 operating expenses, or one added with add-account).") var account: String
        @Option(help: "The total paid or owed, VAT included.") var amount: String
        @Option var currency = "CNY"
        @Option(help: "Owed to this supplier (a payable, paid with pay-supplier).") var supplier: String?
        @Option(help: "Paid to this payee from cash.") var payee: String?
        @Option(name: .customLong("tax-category"), help: "The VAT category of the amount (standard, reduced, ...); default: no VAT.")
        var taxCategory: String?
        @Option(help: "YYYY-MM-DD; default: today.") var date: String?
        @Option var memo: String?
        @Option(help: "The receipt's or bill's number (each is posted once).") var reference: String
        @Option(name: .customLong("due-days"), help: "Days until a supplier's expense is due (default 30).") var dueDays: Int?

        func validate() throws {
            guard (supplier == nil) != (payee == nil) else { throw ValidationError("give --supplier (owed) or --payee (paid), one of the two") }
            _ = try command()
        }

        func command() throws -> FinanceCommand.RecordExpense {
            FinanceCommand.RecordExpense(
                account: account, amount: try money(amount, currency: currency, option: "--amount"), taxCategory: taxCategory, supplier: supplier,
                payee: payee, date: try date.map { try parseDate($0, option: "--date") } ?? .today(),
                memo: memo ?? "expense \(reference)", reference: reference, dueDays: dueDays)
        }
    }

    struct Reverse: SendsCommand {
        static let configuration = CommandConfiguration(abstract: "Reverse a journal entry or expense posted by hand.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option(help: "The entry's id (as journal-entry or expense printed it).") var entry: Int64
        @Option var reason: String
        @Option(help: "The reversal's date (YYYY-MM-DD); default: today.") var date: String?
        func command() throws -> FinanceCommand.ReverseEntry {
            FinanceCommand.ReverseEntry(entry: entry, reason: reason, date: try date.map { try parseDate($0, option: "--date") })
        }
    }

    struct AccountsList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "accounts", abstract: "The chart of accounts.")
        @OptionGroup var report: InventoryCommands.ReportOptions
        func run() async throws { try await report.withPool { printReport(try await Statements().accounts($0), json: report.json) } }
    }

    struct CashFlow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cash-flow",
            abstract: "Money in and out of the cash, bank and clearing accounts (1000-1099) by what it was for, one section per currency.")
        @OptionGroup var report: InventoryCommands.ReportOptions
        @OptionGroup var period: Period
        func run() async throws {
            let (from, to) = try period.dates()
            var flows: [Statements.CashFlow] = []
            try await report.withPool { flows = try await Statements().cashFlow(from: from, to: to, $0) }
            if report.json { return try printJSON(flows) }
            if flows.isEmpty { print("no cash movements") }
            for flow in flows {
                let c = flow.currency
                print("\(c) cash accounts")
                print(
                    ReportTable(
                        columns: ["account", "name", "opening", "closing"],
                        rows: flow.accounts.map { [$0.code, $0.name, amount($0.opening, c), amount($0.closing, c)] },
                        numericColumns: ["opening", "closing"]
                    ).table)
                print("\(c) flows")
                print(
                    ReportTable(
                        columns: ["for", "amount"], rows: flow.flows.map { [$0.category, amount($0.amount, c)] }, numericColumns: ["amount"]
                    ).table)
                print(
                    "opening \(amount(flow.opening, c)) + net flow \(amount(flow.netFlow, c)) = closing \(amount(flow.closing, c)) \(c): \(flow.reconciles ? "reconciles" : "DOES NOT RECONCILE")\n"
                )
            }
        }
    }

    struct Rates: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Exchange rates into the base currency (ERP_BASE_CURRENCY, default CNY), by the day each takes effect.",
            subcommands: [Set.self, List.self])

        struct Set: SendsCommand {
            static let configuration = CommandConfiguration(abstract: "Set a currency's rate from a day on.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @Option var currency: String
            @Option(help: "Units of the base currency one unit of --currency is worth (7.12).") var rate: String
            @Option(help: "The day it takes effect (YYYY-MM-DD); default: today.") var date: String?
            func command() throws -> FinanceCommand.SetExchangeRate {
                guard let value = Decimal(string: rate, locale: Locale(identifier: "en_US_POSIX")), value > 0 else {
                    throw ValidationError("--rate '\(rate)' is not a positive decimal")
                }
                return FinanceCommand.SetExchangeRate(
                    currency: currency.uppercased(), rate: rate, effectiveOn: try date.map { try parseDate($0, option: "--date") } ?? .today())
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Every rate set.")
            @OptionGroup var report: InventoryCommands.ReportOptions
            func run() async throws {
                var rates: [CurrencyConversion.Rate] = []
                try await report.withPool { rates = try await Statements().exchangeRates($0) }
                if report.json { return try printJSON(rates) }
                print(
                    ReportTable(
                        columns: ["currency", "effective_on", "rate"], rows: rates.map { [$0.currency, $0.effectiveOn.description, $0.rate] }
                    )
                    .table)
            }
        }
    }

    struct TaxRate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tax-rate", abstract: "VAT rates by tax category and the day each takes effect.", subcommands: [Set.self, List.self])

        struct Set: SendsCommand {
            static let configuration = CommandConfiguration(
                abstract: "Set a category's rate from a day on (invoices dated from then use it; a day already invoiced is refused).")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @Option var category: String
            @Option(help: "Percent, at most two decimals (13, 6.5).") var rate: String
            @Option(help: "The first day it applies (YYYY-MM-DD).") var from: String
            func command() throws -> FinanceCommand.SetTaxRate {
                guard let percent = Decimal(string: rate, locale: Locale(identifier: "en_US_POSIX")), percent >= 0, percent <= 100 else {
                    throw ValidationError("--rate '\(rate)' is not a percentage from 0 to 100")
                }
                let basisPoints = percent * 100
                guard basisPoints == basisPoints.rounded(0) else { throw ValidationError("--rate '\(rate)' has more than two decimals") }
                return FinanceCommand.SetTaxRate(
                    category: category, basisPoints: NSDecimalNumber(decimal: basisPoints).intValue,
                    effectiveFrom: try parseDate(from, option: "--from"))
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Every category's rates and when each took or takes effect.")
            @OptionGroup var report: InventoryCommands.ReportOptions
            func run() async throws { try await report.withPool { printReport(try await Statements().taxRates($0), json: report.json) } }
        }
    }

    /// `--base`: a statement converted into the base currency (ERP_BASE_CURRENCY, default CNY).
    struct BaseCurrency: ParsableArguments {
        @Flag(help: "Convert into the base currency (ERP_BASE_CURRENCY, default CNY) with the dated rates (finance rates set).")
        var base = false
        @Option(name: .customLong("base-currency"), help: "The base currency, instead of ERP_BASE_CURRENCY.") var baseCurrency: String?

        func currency() throws -> Currency {
            let code = baseCurrency ?? ProcessInfo.processInfo.environment["ERP_BASE_CURRENCY"] ?? "CNY"
            do { return try Currency(code: code) } catch { throw ValidationError("base currency: \(error)") }
        }
        func validate() throws { _ = try currency() }
    }

    static func printRates(_ rates: [CurrencyConversion.Rate], base: String) {
        guard !rates.isEmpty else { return print("rates used: none (everything is in \(base))") }
        print("rates used: " + rates.map { "1 \($0.currency) = \($0.rate) \(base) (set for \($0.effectiveOn))" }.joined(separator: "; "))
    }
}

extension Decimal {
    fileprivate func rounded(_ scale: Int) -> Decimal {
        var value = self, result = Decimal()
        NSDecimalRound(&result, &value, scale, .plain)
        return result
    }
}
