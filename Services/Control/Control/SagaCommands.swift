import ArgumentParser
import Contracts
import Foundation
import Postgres
import ServiceKit

/// `erpctl saga ...`: the sagas the coordinator runs, and their step history.
struct SagaCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "saga", abstract: "Sagas: list, show (step history with times), retry a stuck one.",
        subcommands: [List.self, Show.self, Retry.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sagas with their state.")
        @OptionGroup var report: InventoryCommands.ReportOptions
        @Option(help: "waiting, completed, compensated, stuck or superseded.") var state: String?
        @Option(help: "fulfilment, split, merge or return.") var type: String?
        @Option var limit = 100
        func run() async throws {
            try await report.withPool { pool in
                printReport(
                    ReportTable(
                        try await pool.query(
                            PostgresQuery(
                                unsafeSQL: """
                                    SELECT i.id, i.type, i.key, i.status, h.step AS last_step, h.what AS last,
                                           to_char(i.deadline AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS deadline,
                                           to_char(i.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS updated_at
                                    FROM saga.instances i
                                    LEFT JOIN LATERAL (SELECT step, what FROM saga.history WHERE saga_id = i.id ORDER BY seq DESC LIMIT 1) h ON true
                                    WHERE ($1::text IS NULL OR i.status = $1) AND ($2::text IS NULL OR i.type = $2)
                                    ORDER BY i.created_at DESC LIMIT $3
                                    """, binds: [state, type, limit]))), json: report.json)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A saga's data and step history.")
        @OptionGroup var report: InventoryCommands.ReportOptions
        @Argument var id: String
        func run() async throws {
            guard let uuid = UUID(uuidString: id) else { throw ValidationError("'\(id)' is not a saga id (a UUID)") }
            var state: String?
            try await report.withPool { pool in
                state = try await pool.query(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT jsonb_pretty(i.state || jsonb_build_object('history', coalesce((
                                SELECT jsonb_agg(jsonb_build_object(
                                    'at', to_char(h.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'step', h.step, 'what', h.what) ORDER BY h.seq)
                                FROM saga.history h WHERE h.saga_id = i.id), '[]'::jsonb)))
                            FROM saga.instances i WHERE i.id = $1
                            """, binds: [uuid])
                ).first?.decode(String.self, at: 0)
            }
            guard let state else { throw ControlFailure(description: "no saga \(id)") }
            print(state)
        }
    }
}
