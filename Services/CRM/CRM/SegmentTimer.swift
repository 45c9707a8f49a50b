import Contracts
import Foundation
import Logging
import Messaging
import Postgres
import ServiceKit
import ServiceLifecycle

/// Refreshes the RFM segments nightly (02:00 UTC, a schedule kept in the database, so that a
/// restart or another instance neither skips nor repeats it): every minute of its
/// ``DeadlineClock`` it takes the refresh when it is due, scores every customer and announces
/// each change of segment (`crm.segment.changed.v1`) through the outbox, in one transaction.
final class SegmentTimer: Service, Sendable {
    let segments: SegmentStore
    let currency: Currency
    let clock: any DeadlineClock
    let pool: PostgresPool
    let logger: Logger
    let outbox: Outbox
    let eventsExchange: String

    init(schema: String, currency: Currency, clock: any DeadlineClock, eventsExchange: String, pool: PostgresPool, logger: Logger) {
        segments = SegmentStore(schema: schema)
        (self.currency, self.clock, self.eventsExchange, self.pool, self.logger) = (currency, clock, eventsExchange, pool, logger)
        outbox = Outbox(schema: schema, source: "erp-crm")
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if let changed = try await refreshIfDue() { logger.info("segments refreshed", metadata: ["changed": "\(changed)"]) }
            } catch {
                logger.warning("segment timer failed; trying again", metadata: ["error": "\(error)"])
            }
            // A minute between looks, cut short by a graceful shutdown (the service stops at once).
            try? await cancelWhenGracefulShutdown { try await self.clock.sleep(for: .seconds(60)) }
        }
    }

    /// The number of customers whose segment changed, or nil when no refresh was due.
    func refreshIfDue() async throws -> Int? {
        let now = clock.now
        return try await pool.withTransaction { tx in
            guard try await segments.takeNightly(now: now, in: tx) else { return nil }
            let (changes, _) = try await CRMHandlers.refreshSegments(segments, currency: currency, now: now, in: tx)
            let entries = try changes.map {
                Outbox.Entry(
                    try Envelope(CRMEvent.SegmentChanged(customer: $0.customer, from: $0.from, to: $0.to, kind: $0.kind), source: "erp-crm"),
                    exchange: eventsExchange)
            }
            if !entries.isEmpty { try await outbox.enqueue(entries, in: tx) }
            return changes.count
        }
    }
}
