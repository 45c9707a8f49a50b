import Contracts
import Foundation
import Postgres

/// Posts journal entries, once per business event (`source` is unique).
public struct Journal: Sendable {
    public let schema: String
    public init(schema: String = "finance") { self.schema = schema }
    var s: String { PostgresQuery.quoteIdentifier(schema) }

    /// Posts a balanced entry; nil if an entry with this source exists (the event was posted before).
    @discardableResult
    public func post(
        _ entry: JournalEntry, date: BusinessDate, description: String, source: String, in tx: PostgresTransaction
    ) async throws -> Int64? {
        let entry = try entry.checked()
        guard
            let row = try await tx.query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO \(s).journal_entries (entry_date, description, source, currency) VALUES ($1::date, $2, $3, $4)
                        ON CONFLICT (source) DO NOTHING RETURNING id
                        """, binds: [date.description, description, source, entry.currency.code])
            ).first
        else { return nil }
        let id = try row.decode(Int64.self, at: 0)
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).journal_lines (entry_id, line, account, debit_minor, credit_minor, memo, currency)
            SELECT \(id), l.line, l.account, l.debit, l.credit, l.memo, \(entry.currency.code)
            FROM unnest(\(Array(1...entry.lines.count))::int[], \(entry.lines.map(\.account))::text[], \(entry.lines.map(\.debit))::bigint[],
                        \(entry.lines.map(\.credit))::bigint[], \(entry.lines.map(\.memo))::text[]) AS l (line, account, debit, credit, memo)
            """)
        return id
    }

    /// The lines of an entry, to reverse it.
    public func entry(source: String, in tx: PostgresTransaction) async throws -> (id: Int64, entry: JournalEntry)? {
        guard
            let head = try await tx.query(
                PostgresQuery(
                    unsafeSQL: "SELECT id, currency FROM \(s).journal_entries WHERE source = $1", binds: [source])
            ).first
        else { return nil }
        let id = try head.decode(Int64.self, at: 0)
        var entry = JournalEntry(currency: try Currency(code: try head.decode(String.self, at: 1)))
        for line in try await tx.query(
            PostgresQuery(
                unsafeSQL: "SELECT account, debit_minor, credit_minor, memo FROM \(s).journal_lines WHERE entry_id = $1 ORDER BY line", binds: [id]))
        {
            let account = try line.decode(String.self, at: 0), debit = try line.decode(Int64.self, at: 1), credit = try line.decode(Int64.self, at: 2)
            let memo = try line.decode(String?.self, at: 3)
            if debit > 0 { entry.debit(account, debit, memo: memo) } else { entry.credit(account, credit, memo: memo) }
        }
        return (id, entry)
    }
}
