import Contracts
import Foundation
import Messaging
import Postgres

/// What people post by hand: journal entries (balanced, never to an account a subledger
/// keeps), expenses (paid or owed to a supplier, with their input VAT), reversals of either;
/// and the dated rates: tax rates by category, exchange rates into the base currency.
extension FinanceHandlers {
    func postJournalEntry(_ command: FinanceCommand.PostJournalEntry, _ context: HandlerContext) async throws -> FinanceCommand.Result {
        let tx = context.transaction
        try Self.requireName(command.reference, "reference")
        try Self.requireName(command.memo, "memo")
        guard command.lines.count >= 2 else { throw CommandRefused("validation", "a journal entry has at least two lines") }
        guard command.lines.count <= 200 else { throw CommandRefused("validation", "a journal entry has at most 200 lines") }
        let currency = command.lines[0].amount.currency
        var entry = JournalEntry(currency: currency)
        let types = try await accountTypes(command.lines.map(\.account), tx)
        for (index, line) in command.lines.enumerated() {
            let name = "line \(index + 1)"
            guard line.amount.currency == currency else {
                throw CommandRefused(
                    "validation", "\(name) is in \(line.amount.currency.code), the entry in \(currency.code): one entry, one currency")
            }
            guard line.amount.minorUnits > 0 else { throw CommandRefused("validation", "\(name): the amount is more than zero (got \(line.amount))") }
            try Self.requirePostable(line.account, types)
            if line.side == .debit {
                entry.debit(line.account, line.amount.minorUnits, memo: command.memo)
            } else {
                entry.credit(line.account, line.amount.minorUnits, memo: command.memo)
            }
        }
        let (debits, overflowD) = command.lines.filter { $0.side == .debit }.reduce((Int64(0), false)) { Self.add($0, $1.amount.minorUnits) }
        let (credits, overflowC) = command.lines.filter { $0.side == .credit }.reduce((Int64(0), false)) { Self.add($0, $1.amount.minorUnits) }
        guard !overflowD, !overflowC else { throw CommandRefused("validation", "the entry's amounts are too large to add up") }
        guard debits == credits else {
            throw CommandRefused(
                "unbalanced",
                "the entry does not balance: debits \(Money(minorUnits: debits, currency: currency)), credits \(Money(minorUnits: credits, currency: currency))"
            )
        }
        guard
            let id = try await journal.post(
                entry, date: command.date, description: "Journal entry \(command.reference): \(command.memo)", source: "journal:\(command.reference)",
                in: tx)
        else { throw CommandRefused("duplicate-entry", "journal entry \(command.reference) was posted before") }
        try await recordManual(id, kind: "journal", reference: command.reference, party: nil, document: nil, tx)
        return FinanceCommand.Result(entry: id)
    }

    func recordExpense(_ command: FinanceCommand.RecordExpense, _ context: HandlerContext) async throws -> FinanceCommand.Result {
        let tx = context.transaction
        try Self.requireName(command.reference, "reference")
        try Self.requireName(command.memo, "memo")
        guard command.amount.minorUnits > 0 else { throw CommandRefused("validation", "an expense is more than zero (got \(command.amount))") }
        let types = try await accountTypes([command.account], tx)
        try Self.requirePostable(command.account, types)
        guard types[command.account] == .expense else {
            throw CommandRefused(
                "validation", "account \(command.account) is \(types[command.account]?.rawValue ?? "unknown"), not an expense account")
        }
        let party: String?
        switch (command.supplier, command.payee) {
        case (let supplier?, nil): party = supplier
        case (nil, let payee?): party = payee
        default: throw CommandRefused("validation", "an expense is owed to a supplier or paid to a payee (one of the two)")
        }
        try Self.requireName(party ?? "", command.supplier != nil ? "supplier" : "payee")
        var basisPoints = 0
        if let category = command.taxCategory {
            let rates = try await rates(on: command.date, tx)
            guard let rate = rates.basisPoints[category] else {
                throw CommandRefused(
                    "validation", "tax category '\(category)' is not one of \(rates.basisPoints.keys.sorted().joined(separator: ", "))")
            }
            basisPoints = rate
        }
        let tax = try TaxCalculation.line(command.amount, basisPoints: basisPoints, inclusive: true)
        var entry = JournalEntry(currency: command.amount.currency)
        entry.debit(command.account, tax.net.minorUnits, memo: command.memo)
        entry.debit(Accounts.inputVAT, tax.tax.minorUnits, memo: command.reference)
        let document = command.supplier.map { SupplierBills.document(supplier: $0, number: command.reference) }
        entry.credit(document == nil ? Accounts.cash : Accounts.payables, tax.gross.minorUnits, memo: party)
        if let document, try await documents.hasPayable(document: document, in: tx) {
            throw CommandRefused("duplicate-bill", "\(document) is a payable already")
        }
        guard
            let id = try await journal.post(
                entry, date: command.date, description: "Expense \(command.reference) (\(party ?? "")): \(command.memo)",
                source: "expense:\(command.reference)", in: tx)
        else { throw CommandRefused("duplicate-entry", "expense \(command.reference) was posted before") }
        if let document, let supplier = command.supplier {
            let days = command.dueDays ?? Invoice.termsDays
            guard (0...366).contains(days) else { throw CommandRefused("validation", "due days are 0 to 366 (got \(days))") }
            try await documents.open(
                .payable, document: document, order: nil, party: supplier, amount: tax.gross, on: command.date, due: command.date.adding(days: days),
                in: tx)
        }
        try await recordManual(id, kind: "expense", reference: command.reference, party: party, document: document, tx)
        return FinanceCommand.Result(entry: id, document: document)
    }

