import Contracts
import Foundation
import Logging
import Messaging
import Postgres
import SagaKit
import ServiceKit
import ServiceLifecycle

/// The saga coordinator: the only component that drives a workflow across services. It
/// starts sagas from events, sends their commands (through the outbox, with `reply_to` =
/// its reply key and the request id as message id), advances them on replies and events,
/// and fires their persisted deadlines.
public enum SagaService {
    public static let name = "saga"

    public struct Settings: Sendable {
        public var paymentTimeout: Duration
        public init(paymentTimeout: Duration = .seconds(1800)) { self.paymentTimeout = paymentTimeout }
        public init(environment: [String: String]) {
            self.init(paymentTimeout: .seconds(Int(environment["ERP_SAGA_PAYMENT_TIMEOUT_SECONDS"] ?? "") ?? 1800))
        }
    }

    public static func definition(
        schema: String = "saga", queuePrefix: String = "saga", settings: Settings = Settings(), replyKey: String = "saga.replies",
        eventsExchange: String = Exchanges.events, commandsExchange: String = Exchanges.commands, repliesExchange: String = Exchanges.replies
    ) -> ServiceDefinition {
        let coordinator = Coordinator(
            store: SagaStore(schema: schema), fulfilment: SagaEngine(Fulfilment.definition(paymentTimeout: settings.paymentTimeout)),
            replyKey: replyKey, commandsExchange: commandsExchange)
        var registry = MessageHandlers()
        coordinator.register(in: &registry)
        var definition = ServiceDefinition(
            name: name, schema: schema, defaultHTTPPort: 8095, migrations: SagaMigrations.all,
            queues: [
                ServiceQueue(name: "\(queuePrefix).replies", bindings: [QueueBinding(exchange: repliesExchange, routingKey: replyKey)]),
                ServiceQueue(name: "\(queuePrefix).events", bindings: [
                    QueueBinding(exchange: eventsExchange, routingKey: OrderEvent.Placed.type.rawValue),
                    QueueBinding(exchange: eventsExchange, routingKey: OrderEvent.StatusChanged.type.rawValue),
                ]),
            ],
            handlers: registry)
        definition.background = [{ pool, logger in SagaTimer(schema: schema, coordinator: coordinator, pool: pool, logger: logger) }]
        return definition
    }
}

struct Coordinator: Sendable {
    let store: SagaStore
    let fulfilment: SagaEngine<Fulfilment.Data>
    let replyKey: String
    let commandsExchange: String

    func register(in registry: inout MessageHandlers) {
        registry.on(OrderEvent.Placed.self) { event, context in
            try await store.rememberOrder(event.snapshot, in: context.transaction)
            guard ["paid", "pending_payment"].contains(event.snapshot.status) else { return }
            try await start(Fulfilment.Data(event.snapshot), context)
        }
        registry.on(OrderEvent.StatusChanged.self) { event, context in
            // An order that waited on hold (say for a SKU the catalog lacked) starts its fulfilment now.
            if event.from == "on_hold", ["paid", "pending_payment"].contains(event.to),
                var snapshot = try await store.order(event.order, in: context.transaction)
            {
                snapshot.status = event.to
                if event.to == "paid" { snapshot.paymentStatus = "paid" }
                try await start(Fulfilment.Data(snapshot), context)
            }
            let body = try JSONValue(encoding: event)
            for row in try await store.waiting(keyPrefix: "order:\(event.order):", in: context.transaction) {
                let input: SagaInput = event.to == "cancelled" && !event.actor.hasPrefix("erp-saga")
                    ? .abort(reason: event.reason) : .event(type: OrderEvent.StatusChanged.type, body: body)
                try await advance(row.state, input: input, context)
            }
        }
        registry.on(CommandOutcome.self) { outcome, context in
            guard let row = try await store.byRequest(outcome.commandID, in: context.transaction) else { return }  // stale or not ours
            try await advance(row.state, input: .reply(requestID: outcome.commandID, outcome: outcome), context)
        }
    }

    func start(_ data: Fulfilment.Data, _ context: HandlerContext) async throws {
        let (state, actions) = try fulfilment.start(id: UUID(), data: data, now: Date())
        guard try await store.insert(state, key: Fulfilment.key(order: data.order), in: context.transaction) else { return }  // started before
        try send(actions, saga: state.id, context)
    }

    func advance(_ stored: Data, input: SagaInput, _ context: HandlerContext) async throws {
        let state = try MessageCoding.decoder().decode(SagaState<Fulfilment.Data>.self, from: stored)
        let (next, actions) = try fulfilment.handle(input, state: state, now: Date())
        guard next != state else { return }
        try await store.save(next, in: context.transaction)
        try send(actions, saga: next.id, context)
    }

    func send(_ actions: [SagaAction], saga: UUID, _ context: HandlerContext) throws {
        for entry in try entries(actions, saga: saga, causation: context.envelope.id.uuidString.lowercased()) {
            context.enqueue(entry.envelope, exchange: entry.exchange)
        }
    }

    /// The commands of `actions` as outbox entries: message id = request id (the reply's
    /// command id), `reply_to` = the coordinator's reply key, correlation = the saga.
    func entries(_ actions: [SagaAction], saga: UUID, causation: String?) throws -> [Outbox.Entry] {
        try actions.map { action in
            guard case .send(let command, let request) = action else { fatalError("unknown saga action") }
            let envelope = Envelope(
                id: request, type: command.type, correlationID: saga.uuidString.lowercased(), causationID: causation,
                schemaVersion: command.type.version ?? 1, source: "erp-saga", payload: try MessageCoding.encoder().encode(command.payload),
                replyTo: replyKey)
            return Outbox.Entry(envelope, exchange: commandsExchange)
        }
    }
}

/// Fires the deadlines of waiting sagas. Deadlines are a column of the saga's row, polled
/// every second with `FOR UPDATE SKIP LOCKED`, so they survive restarts and several
/// coordinators share the work.
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
            try? await Task.sleep(for: .seconds(1))
        }
    }

    func fireDue() async throws -> Int {
        try await pool.withTransaction { tx in
            let due = try await coordinator.store.due(limit: 100, in: tx)
            var entries: [Outbox.Entry] = []
            for row in due {
                let state = try MessageCoding.decoder().decode(SagaState<Fulfilment.Data>.self, from: row.state)
                let (next, actions) = try coordinator.fulfilment.handle(.timeout, state: state, now: Date())
                guard next != state else { continue }
                try await coordinator.store.save(next, in: tx)
                entries += try coordinator.entries(actions, saga: next.id, causation: nil)
            }
            try await outbox.enqueue(entries, in: tx)
            return due.count
        }
    }
}
