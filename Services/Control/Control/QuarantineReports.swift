import Contracts
import Foundation
import Ingest
import Postgres
import ServiceKit

/// What `erpctl orders quarantine` and `erpctl crm quarantine` print: each intake keeps its
/// quarantine in its own schema, in the same shape.
enum QuarantineReports {
    static func list(_ store: QuarantineStore, includeRetried: Bool, limit: Int, json: Bool, _ pool: PostgresPool) async throws {
        let entries = try await store.list(includeRetried: includeRetried, limit: limit, pool)
        let table = ReportTable(
            columns: ["id", "received_at", "routing_key", "code", "reason", "status", "attempts"],
            rows: entries.map {
                [
                    "\($0.id)", UTCTimestamp.string(from: $0.receivedAt), PrintableText.of($0.routingKey), $0.code,
                    String($0.reason.prefix(100)), $0.status, "\($0.attempts)",
                ]
            }, numericColumns: ["id", "attempts"])
        printReport(table, json: json)
    }

    static func show(_ store: QuarantineStore, id: Int64, json: Bool, _ pool: PostgresPool) async throws {
        guard let entry = try await pool.withTransaction({ try await store.entry(id, in: $0) }) else {
            throw ControlFailure(description: "no quarantined message \(id)")
        }
        if json {
            let encoder = MessageCoding.encoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(entry), as: UTF8.self))
            return
        }
        print("quarantined message \(entry.id), \(entry.status), attempts \(entry.attempts), received \(UTCTimestamp.string(from: entry.receivedAt))")
        print("routing key: \(PrintableText.of(entry.routingKey))")
        print("why: \(entry.code): \(entry.reason)")
        print("body (\(entry.body.count) bytes):")
        print(String(decoding: entry.body.prefix(64 * 1024), as: UTF8.self))
    }
}
