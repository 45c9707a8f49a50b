import Foundation
import Logging
import Postgres
import ServiceKit
import ServiceLifecycle

/// Runs the analytics jobs when they are due (a schedule kept in the database, so that a
/// restart or another instance neither skips nor repeats a run): every minute of its
/// ``DeadlineClock`` it takes the due jobs and runs each in a transaction of its own on the
/// primary, recording how it went.
public final class JobRunner: Service, Sendable {
    let schemas: AnalyticsSchemas
    let jobs: JobStore
    let clock: any DeadlineClock
    let pool: PostgresPool
    let logger: Logger

    init(schemas: AnalyticsSchemas, clock: any DeadlineClock, pool: PostgresPool, logger: Logger) {
        (self.schemas, self.clock, self.pool, self.logger) = (schemas, clock, pool, logger)
        jobs = JobStore(schema: schemas.analytics)
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await runDue()
            } catch {
                logger.warning("job runner failed; trying again", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await self.clock.sleep(for: .seconds(60)) }
        }
    }

    /// Takes the jobs due now and runs them.
    func runDue() async throws {
        let now = clock.now
        let due = try await pool.withTransaction { tx in try await jobs.takeDue(now: now, in: tx) }
        for job in due { _ = try await run(job, now: now) }
    }

    /// Runs one job now and records the outcome; its summary, or the failure (also recorded).
    func run(_ job: JobStore.Job, now: Date) async throws -> String {
        let started = ContinuousClock.now
        do {
            let summary = try await pool.withTransaction { tx in try await Self.run(job, schemas: schemas, now: now, in: tx) }
            let elapsed = ContinuousClock.now - started
            try await pool.withTransaction { tx in
                try await jobs.finished(job, at: clock.now, summary: "\(summary) in \(elapsed)", error: nil, in: tx)
            }
            logger.info("job done", metadata: ["job": "\(job.rawValue)", "summary": "\(summary)", "elapsed": "\(elapsed)"])
            return summary
        } catch {
            try? await pool.withTransaction { tx in try await jobs.finished(job, at: clock.now, summary: nil, error: "\(error)", in: tx) }
            logger.error("job failed", metadata: ["job": "\(job.rawValue)", "error": "\(error)"])
            throw error
        }
    }

    /// Runs one job in `tx` as at `now`; what it did. `settle`: how old a journal entry must be
    /// for the refresh to take it in (a minute; tests, which have nothing in flight: 0).
    public static func run(_ job: JobStore.Job, schemas: AnalyticsSchemas, now: Date, settle: TimeInterval = 60, in tx: PostgresTransaction)
        async throws -> String
    {
        switch job {
        case .stockSnapshot: return try await StockSnapshotJob(schemas: schemas).run(now: now, in: tx)
        case .forecast: return try await ForecastJob(schemas: schemas).run(now: now, in: tx)
        case .refresh:
            return [
                try await SalesRefreshJob(schemas: schemas).run(in: tx), try await CustomerRefreshJob(schemas: schemas).run(in: tx),
                try await JournalRefreshJob(schemas: schemas, settle: settle).run(in: tx),
            ].joined(separator: "; ")
        }
    }
}
