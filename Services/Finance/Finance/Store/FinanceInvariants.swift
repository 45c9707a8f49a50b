import Postgres
import ServiceKit

/// Invariant 2 of DESIGN.md section 4 on the live database: every journal entry balances;
/// the receivables and payables accounts equal the sum of their open items.
public struct FinanceInvariants: Sendable {
    public let schema: String
    public init(schema: String = "finance") { self.schema = schema }

    public typealias Result = InvariantResult

    public func check(_ pool: PostgresPool) async throws -> [Result] {
        let s = PostgresQuery.quoteIdentifier(schema)
        let checks: [(String, String)] = [
            ("every journal entry balances", """
                SELECT 'entry ' || entry_id || ': debits ' || sum(debit_minor) || ', credits ' || sum(credit_minor)
                FROM \(s).journal_lines GROUP BY entry_id HAVING sum(debit_minor) <> sum(credit_minor)
                """),
            ("receivables equal their open items", """
                SELECT 'account ' || coalesce((SELECT sum(debit_minor - credit_minor) FROM \(s).journal_lines WHERE account = '\(Accounts.receivables)'), 0)
                       || ', open items ' || coalesce((SELECT sum(open_minor) FROM \(s).open_items WHERE kind = 'receivable'), 0)
                WHERE coalesce((SELECT sum(debit_minor - credit_minor) FROM \(s).journal_lines WHERE account = '\(Accounts.receivables)'), 0)
                   <> coalesce((SELECT sum(open_minor) FROM \(s).open_items WHERE kind = 'receivable'), 0)
                """),
            ("payables equal their open items", """
                SELECT 'account ' || coalesce((SELECT sum(credit_minor - debit_minor) FROM \(s).journal_lines WHERE account = '\(Accounts.payables)'), 0)
                       || ', open items ' || coalesce((SELECT sum(open_minor) FROM \(s).open_items WHERE kind = 'payable'), 0)
                WHERE coalesce((SELECT sum(credit_minor - debit_minor) FROM \(s).journal_lines WHERE account = '\(Accounts.payables)'), 0)
                   <> coalesce((SELECT sum(open_minor) FROM \(s).open_items WHERE kind = 'payable'), 0)
                """),
        ]
        return try await InvariantChecks.run(checks, pool)
    }
}
