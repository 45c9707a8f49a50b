import Contracts
import Foundation
import Postgres

/// The saved reports as the analysts' role reads and runs them (the `saved_reports` view).
public struct SavedReports: Sendable {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unknown(String)
        case timedOut(report: String, seconds: Int)
        case failed(report: String, reason: String)

        public var description: String {
            switch self {
            case .unknown(let name): return "no saved report is named '\(SavedReport.printable(name))' (erpctl report list)"
            case .timedOut(let report, let seconds):
                return "report \(report) was stopped after \(seconds) s (its statement timeout); nothing was changed"
            case .failed(let report, let reason): return "report \(report) failed: \(reason)"
            }
        }
    }

    public let schema: String
    public init(schema: String = "analytics") { self.schema = schema }

    /// Every report: name, parameters, description, who saved it and when.
    public func list(_ pool: PostgresPool) async throws -> [[String?]] {
        try await pool.query("SELECT name, parameters, description, saved_by, saved_at::text FROM \(identifier: schema).saved_reports ORDER BY name")
            .map { row in try (0..<5).map { try row.decode(String?.self, at: $0) } }
    }

    /// The report `name` as saved.
    public func load(_ name: String, _ pool: PostgresPool) async throws -> SavedReport {
        guard
            let row = try await pool.query(
                "SELECT sql, parameters, description FROM \(identifier: schema).saved_reports WHERE name = \(name)"
            ).first
        else { throw Failure.unknown(name) }
        let parameters = try row.decode(String.self, column: "parameters").split(separator: ",").map { declaration in
            let parts = declaration.split(separator: ":", maxSplits: 1).map(String.init)
            return AnalyticsCommand.SaveReport.Parameter(name: parts[0], type: parts.count > 1 ? parts[1] : "")
        }
        return try SavedReport(
            name: name, sql: try row.decode(String.self, column: "sql"), parameters: parameters,
            description: try row.decode(String.self, column: "description"))
    }

    /// Runs a report with its parameters' values, stopped after `timeout` seconds, in a
    /// read-only transaction; its rows as one section.
    public func run(_ name: String, values: [String: String], timeout: Int, _ pool: PostgresPool) async throws -> AnalyticsReport {
        let report = try await load(name, pool)
        let (sql, binds) = try report.statement(values)
        do {
            let rows = try await pool.withTransaction { tx in
                try await tx.query("SET TRANSACTION READ ONLY")
                try await tx.query(PostgresQuery(unsafeSQL: "SET LOCAL statement_timeout = '\(max(1, timeout))s'"))
                return try await tx.query(PostgresQuery(unsafeSQL: sql, binds: binds))
            }
            var result = AnalyticsReport()
            try result.add(name, report.description.isEmpty ? "Report \(name)" : report.description, rows)
            return result
        } catch let error as PostgresError where error.sqlState == "57014" {
            throw Failure.timedOut(report: name, seconds: timeout)
        } catch let error as PostgresError {
            throw Failure.failed(report: name, reason: "\(error)")
        }
    }
}
