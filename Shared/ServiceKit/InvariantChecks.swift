import Postgres

/// One invariant checked on the live database: held, or the rows that break it.
public struct InvariantResult: Sendable, Equatable, Codable {
    public let name: String
    public let held: Bool
    /// Up to 20 descriptions of what breaks it.
    public let violations: [String]
    public init(name: String, held: Bool, violations: [String]) {
        (self.name, self.held, self.violations) = (name, held, violations)
    }
}

/// Runs invariant checks: each is a query that returns one text column per violation.
public enum InvariantChecks {
    public static func run(_ checks: [(name: String, sql: String)], _ pool: PostgresPool) async throws -> [InvariantResult] {
        var results: [InvariantResult] = []
        for (name, sql) in checks {
            let violations = try await pool.query(PostgresQuery(unsafeSQL: sql + " LIMIT 20")).map { try $0.decode(String.self, at: 0) }
            results.append(InvariantResult(name: name, held: violations.isEmpty, violations: violations))
        }
        return results
    }
}
