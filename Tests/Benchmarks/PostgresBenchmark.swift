import ArgumentParser
import Foundation
import Postgres

/// Rows per second for parameterised INSERTs: one per autocommit transaction, and batches
/// of 1,000 in one transaction; and COPY FROM STDIN for bulk loads.
struct PostgresBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres", abstract: "Parameterised INSERT throughput; rows per second.")

    @Option(help: "Database URL (default: $ERP_DATABASE_URL or the local runner's).")
    var url = environment("ERP_DATABASE_URL", default: "postgres://erp:erp@127.0.0.1:54329/erp")
    @Option(help: "Rows inserted one per transaction.") var singleRows = 5_000
    @Option(help: "Batches of --batch-size rows, each in one transaction.") var batches = 20
    @Option(help: "Rows per batch.") var batchSize = 1_000
    @Option(help: "Rows loaded with COPY.") var copyRows = 200_000
    @Option(help: "SELECT 1 round trips, to measure the per-statement overhead alone.") var roundTrips = 20_000

    mutating func validate() throws {
        guard singleRows > 0, batches > 0, batchSize > 0, copyRows > 0, roundTrips > 0 else {
            throw ValidationError("every count must be positive")
        }
    }

    func run() async throws {
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: url), size: 1)
        let table = "bench_insert_\(UUID().uuidString.prefix(8).lowercased())"
        try await pool.query(
            PostgresQuery(
                unsafeSQL: "CREATE TABLE \(table) (id bigint NOT NULL, payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"))
        let payload = String(repeating: "p", count: 64)
        let insert = "INSERT INTO \(table) (id, payload) VALUES ($1, $2)"

        var start = monotonicSeconds()
        for _ in 0..<roundTrips {
            try await pool.query("SELECT 1")
        }
        let trips = Double(roundTrips) / (monotonicSeconds() - start)
        print(String(format: "swift postgres SELECT 1 round trips: %.0f per second (%.1f µs each)", trips, 1e6 / trips))

        start = monotonicSeconds()
        for id in 0..<singleRows {
            try await pool.query(PostgresQuery(unsafeSQL: insert, binds: [id, payload]))
        }
        let single = Double(singleRows) / (monotonicSeconds() - start)
        print(String(format: "swift postgres single-row INSERT, autocommit: %.0f rows/s", single))

        start = monotonicSeconds()
        for batch in 0..<batches {
            try await pool.withTransaction { tx in
                for row in 0..<batchSize {
                    try await tx.query(PostgresQuery(unsafeSQL: insert, binds: [batch * batchSize + row, payload]))
                }
            }
        }
        let batched = Double(batches * batchSize) / (monotonicSeconds() - start)
        print(String(format: "swift postgres %d-row batches in one transaction: %.0f rows/s", batchSize, batched))

        start = monotonicSeconds()
        _ = try await pool.withConnection { connection in
            try await connection.copyFrom("COPY \(table) (id, payload) FROM STDIN") { writer in
                for id in 0..<copyRows { try await writer.writeRow([String(id), payload]) }
            }
        }
        let copied = Double(copyRows) / (monotonicSeconds() - start)
        print(String(format: "swift postgres COPY FROM STDIN: %.0f rows/s", copied))

        try await pool.query(PostgresQuery(unsafeSQL: "DROP TABLE \(table)"))
        await pool.close()
    }
}
