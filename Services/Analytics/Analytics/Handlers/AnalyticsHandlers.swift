import Contracts
import Foundation
import Messaging
import ServiceKit

/// The analytics commands: lead times for the reorder suggestions, a job run now, saved reports.
struct AnalyticsHandlers: Sendable {
    let schemas: AnalyticsSchemas
    let clock: any DeadlineClock

    /// Where each analytics message is handled.
    func register(in registry: inout MessageHandlers) {
        registry.command(AnalyticsCommand.SetLeadTime.self, setLeadTime)
        registry.command(AnalyticsCommand.RunJob.self, runJob)
        registry.command(AnalyticsCommand.SaveReport.self, saveReport)
        registry.command(AnalyticsCommand.DeleteReport.self, deleteReport)
    }

    func saveReport(_ command: AnalyticsCommand.SaveReport, _ context: HandlerContext) async throws -> AnalyticsResult.Done {
        let report = try SavedReport(name: command.name, sql: command.sql, parameters: command.parameters, description: command.description)
        let actor = try Self.actor(command.actor)
        let parameters = try String(
            decoding: JSONEncoder().encode(report.parameters.map { AnalyticsCommand.SaveReport.Parameter(name: $0.name, type: $0.kind.rawValue) }),
            as: UTF8.self)
        try await context.transaction.query(
            """
            INSERT INTO \(identifier: schemas.analytics).reports (name, sql, parameters, description, saved_by)
            VALUES (\(report.name), \(report.sql), \(parameters)::jsonb, \(report.description), \(actor))
            ON CONFLICT (name) DO UPDATE
            SET sql = excluded.sql, parameters = excluded.parameters, description = excluded.description, saved_by = excluded.saved_by, saved_at = now()
            """)
        return AnalyticsResult.Done()
    }

    func deleteReport(_ command: AnalyticsCommand.DeleteReport, _ context: HandlerContext) async throws -> AnalyticsResult.Done {
        _ = try Self.actor(command.actor)
        let deleted = try await context.transaction.query(
            "DELETE FROM \(identifier: schemas.analytics).reports WHERE name = \(command.name)"
        ).affectedRows
        guard deleted == 1 else { throw CommandRefused("unknown-report", "no saved report is named '\(SavedReport.printable(command.name))'") }
        return AnalyticsResult.Done()
    }

    /// Who does it: 1 to 100 characters, no NUL.
    static func actor(_ text: String) throws(CommandRefused) -> String {
        let actor = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !actor.isEmpty, actor.count <= 100, !actor.contains("\u{0}") else {
            throw CommandRefused("validation", "say who does it (1 to 100 characters)")
        }
        return actor
    }

    func setLeadTime(_ command: AnalyticsCommand.SetLeadTime, _ context: HandlerContext) async throws -> AnalyticsResult.Done {
        guard command.sku == "*" || SKUCode.isValid(command.sku) else {
            throw CommandRefused("validation", "the SKU must be * (any) or \(SKUCode.rule), not '\(command.sku)'")
        }
        guard command.warehouse == "*" || SKUCode.isValid(command.warehouse) else {
            throw CommandRefused("validation", "the warehouse must be * (any) or a warehouse code (\(SKUCode.rule)), not '\(command.warehouse)'")
        }
        guard (1...365).contains(command.days) else { throw CommandRefused("validation", "a lead time is 1 to 365 days, not \(command.days)") }
        let actor = try Self.actor(command.actor)
        try await context.transaction.query(
            """
            INSERT INTO \(identifier: schemas.analytics).lead_times (sku, warehouse, days, set_by) VALUES (\(command.sku), \(command.warehouse), \(command.days), \(actor))
            ON CONFLICT (sku, warehouse) DO UPDATE SET days = excluded.days, set_by = excluded.set_by, set_at = now()
            """)
        return AnalyticsResult.Done()
    }

    func runJob(_ command: AnalyticsCommand.RunJob, _ context: HandlerContext) async throws -> AnalyticsResult.JobRun {
        guard let job = JobStore.Job(rawValue: command.job) else {
            throw CommandRefused(
                "validation", "no job '\(command.job)' (jobs: \(JobStore.Job.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let now = clock.now
        let summary = try await JobRunner.run(job, schemas: schemas, now: now, in: context.transaction)
        try await JobStore(schema: schemas.analytics).finished(job, at: now, summary: summary, error: nil, in: context.transaction)
        return AnalyticsResult.JobRun(job: job.rawValue, summary: summary)
    }
}