    func reverseEntry(_ command: FinanceCommand.ReverseEntry, _ context: HandlerContext) async throws -> FinanceCommand.Result {
        let tx = context.transaction
        try Self.requireName(command.reason, "reason")
        guard
            let manual = try await tx.query(
                """
                SELECT m.kind, m.document, m.reversed_by, e.source FROM \(identifier: schema).manual_entries m
                JOIN \(identifier: schema).journal_entries e ON e.id = m.entry_id WHERE m.entry_id = \(command.entry) FOR UPDATE OF m
                """
            ).first
        else {
            throw CommandRefused(
                "not-manual",
                "entry \(command.entry) is not a journal entry or expense posted by hand: the system's entries are corrected by their documents (void-invoice, refund, a reversing journal entry)"
            )
        }
        if let by = try manual.decode(Int64?.self, column: "reversed_by") {
            throw CommandRefused("already-reversed", "entry \(command.entry) was reversed by entry \(by)")
        }
        if let document = try manual.decode(String?.self, column: "document") {
            let open = try await tx.query(
                "SELECT amount_minor, open_minor FROM \(identifier: schema).open_items WHERE kind = 'payable' AND document = \(document) FOR UPDATE"
            ).first
            guard let open, try open.decode(Int64.self, at: 0) == open.decode(Int64.self, at: 1) else {
                throw CommandRefused("partly-paid", "\(document) is partly or wholly paid: a payment is not undone by reversing its expense")
            }
            try await documents.close(.payable, document: document, in: tx)
        }
        guard let original = try await journal.entry(source: try manual.decode(String.self, column: "source"), in: tx) else {
            throw CommandRefused("unknown-entry", "no entry \(command.entry)")
        }
        guard
            let id = try await journal.post(
                original.entry.reversed, date: command.date ?? .today(), description: "Reversal of entry \(command.entry): \(command.reason)",
                source: "reversal:\(command.entry)", in: tx)
        else { throw CommandRefused("already-reversed", "entry \(command.entry) was reversed before") }
        try await tx.queue(
            """
            UPDATE \(identifier: schema).manual_entries SET reversed_by = \(id), reversal_reason = \(command.reason) WHERE entry_id = \(command.entry)
            """)
        return FinanceCommand.Result(entry: id)
    }

    func setTaxRate(_ command: FinanceCommand.SetTaxRate, _ context: HandlerContext) async throws -> FinanceCommand.Result {
        let tx = context.transaction
        guard (1...30).contains(command.category.count), command.category.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") })
        else { throw CommandRefused("validation", "a tax category is 1 to 30 lowercase letters, digits or '-' (got '\(command.category)')") }
        guard (0...10_000).contains(command.basisPoints) else {
            throw CommandRefused("validation", "a rate is 0 to 100 % (got \(Double(command.basisPoints) / 100) %)")
        }
        if let last = try await reference.lastInvoiceDate(in: tx), command.effectiveFrom <= last {
            throw CommandRefused(
                "invoiced-period", "invoices dated up to \(last) were issued at the rates in force then: a new rate takes effect after \(last)")
        }
        try await reference.setTaxRate(category: command.category, basisPoints: command.basisPoints, from: command.effectiveFrom, in: tx)
        return FinanceCommand.Result(document: "\(command.category) from \(command.effectiveFrom)")
    }

    func setExchangeRate(_ command: FinanceCommand.SetExchangeRate, _ context: HandlerContext) async throws -> FinanceCommand.Result {
        guard (try? Currency(code: command.currency)) != nil else {
            throw CommandRefused("validation", "'\(command.currency)' is not a currency code")
        }
        guard Self.isRate(command.rate) else {
            throw CommandRefused(
                "validation", "a rate is a positive decimal with at most 12 digits before and 10 after the point (got '\(command.rate)')")
        }
        try await reference.setExchangeRate(currency: command.currency, rate: command.rate, on: command.effectiveOn, in: context.transaction)
        return FinanceCommand.Result(document: "\(command.currency) \(command.rate) from \(command.effectiveOn)")
    }

    // MARK: - Shared

    static func isRate(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), (1...12).contains(parts[0].count), parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } })
        else { return false }
        if parts.count == 2 { guard (1...10).contains(parts[1].count) else { return false } }
        return text.contains { $0 != "0" && $0 != "." }
    }

    static func add(_ sum: (Int64, Bool), _ value: Int64) -> (Int64, Bool) {
        let (result, overflow) = sum.0.addingReportingOverflow(value)
        return (result, sum.1 || overflow)
    }

    func accountTypes(_ codes: [String], _ tx: PostgresTransaction) async throws -> [String: AccountType] {
        var types: [String: AccountType] = [:]
        for row in try await tx.query("SELECT code, type FROM \(identifier: schema).accounts WHERE code = ANY(\(codes))") {
            types[try row.decode(String.self, at: 0)] = AccountType(rawValue: try row.decode(String.self, at: 1))
        }
        return types
    }

    static func requirePostable(_ account: String, _ types: [String: AccountType]) throws {
        guard types[account] != nil else {
            throw CommandRefused("unknown-account", "there is no account \(account) (erpctl finance accounts lists them)")
        }
        guard !Accounts.controlAccounts.contains(account) else {
            throw CommandRefused(
                "control-account",
                "account \(account) is kept by its subledger (receivables, payables, stock, goods received not invoiced): post to it through its documents"
            )
        }
    }

    func recordManual(_ entry: Int64, kind: String, reference: String, party: String?, document: String?, _ tx: PostgresTransaction) async throws {
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).manual_entries (entry_id, kind, reference, party, document)
            VALUES (\(entry), \(kind), \(reference), \(party), \(document))
            """)
    }
}
