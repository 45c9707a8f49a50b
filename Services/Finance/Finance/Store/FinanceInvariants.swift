import Postgres
import ServiceKit

/// Invariant 2 (money) on the live database: every journal entry balances; the receivables
/// and payables accounts equal the sum of their open items, currency by currency; goods
/// received not invoiced is what was received on purchase orders and not yet billed; every
/// booked supplier bill is a payable of its supplier; goods sent free are a replacement
/// expense, never a cost of sales.
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
                "goods received not invoiced equals the receipts on purchase orders less what booked bills took at the orders' prices, per currency",
                """
                WITH ledger AS (
                    SELECT currency, sum(credit_minor - debit_minor) AS balance FROM \(s).journal_lines
                    WHERE account = '\(Accounts.goodsReceivedNotInvoiced)' GROUP BY currency
                ), received AS (
                    SELECT currency, sum(quantity::bigint * unit_cost_minor) AS amount FROM \(s).purchase_receipts GROUP BY currency
                ), billed AS (
                    SELECT b.currency, sum(bl.quantity::bigint * ol.unit_price_minor) AS amount
                    FROM \(s).supplier_bills b JOIN \(s).supplier_bill_lines bl ON bl.bill_id = b.id
                    JOIN \(s).purchase_order_lines ol ON ol.po = b.po AND ol.line = bl.po_line
                    WHERE b.status = 'booked' GROUP BY b.currency
                ), expected AS (
                    SELECT coalesce(r.currency, b.currency) AS currency, coalesce(r.amount, 0) - coalesce(b.amount, 0) AS amount
                    FROM received r FULL JOIN billed b ON b.currency = r.currency
                )
                SELECT coalesce(l.currency, e.currency) || ': account ' || coalesce(l.balance, 0) || ', receipts less bills ' || coalesce(e.amount, 0)
                FROM ledger l FULL JOIN expected e ON e.currency = l.currency
                WHERE coalesce(l.balance, 0) <> coalesce(e.amount, 0)
                """
            ),
            (
                "every booked supplier bill is its supplier's payable, for its total",
                """
                SELECT 'bill ' || b.document || ': ' || coalesce('payable of ' || coalesce(o.party, 'no one') || ' for ' || o.amount_minor, 'no payable')
                    || ', bill total ' || b.gross_minor
                FROM \(s).supplier_bills b
                LEFT JOIN \(s).open_items o ON o.kind = 'payable' AND o.document = b.document
                WHERE b.status = 'booked' AND (o.id IS NULL OR o.party IS DISTINCT FROM b.supplier OR o.amount_minor <> b.gross_minor)
                """
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
