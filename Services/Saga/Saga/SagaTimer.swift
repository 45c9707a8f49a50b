import Foundation
import Logging
import Messaging
import Postgres
import ServiceLifecycle

/// Fires the deadlines of waiting sagas. Deadlines are a column of the saga's row, polled
/// every second (of the coordinator's ``SagaClock``) with `FOR UPDATE SKIP LOCKED`, so they
/// survive restarts and several coordinators share the work.
final class SagaTimer: Service, Sendable {
    let schema: String
    let coordinator: Coordinator
    let pool: PostgresPool
    let logger: Logger
    let outbox: Outbox

    init(schema: String, coordinator: Coordinator, pool: PostgresPool, logger: Logger) {
        (self.schema, self.coordinator, self.pool, self.logger) = (schema, coordinator, pool, logger)
        outbox = Outbox(schema: schema, source: "erp-saga")
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let fired = try await fireDue()
                if fired > 0 { logger.info("saga deadlines fired", metadata: ["count": "\(fired)"]) }
            } catch {
                logger.warning("saga timer failed; trying again", metadata: ["error": "\(error)"])
            }
            try? await coordinator.clock.sleep(for: .seconds(1))
        }
    }

    func fireDue() async throws -> Int {
        try await pool.withTransaction { tx in
            let due = try await coordinator.store.due(limit: 100, now: coordinator.clock.now, in: tx)
            let outbox = self.outbox
            for row in due {
                try await coordinator.advance(
                    row, input: .timeout, tx, causation: nil,
                    effects: .init(send: { entries in try await outbox.enqueue(entries, in: tx) }, afterCommit: nil))
            }
            return due.count
        }
    }
}
