import Foundation
import Postgres

/// Keeps `journal_months` (what `pnl_monthly` and `cash_flow_monthly` show) and
/// `cash_flow_months` (`cash_flow_monthly_v2`) by adding the journal entries each has not taken
/// in yet, each with a watermark of its own (a table added later starts from the first entry).
/// The journal only grows (a correction is a new entry), so each entry is added once: those
/// after the last one taken, up to the first one posted less than `settle` ago (so that an
/// entry numbered earlier but committed later is not skipped).
struct JournalRefreshJob: Sendable {
    let schemas: AnalyticsSchemas
    /// How long ago an entry must have been posted to be taken in (tests: 0).
    var settle: TimeInterval = 60

    func run(in tx: PostgresTransaction) async throws -> String {
        let months = try await take("journal", Self.journalMonths, in: tx)
        let cash = try await take("cash_flows", Self.cashFlows, in: tx)
        return "journal: \(months); cash flows: \(cash)"
    }

    static let journalMonths = """
        INSERT INTO {analytics}.journal_months AS m (month, currency, account, kind, debit_minor, credit_minor)
        SELECT date_trunc('month', e.entry_date)::date, l.currency, l.account, split_part(e.source, ':', 1), sum(l.debit_minor), sum(l.credit_minor)
        FROM {finance}.journal_entries e JOIN {finance}.journal_lines l ON l.entry_id = e.id
        WHERE e.id > $1 AND e.id <= $2
        GROUP BY 1, 2, 3, 4
        ON CONFLICT (month, currency, account, kind)
        DO UPDATE SET debit_minor = m.debit_minor + excluded.debit_minor, credit_minor = m.credit_minor + excluded.credit_minor
        """

    /// Adds the entries after `what`'s watermark with `sql` (binds: the last entry taken, the
    /// last to take) and moves the watermark.
    private func take(_ what: String, _ sql: String, in tx: PostgresTransaction) async throws -> String {
        let last =
            try await tx.query("SELECT up_to_entry FROM \(identifier: schemas.analytics).refreshes WHERE what = \(what)").first?.decode(
                Int64?.self, at: 0) ?? 0
        let upTo =
            try await tx.query(
                PostgresQuery(
                    unsafeSQL: schemas.substitute(
                        """
                        SELECT coalesce(min(id) - 1, (SELECT max(id) FROM {finance}.journal_entries)) FROM {finance}.journal_entries
                        WHERE id > $1 AND posted_at >= now() - make_interval(secs => $2)
                        """), binds: [last, settle]))[0].decode(Int64?.self, at: 0) ?? last
        guard upTo > last else {
            try await record(what, last, in: tx)
            return "no new entry"
        }
        let added = try await tx.query(PostgresQuery(unsafeSQL: schemas.substitute(sql), binds: [last, upTo])).affectedRows
        try await record(what, upTo, in: tx)
        return "entries \(last + 1)–\(upTo) into \(added) month rows"
    }

    /// The entries' money into and out of the cash accounts (asset accounts 1000-1099), sorted by
    /// the other side of each entry as finance's cash-flow statement sorts it
    /// (`Statements.cashFlowCategory`; a test holds the two equal): each entry's amount per
    /// category is money in when positive, out when negative. A move between two cash accounts
    /// has no other side and is no flow.
    static let cashFlows = """
        WITH cash_entries AS (
            SELECT DISTINCT l.entry_id FROM {finance}.journal_lines l
            WHERE l.entry_id > $1 AND l.entry_id <= $2 AND l.account ~ '^10[0-9][0-9]$'
        ), flows AS (
            SELECT date_trunc('month', e.entry_date)::date AS month, l.currency,
                   CASE WHEN l.account = '1100' THEN 'receipts from customers'
                        WHEN l.account IN ('2000', '2050', '1200', '1210') THEN 'payments to suppliers'
                        WHEN l.account IN ('1300', '2100') THEN 'VAT'
                        WHEN l.account = '6200' THEN 'platform fees'
                        WHEN a.type = 'revenue' THEN 'receipts from customers'
                        WHEN a.type = 'expense' THEN 'expenses'
                        WHEN a.type = 'equity' THEN 'owner''s equity'
                        ELSE 'other (' || l.account || ')' END AS category,
                   sum(l.credit_minor - l.debit_minor) AS amount
            FROM cash_entries c JOIN {finance}.journal_entries e ON e.id = c.entry_id
            JOIN {finance}.journal_lines l ON l.entry_id = e.id JOIN {finance}.accounts a ON a.code = l.account
            WHERE NOT (a.type = 'asset' AND a.code ~ '^10[0-9][0-9]$')
            GROUP BY e.id, 1, 2, 3
        )
        INSERT INTO {analytics}.cash_flow_months AS m (month, currency, category, cash_in_minor, cash_out_minor)
        SELECT month, currency, category, sum(greatest(amount, 0)), sum(greatest(-amount, 0)) FROM flows GROUP BY 1, 2, 3
        ON CONFLICT (month, currency, category)
        DO UPDATE SET cash_in_minor = m.cash_in_minor + excluded.cash_in_minor, cash_out_minor = m.cash_out_minor + excluded.cash_out_minor
        """

    func record(_ what: String, _ entry: Int64, in tx: PostgresTransaction) async throws {
        try await tx.query(
            """
            INSERT INTO \(identifier: schemas.analytics).refreshes (what, up_to, days, refreshed_at, up_to_entry)
            VALUES (\(what), now(), 0, clock_timestamp(), \(entry))
            ON CONFLICT (what) DO UPDATE SET up_to = excluded.up_to, refreshed_at = excluded.refreshed_at, up_to_entry = excluded.up_to_entry
            """)
    }
}
