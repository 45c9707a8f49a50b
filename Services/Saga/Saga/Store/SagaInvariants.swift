import Postgres
import ServiceKit

/// Invariant 5 on the live database: every saga is finished or waiting with a deadline.
public struct SagaInvariants: Sendable {
    public let schema: String
    public init(schema: String = "saga") { self.schema = schema }

    public func check(_ pool: PostgresPool) async throws -> [InvariantResult] {
        let s = PostgresQuery.quoteIdentifier(schema)
        return try await InvariantChecks.run(
            [
                (
                    "every saga is finished or waiting with a deadline",
                    """
                    SELECT 'saga ' || id || ' (' || type || ', ' || key || ') waits with no deadline' FROM \(s).instances
                    WHERE status = 'waiting' AND deadline IS NULL ORDER BY created_at
                    """
                ),
                (
                    "no saga is stuck on a failed compensation (erpctl saga retry)",
                    """
                    SELECT 'saga ' || i.id || ' (' || i.type || ', ' || i.key || ') is stuck: ' || coalesce((
                        SELECT what FROM \(s).history WHERE saga_id = i.id ORDER BY seq DESC LIMIT 1), '')
                    FROM \(s).instances i WHERE i.status = 'stuck' ORDER BY i.created_at
                    """
                ),
            ], pool)
    }
}
