import Postgres
import ServiceKit

/// Invariant 2 (money) on the live database: every journal entry balances; the receivables
/// and payables accounts equal the sum of their open items, currency by currency; goods sent
/// free are a replacement expense, never a cost of sales.
public struct FinanceInvariants: Sendable {
    public let schema: String
    public init(schema: String = "finance") { self.schema = schema }

    public typealias Result = InvariantResult

    public func check(_ pool: PostgresPool) async throws -> [Result] {
        let s = PostgresQuery.quoteIdentifier(schema)
        let checks: [(String, String)] = [
            (
                "every journal entry balances",
                """
                SELECT 'entry ' || entry_id || ': debits ' || sum(debit_minor) || ', credits ' || sum(credit_minor)
                FROM \(s).journal_lines GROUP BY entry_id HAVING sum(debit_minor) <> sum(credit_minor)
                """
            ),
            (
                "receivables equal their open items, per currency",
                Self.accountAgainstOpenItems(s, account: Accounts.receivables, kind: "receivable", debitNormal: true)
            ),
            (
                "payables equal their open items, per currency",
                Self.accountAgainstOpenItems(s, account: Accounts.payables, kind: "payable", debitNormal: false)
            ),
            (
                "goods sent free (repairs, re-sends) are booked as replacement expense, not cost of sales",
                """
                SELECT 'order ' || c.order_ref || ': ' || c.quantity || ' × ' || c.sku || ' booked to ' || l.account
                FROM \(s).cost_lines c JOIN \(s).free_replacements f ON f.order_id::text = c.order_ref
                JOIN \(s).journal_lines l ON l.entry_id = c.entry_id AND l.debit_minor > 0
                WHERE l.account <> '\(Accounts.freeReplacements)'
                """
            ),
        ]
        return try await InvariantChecks.run(checks, pool)
    }

    static func accountAgainstOpenItems(_ s: String, account: String, kind: String, debitNormal: Bool) -> String {
        """
        WITH ledger AS (
            SELECT currency, sum(\(debitNormal ? "debit_minor - credit_minor" : "credit_minor - debit_minor")) AS balance
            FROM \(s).journal_lines WHERE account = '\(account)' GROUP BY currency
        ), items AS (
            SELECT currency, sum(open_minor) AS open FROM \(s).open_items WHERE kind = '\(kind)' GROUP BY currency
        )
        SELECT coalesce(l.currency, i.currency) || ': account ' || coalesce(l.balance, 0) || ', open items ' || coalesce(i.open, 0)
        FROM ledger l FULL JOIN items i ON i.currency = l.currency
        WHERE coalesce(l.balance, 0) <> coalesce(i.open, 0)
        """
    }
}
