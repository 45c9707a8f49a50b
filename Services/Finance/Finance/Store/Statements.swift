import Contracts
import Foundation
import Postgres
import ServiceKit

/// Financial statements and reports for any period, from the journal: trial balance,
/// income statement, balance sheet, tax summary, receivables ageing, gross profit. They
/// only read, so they can run on the replica.
public struct Statements: Sendable {
    public let schema: String
    public init(schema: String = "finance") { self.schema = schema }
    var s: String { PostgresQuery.quoteIdentifier(schema) }

    public struct AccountBalance: Codable, Sendable, Equatable {
        public let code: String
        public let name: String
        public let type: String
        public let currency: String
        public let debits: Int64
        public let credits: Int64
        /// In the account's normal direction (debit for assets and expenses).
        public var balance: Int64 { AccountType(rawValue: type)?.debitNormal == true ? debits - credits : credits - debits }
    }

    /// Every account's debits and credits per currency for entries dated in [from, to]
    /// (either may be open); an account without entries in a currency is not listed for it.
    /// Amounts of different currencies are never added together.
    public func balances(from: BusinessDate?, to: BusinessDate?, _ pool: PostgresPool) async throws -> [AccountBalance] {
        try await pool.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT a.code, a.name, a.type, l.currency, sum(l.debit_minor)::bigint AS debits, sum(l.credit_minor)::bigint AS credits
                    FROM \(s).accounts a
                    JOIN \(s).journal_lines l ON l.account = a.code
                        AND l.entry_id IN (SELECT id FROM \(s).journal_entries
                                           WHERE ($1::date IS NULL OR entry_date >= $1::date) AND ($2::date IS NULL OR entry_date <= $2::date))
                    GROUP BY l.currency, a.code, a.name, a.type ORDER BY l.currency, a.code
                    """, binds: [from?.description, to?.description])
        ).map {
            AccountBalance(
                code: try $0.decode(String.self, column: "code"), name: try $0.decode(String.self, column: "name"),
                type: try $0.decode(String.self, column: "type"), currency: try $0.decode(String.self, column: "currency"),
                debits: try $0.decode(Int64.self, column: "debits"), credits: try $0.decode(Int64.self, column: "credits"))
        }
    }

    /// The balances by currency, in currency order.
    func byCurrency(_ balances: [AccountBalance]) -> [(currency: String, accounts: [AccountBalance])] {
        Dictionary(grouping: balances, by: \.currency).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// One currency's trial balance.
    public struct TrialBalance: Codable, Sendable, Equatable {
        public let currency: String
        public let accounts: [AccountBalance]
        public var totalDebits: Int64 { accounts.reduce(0) { $0 + $1.debits } }
        public var totalCredits: Int64 { accounts.reduce(0) { $0 + $1.credits } }
        public var balances: Bool { totalDebits == totalCredits }
    }

    /// A trial balance per currency.
    public func trialBalance(from: BusinessDate?, to: BusinessDate?, _ pool: PostgresPool) async throws -> [TrialBalance] {
        byCurrency(try await balances(from: from, to: to, pool).filter { $0.debits != 0 || $0.credits != 0 })
            .map { TrialBalance(currency: $0.currency, accounts: $0.accounts) }
    }

    /// One currency's income statement.
    public struct IncomeStatement: Codable, Sendable, Equatable {
        public let currency: String
        public let revenue: [AccountBalance]
        public let expenses: [AccountBalance]
        public var totalRevenue: Int64 { revenue.reduce(0) { $0 + $1.balance } }
        public var totalExpenses: Int64 { expenses.reduce(0) { $0 + $1.balance } }
        public var netIncome: Int64 { totalRevenue - totalExpenses }
    }

    /// An income statement per currency.
    public func incomeStatement(from: BusinessDate?, to: BusinessDate?, _ pool: PostgresPool) async throws -> [IncomeStatement] {
        byCurrency(try await balances(from: from, to: to, pool)).map {
            IncomeStatement(
                currency: $0.currency, revenue: $0.accounts.filter { $0.type == "revenue" }, expenses: $0.accounts.filter { $0.type == "expense" })
        }
    }

    /// One currency's balance sheet.
    public struct BalanceSheet: Codable, Sendable, Equatable {
        public let currency: String
        public let at: BusinessDate?
        public let assets: [AccountBalance]
        public let liabilities: [AccountBalance]
        public let equity: [AccountBalance]
        /// Revenue minus expenses of every entry up to the date (not yet closed into retained earnings).
        public let earnings: Int64
        public var totalAssets: Int64 { assets.reduce(0) { $0 + $1.balance } }
        public var totalLiabilities: Int64 { liabilities.reduce(0) { $0 + $1.balance } }
        public var totalEquity: Int64 { equity.reduce(0) { $0 + $1.balance } + earnings }
        /// Assets = liabilities + equity.
        public var balances: Bool { totalAssets == totalLiabilities + totalEquity }
    }

    /// A balance sheet per currency.
    public func balanceSheet(at date: BusinessDate?, _ pool: PostgresPool) async throws -> [BalanceSheet] {
        byCurrency(try await balances(from: nil, to: date, pool)).map { section in
            let all = section.accounts
            let income = IncomeStatement(
                currency: section.currency, revenue: all.filter { $0.type == "revenue" }, expenses: all.filter { $0.type == "expense" })
            return BalanceSheet(
                currency: section.currency, at: date, assets: all.filter { $0.type == "asset" }, liabilities: all.filter { $0.type == "liability" },
                equity: all.filter { $0.type == "equity" }, earnings: income.netIncome)
        }
    }

    /// Output VAT of invoices and credit notes by rate, and input VAT, for a period.
    public func taxSummary(from: BusinessDate?, to: BusinessDate?, _ pool: PostgresPool) async throws -> ReportTable {
        ReportTable(
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT 'output' AS side, to_char(l.basis_points / 100.0, 'FM990.00') || '%' AS rate, i.currency,
                               sum(l.net_minor)::bigint AS net_minor, sum(l.tax_minor)::bigint AS tax_minor
                        FROM \(s).invoice_lines l JOIN \(s).invoices i ON i.number = l.number
                        WHERE i.status = 'issued' AND ($1::date IS NULL OR i.issued_on >= $1::date) AND ($2::date IS NULL OR i.issued_on <= $2::date)
                        GROUP BY l.basis_points, i.currency
                        UNION ALL
                        SELECT 'input', 'all', jl.currency, NULL, sum(jl.debit_minor - jl.credit_minor)::bigint
                        FROM \(s).journal_lines jl JOIN \(s).journal_entries e ON e.id = jl.entry_id
                        WHERE jl.account = '\(Accounts.inputVAT)' AND ($1::date IS NULL OR e.entry_date >= $1::date) AND ($2::date IS NULL OR e.entry_date <= $2::date)
                        GROUP BY jl.currency
                        ORDER BY 1 DESC, 2
                        """, binds: [from?.description, to?.description])), numeric: ["net_minor", "tax_minor"])
    }

    /// Open receivables (or payables) by how overdue they are at `date`; payables of one
    /// supplier (`party`) alone if given.
    public func ageing(at date: BusinessDate, kind: Documents.Kind = .receivable, party: String? = nil, _ pool: PostgresPool) async throws
        -> ReportTable
    {
        let rows = try await pool.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT document, order_id, coalesce(party, '') AS party, currency, open_minor, due_on::text AS due_on, ($1::date - due_on) AS overdue
                    FROM \(s).open_items WHERE kind = $2 AND open_minor > 0 AND ($3::text IS NULL OR party = $3) ORDER BY due_on, document
                    """, binds: [date.description, kind.rawValue, party]))
        return ReportTable(
            columns: ["document", "order", "party", "open", "due_on", "days_overdue", "bucket"],
            rows: try rows.map { row in
                let overdue = try row.decode(Int.self, column: "overdue")
                let currency = try Currency(code: try row.decode(String.self, column: "currency"))
                return [
                    row["document"], row["order_id"], row["party"],
                    Money(minorUnits: try row.decode(Int64.self, column: "open_minor"), currency: currency).description, row["due_on"],
                    "\(max(0, overdue))", AgeingBucket.of(daysOverdue: overdue).rawValue,
                ]
            }, numericColumns: ["order", "days_overdue"])
    }

    /// Open receivables and payables per bucket, keyed "<kind> <currency>" (`receivable CNY`).
    public func ageingTotals(at date: BusinessDate, _ pool: PostgresPool) async throws -> [String: [AgeingBucket: Int64]] {
        var totals: [String: [AgeingBucket: Int64]] = [:]
        for row in try await pool.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT kind || ' ' || currency AS kind, ($1::date - due_on) AS overdue, open_minor FROM \(s).open_items WHERE open_minor > 0
                    """, binds: [date.description]))
        {
            let bucket = AgeingBucket.of(daysOverdue: try row.decode(Int.self, column: "overdue"))
            totals[try row.decode(String.self, column: "kind"), default: [:]][bucket, default: 0] += try row.decode(Int64.self, column: "open_minor")
        }
        return totals
    }

    public enum ProfitDimension: String, CaseIterable, Sendable { case line, order, sku, channel }

    /// Revenue (net of VAT, after credit notes) against cost of goods sold, one row per key and
    /// currency: a sale and its cost are set against each other only in the same currency, and
    /// amounts of different currencies are never added. A cost with no revenue in its currency
    /// (goods sent for a voided invoice, a free replacement, stock bought in another currency
    /// than it was sold in) is a row of its own with revenue 0.
    public func grossProfit(by dimension: ProfitDimension, _ pool: PostgresPool) async throws -> ReportTable {
        ReportTable(
            try await pool.query(PostgresQuery(unsafeSQL: grossProfitSQL(by: dimension))),
            numeric: ["revenue_minor", "cost_minor", "profit_minor", "margin_percent"])
    }

    func grossProfitSQL(by dimension: ProfitDimension) -> String {
        let key: String
        switch dimension {
        case .line: key = "order_ref || '/' || sku"
        case .order: key = "order_ref"
        case .sku: key = "sku"
        case .channel: key = "channel"
        }
        return """
            WITH revenue AS (
                SELECT i.order_id::text AS order_ref, i.channel, l.sku, i.currency, sum(l.net_minor)::bigint AS net
                FROM \(s).invoice_lines l JOIN \(s).invoices i ON i.number = l.number
                WHERE i.status = 'issued' AND l.sku IS NOT NULL GROUP BY i.order_id, i.channel, l.sku, i.currency
            ), cost AS (
                SELECT order_ref, sku, currency, sum(cost_minor)::bigint AS cost FROM \(s).cost_lines GROUP BY order_ref, sku, currency
            ), channels AS (
                SELECT DISTINCT ON (order_id) order_id::text AS order_ref, channel FROM \(s).invoices ORDER BY order_id, number
            ), joined AS (
                SELECT coalesce(r.order_ref, c.order_ref) AS order_ref, coalesce(r.channel, ch.channel, '') AS channel,
                       coalesce(r.sku, c.sku) AS sku, coalesce(r.currency, c.currency) AS currency,
                       coalesce(r.net, 0) AS net, coalesce(c.cost, 0) AS cost
                FROM revenue r
                FULL JOIN cost c ON c.order_ref = r.order_ref AND c.sku = r.sku AND c.currency = r.currency
                LEFT JOIN channels ch ON ch.order_ref = c.order_ref
            )
            SELECT \(key) AS key, currency, sum(net)::bigint AS revenue_minor, sum(cost)::bigint AS cost_minor,
                   (sum(net) - sum(cost))::bigint AS profit_minor,
                   CASE WHEN sum(net) = 0 THEN NULL ELSE round(100.0 * (sum(net) - sum(cost)) / sum(net), 1) END AS margin_percent
            FROM joined GROUP BY 1, 2 ORDER BY 1, 2
            """
    }

    /// Invoices and credit notes (of one order, or all), amounts in each currency's own decimals.
    public func invoices(order: Int64?, _ pool: PostgresPool) async throws -> ReportTable {
        let rows = try await pool.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT number, kind, order_id, status, issued_on::text AS issued_on, due_on::text AS due_on, currency, net_minor, tax_minor, gross_minor
                    FROM \(s).invoices WHERE $1::bigint IS NULL OR order_id = $1 ORDER BY number
                    """, binds: [order]))
        return ReportTable(
            columns: ["number", "kind", "order", "status", "issued_on", "due_on", "currency", "net", "tax", "gross"],
            rows: try rows.map { row in
                let currency = try Currency(code: try row.decode(String.self, column: "currency"))
                func amount(_ column: String) throws -> String {
                    Money(minorUnits: try row.decode(Int64.self, column: column), currency: currency).decimalString
                }
                return [
                    row["number"], row["kind"], row["order_id"], row["status"], row["issued_on"], row["due_on"], currency.code,
                    try amount("net_minor"), try amount("tax_minor"), try amount("gross_minor"),
                ]
            }, numericColumns: ["order"])
    }

    /// An archived invoice document (HTML).
    public func document(_ number: String, _ pool: PostgresPool) async throws -> String? {
        try await pool.query(PostgresQuery(unsafeSQL: "SELECT document FROM \(s).invoices WHERE number = $1", binds: [number])).first?.decode(
            String.self, at: 0)
    }
}
