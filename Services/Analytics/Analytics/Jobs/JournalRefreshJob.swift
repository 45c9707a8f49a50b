import Foundation
import Postgres

/// Keeps `journal_months` (what `pnl_monthly` and `cash_flow_monthly` show) by adding the
/// journal entries it has not taken in yet. The journal only grows (a correction is a new
/// entry), so each entry is added once: those after the last one taken, up to the first one
/// posted less than `settle` ago (so that an entry numbered earlier but committed later is not
/// skipped).
struct JournalRefreshJob: Sendable {
    let schemas: AnalyticsSchemas
    /// How long ago an entry must have been posted to be taken in (tests: 0).
    var settle: TimeInterval = 60

    func run(in tx: PostgresTransaction) async throws -> String {
        let a = schemas.analytics
        let last =
            try await tx.query("SELECT up_to_entry FROM \(identifier: a).refreshes WHERE what = 'journal'").first?.decode(Int64?.self, at: 0) ?? 0
        let upTo =
            try await tx.query(
                PostgresQuery(
                    unsafeSQL: schemas.substitute(
                        """
                        SELECT coalesce(min(id) - 1, (SELECT max(id) FROM {finance}.journal_entries)) FROM {finance}.journal_entries
                        WHERE id > $1 AND posted_at >= now() - make_interval(secs => $2)
                        """), binds: [last, settle]))[0].decode(Int64?.self, at: 0) ?? last
        guard upTo > last else {
            try await record(last, in: tx)
            return "journal: no new entry"
        }
        let added = try await tx.query(
            PostgresQuery(
                unsafeSQL: schemas.substitute(
                    """
                    INSERT INTO {analytics}.journal_months AS m (month, currency, account, kind, debit_minor, credit_minor)
                    SELECT date_trunc('month', e.entry_date)::date, l.currency, l.account, split_part(e.source, ':', 1), sum(l.debit_minor), sum(l.credit_minor)
                    FROM {finance}.journal_entries e JOIN {finance}.journal_lines l ON l.entry_id = e.id
                    WHERE e.id > $1 AND e.id <= $2
                    GROUP BY 1, 2, 3, 4
                    ON CONFLICT (month, currency, account, kind)
                    DO UPDATE SET debit_minor = m.debit_minor + excluded.debit_minor, credit_minor = m.credit_minor + excluded.credit_minor
                    """), binds: [last, upTo])
        ).affectedRows
        try await record(upTo, in: tx)
        return "journal: entries \(last + 1)–\(upTo) into \(added) month rows"
    }

    func record(_ entry: Int64, in tx: PostgresTransaction) async throws {
        try await tx.query(
            """
            INSERT INTO \(identifier: schemas.analytics).refreshes (what, up_to, days, refreshed_at, up_to_entry)
            VALUES ('journal', now(), 0, clock_timestamp(), \(entry))
            ON CONFLICT (what) DO UPDATE SET up_to = excluded.up_to, refreshed_at = excluded.refreshed_at, up_to_entry = excluded.up_to_entry
            """)
    }
}
