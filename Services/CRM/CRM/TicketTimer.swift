import Contracts
import Foundation
import Logging
import Messaging
import Postgres
import ServiceKit
import ServiceLifecycle

/// Fires the tickets' SLA deadlines: every second (of its ``DeadlineClock``) it marks the
/// deadlines due as breached with `FOR UPDATE SKIP LOCKED` (so several instances share the
/// work and each breach fires once), puts each on the customer's timeline and publishes
/// `crm.ticket.sla_breached.v1`.
final class TicketTimer: Service, Sendable {
    let tickets: TicketStore
    let clock: any DeadlineClock
    let pool: PostgresPool
    let logger: Logger
    let outbox: Outbox
    let eventsExchange: String

    init(schema: String, clock: any DeadlineClock, eventsExchange: String, pool: PostgresPool, logger: Logger) {
        tickets = TicketStore(schema: schema)
        (self.clock, self.eventsExchange, self.pool, self.logger) = (clock, eventsExchange, pool, logger)
        outbox = Outbox(schema: schema, source: "erp-crm")
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let fired = try await fireDue()
                if fired > 0 { logger.info("ticket deadlines breached", metadata: ["count": "\(fired)"]) }
            } catch {
                logger.warning("ticket timer failed; trying again", metadata: ["error": "\(error)"])
            }
            try? await clock.sleep(for: .seconds(1))
        }
    }

    func fireDue() async throws -> Int {
        let now = clock.now
        return try await pool.withTransaction { tx in
            let breaches = try await tickets.breachesDue(now: now, limit: 100, in: tx)
            var entries: [Outbox.Entry] = []
            for breach in breaches {
                let which = breach.deadline == .firstResponse ? "first response" : "resolution"
                try await tickets.customers.addToTimeline(
                    customer: breach.customer, at: now, kind: "ticket_sla_breached",
                    summary:
                        "ticket \(breach.ticket) missed its \(which) deadline (\(UTCTimestamp.string(from: breach.due)), \(breach.priority.rawValue))",
                    actor: "crm", message: nil, in: tx)
                let event = CRMEvent.TicketSLABreached(
                    ticket: breach.ticket, customer: breach.customer, priority: breach.priority, deadline: breach.deadline, due: breach.due,
                    assignee: breach.assignee)
                entries.append(Outbox.Entry(try Envelope(event, source: "erp-crm"), exchange: eventsExchange))
            }
            if !entries.isEmpty { try await outbox.enqueue(entries, in: tx) }
            return breaches.count
        }
    }
}
