import Foundation
import Postgres

/// The persisted schedule of the analytics jobs: which is due, taken by one instance at a
/// time, and what its last run did.
public struct JobStore: Sendable {
    public enum Job: String, CaseIterable, Sendable {
        /// The closing stock of the day that just ended: due at every 00:00 UTC.
        case stockSnapshot = "stock-snapshot"
        /// The demand forecast: due at every 02:30 UTC (after the day's last orders are in).
        case forecast
        /// The materialised views' refresh (daily sales): due every minute.
        case refresh

        /// The first time after `now` the job is due again.
        public func next(after now: Date) -> Date {
            if self == .refresh { return now.addingTimeInterval(60) }
            let day = floor(now.timeIntervalSince1970 / 86_400) * 86_400
            let hour: TimeInterval = self == .stockSnapshot ? 0 : 2.5 * 3600
            let today = Date(timeIntervalSince1970: day + hour)
            return today > now ? today : today.addingTimeInterval(86_400)
        }
    }

    public let schema: String
    public init(schema: String = "analytics") { self.schema = schema }

    /// The jobs due at `now` that no other instance holds, locked for this transaction and
    /// already moved to their next time; the refresh first (the forecast reads what it keeps).
    func takeDue(now: Date, in tx: PostgresTransaction) async throws -> [Job] {
        let due = try await tx.query(
            """
            SELECT name FROM \(identifier: schema).jobs WHERE due_at <= \(now)::timestamptz ORDER BY name FOR UPDATE SKIP LOCKED
            """
        ).compactMap { Job(rawValue: try $0.decode(String.self, at: 0)) }.sorted { ($0 == .refresh ? 0 : 1) < ($1 == .refresh ? 0 : 1) }
        for job in due {
            try await tx.query(
                """
                UPDATE \(identifier: schema).jobs SET due_at = \(job.next(after: now)), runs = runs + 1, last_started_at = \(now)
                WHERE name = \(job.rawValue)
                """)
        }
        return due
    }

    func finished(_ job: Job, at: Date, summary: String?, error: String?, in tx: PostgresTransaction) async throws {
        try await tx.query(
            """
            UPDATE \(identifier: schema).jobs SET last_finished_at = \(at), last_summary = \(summary), last_error = \(error)
            WHERE name = \(job.rawValue)
            """)
    }

    /// Each job with its next and last run (for `erpctl analytics jobs`).
    public func list(_ pool: PostgresPool) async throws -> [[String?]] {
        try await pool.query(
            """
            SELECT name, due_at::text, runs::text, last_started_at::text, last_finished_at::text, coalesce(last_error, last_summary)
            FROM \(identifier: schema).jobs ORDER BY name
            """
        ).map { row in try (0..<6).map { try row.decode(String?.self, at: $0) } }
    }
}
