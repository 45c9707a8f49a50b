import ConnectionThread
import AMQP
import Contracts
import Foundation
import Logging
import Metrics
import Postgres
import ServiceLifecycle

/// Consumes a service queue: decodes each delivery by its type string, hands it to the
/// registered handler inside one transaction that first inserts the message id into the
/// schema's `inbox` (a conflict means it was handled before: skipped and counted), and
/// acknowledges only after the commit; what the handlers sent is then handed to the
/// process's relay (``OutboxHandOff``), when there is one. With `batchSize` > 1, the deliveries already
/// received (up to that many) are handled in one transaction and acknowledged with one
/// `multiple` ack; if that transaction fails they are handled one by one.
///
/// A message that cannot be handled is never dropped: an undecodable body, an unknown
/// type or a validation error is parked at once (published to `erp.dead`, confirmed,
/// then acked) with headers saying why; a transient failure goes to the next retry
/// level's delay queue and is parked after the last level; while the database is
/// unreachable the consumer holds its deliveries and tries again. On graceful shutdown
/// it stops taking deliveries, finishes the ones in hand, and closes.
public final class MessageConsumer: Service, Sendable {
    public struct Configuration: Sendable {
        /// Deliveries handled in one transaction; 1 handles each on its own.
        public var batchSize = 1
        /// Unacknowledged deliveries the broker may send ahead (at least `batchSize`).
        public var prefetch: UInt16 = 100
        /// Where handlers' events go: `erp.events`, or a test's own exchange.
        public var eventsExchange = Exchanges.events
        public init(batchSize: Int = 1, prefetch: UInt16 = 100, eventsExchange: String = Exchanges.events) {
            self.batchSize = max(1, batchSize)
            self.prefetch = max(prefetch, UInt16(clamping: self.batchSize))
            self.eventsExchange = eventsExchange
        }
    }

    public let service: String
    public let queue: ServiceQueue
    public let schema: String
    private let pool: PostgresPool
    private let brokerConfiguration: AMQPConfiguration
    private let handlers: MessageHandlers
    private let outbox: Outbox
    private let handOff: OutboxHandOff?
    private let configuration: Configuration
    private let logger: Logger
    private let metrics: ConsumerMetrics

    public init(
        service: String, queue: ServiceQueue, schema: String, pool: PostgresPool, brokerConfiguration: AMQPConfiguration,
        handlers: MessageHandlers, configuration: Configuration = Configuration(), handOff: OutboxHandOff? = nil,
        logger: Logger = Logger(label: "erp.consumer")
    ) {
        self.service = service
        self.queue = queue
        self.schema = schema
        self.pool = pool
        self.brokerConfiguration = brokerConfiguration
        self.handlers = handlers
        outbox = Outbox(schema: schema, source: "erp-\(service)")
        self.handOff = handOff
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "queue"] = "\(queue.name)"
        self.logger = logger
        metrics = ConsumerMetrics(service: service, queue: queue.name)
    }

    public func run() async throws {
        var failures = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            guard let (consumer, publisher) = await connect() else { return }
            do {
                while !Task.isShuttingDownGracefully {
                    let batch = try await cancelWhenGracefulShutdown { [configuration] in
                        try await consumer.nextBatch(max: configuration.batchSize)
                    }
                    if batch.isEmpty { break }
                    failures = 0
                    await handle(batch, consumer: consumer, publisher: publisher)
                }
            } catch is CancellationError {
                // Graceful shutdown while waiting for deliveries.
            } catch {
                // The broker cancelled the consumer or the connection ended: start over.
                failures += 1
                logger.warning("consumer stopped; starting it again", metadata: ["error": "\(error)", "attempt": "\(failures)"])
            }
            await consumer.close()
            await publisher.close()
            if failures > 0 && !Task.isShuttingDownGracefully {
                try? await Task.sleep(for: Self.retryBackoff.delay(attempt: failures))
            }
        }
    }

    // MARK: - Handling

    private struct Prepared {
        let delivery: AMQPDelivery
        let envelope: Envelope
        let handle: @Sendable (HandlerContext) async throws -> Void
        /// Whether the message id goes into the inbox (not for raw deliveries).
        let deduplicated: Bool
    }

    private enum Settlement {
        case done
        case unsettled
    }

    func handle(_ batch: [AMQPDelivery], consumer: AMQPConsumer, publisher: AMQPPublisher) async {
        var settlements: [(AMQPDelivery, Settlement)] = []
        var prepared: [Prepared] = []
        for delivery in batch {
            do {
                prepared.append(try prepare(delivery))
            } catch {
                let code = Self.code(of: FailureKind.of(error)) ?? "undecodable"
                settlements.append((delivery, await park(delivery, code: code, detail: "\(error)", attempts: 1, publisher: publisher)))
            }
        }
        if prepared.count > 1 {
            // Commands first run without a savepoint each; a refusal (rare) fails the batch,
            // which then runs again with them, so that only the refused command is undone.
            for isolating in [false, true] {
                let start = ContinuousClock.now
                do {
                    let committed = try await pool.withTransaction { tx in try await self.apply(prepared, tx, isolatingCommands: isolating) }
                    committed.forEach { $0() }
                    metrics.recordHandled(prepared.count, duration: ContinuousClock.now - start)
                    settlements += prepared.map { ($0.delivery, .done) }
                    prepared = []
                    break
                } catch is CommandRefused where !isolating {
                    continue
                } catch {
                    logger.debug("batch failed; handling its messages one by one", metadata: ["error": "\(error)"])
                    break
                }
            }
        }
        for item in prepared {
            settlements.append((item.delivery, await handleOne(item, publisher: publisher)))
        }
        Failpoint.hit("consumer-after-commit")
        settle(settlements, consumer: consumer)
    }

    private func prepare(_ delivery: AMQPDelivery) throws -> Prepared {
        if let raw = handlers.rawHandlers[queue.name] {
            let properties = delivery.properties
            // Everything of a raw delivery is from outside: its correlation id goes into the
            // events its handler publishes, so it is made printable and short first.
            let envelope = Envelope(
                id: properties.messageID.flatMap(UUID.init(uuidString:)) ?? UUID(), type: MessageType(rawValue: delivery.routingKey),
                correlationID: properties.correlationID.map { String(PrintableText.of($0).prefix(200)) }, schemaVersion: 1,
                occurredAt: properties.timestamp ?? Date(),
                source: properties.appID ?? "external", payload: delivery.body)
            let rawDelivery = RawDelivery(
                exchange: delivery.exchange, routingKey: delivery.routingKey, properties: properties, body: delivery.body)
            return Prepared(delivery: delivery, envelope: envelope, handle: { try await raw(rawDelivery, $0) }, deduplicated: false)
        }
        let envelope = try Envelope(delivery: delivery)
        guard let registration = handlers.registrations[envelope.type] else {
            throw PermanentMessageError("unknown-type", "no handler for message type '\(envelope.type)' in service \(service)")
        }
        let message = try registration.decode(envelope)
        return Prepared(
            delivery: delivery, envelope: envelope, handle: { try await registration.handle(message, $0) }, deduplicated: registration.deduplicate)
    }

    /// Inserts the inbox rows (one statement), runs the handlers of the messages not seen
    /// before, and writes what they enqueued to the outbox (one statement), all in the
    /// caller's transaction. Returns the handlers' after-commit hooks.
    private func apply(_ items: [Prepared], _ tx: PostgresTransaction, isolatingCommands: Bool = true) async throws -> [@Sendable () -> Void] {
        let deduplicated = items.filter(\.deduplicated)
        var fresh = Set<UUID>()
        if !deduplicated.isEmpty {
            let inserted = try await tx.query(
                """
                INSERT INTO \(unescaped: PostgresQuery.quoteIdentifier(schema)).inbox (message_id, message_type)
                SELECT * FROM unnest(\(deduplicated.map(\.envelope.id))::uuid[], \(deduplicated.map(\.envelope.type.rawValue))::text[])
                ON CONFLICT DO NOTHING RETURNING message_id
                """)
            fresh = Set(try inserted.map { try $0.decode(UUID.self, at: 0) })
        }
        let outgoing = OutgoingMessages()
        for item in items {
            // A message twice in one batch: the second is a duplicate too.
            guard !item.deduplicated || fresh.remove(item.envelope.id) != nil else {
                metrics.duplicates.increment()
                continue
            }
            var logger = self.logger
            logger[metadataKey: "message_id"] = "\(item.envelope.id.uuidString.lowercased())"
            if let correlation = item.envelope.correlationID { logger[metadataKey: "correlation_id"] = "\(correlation)" }
            try await item.handle(
                HandlerContext(
                    envelope: item.envelope, transaction: tx, logger: logger, outgoing: outgoing, source: "erp-\(service)",
                    schema: schema, eventsExchange: configuration.eventsExchange, isolatesCommands: isolatingCommands))
        }
        let entries = outgoing.take()
        var hooks = outgoing.takeHooks()
        if let handOff, !entries.isEmpty {
            // This process's relay is handed the messages after the commit: the outbox
            // trigger need wake no listener.
            try await tx.queue("SET LOCAL erp.outbox_handed_off = on")
            hooks.append { handOff.offer(entries) }
        }
        try await outbox.enqueue(entries, in: tx)
        return hooks
    }

    private func handleOne(_ item: Prepared, publisher: AMQPPublisher) async -> Settlement {
        var pauses = 0
        while true {
            let start = ContinuousClock.now
            do {
                let committed = try await pool.withTransaction { tx in try await self.apply([item], tx) }
                committed.forEach { $0() }
                metrics.recordHandled(1, duration: ContinuousClock.now - start)
                return .done
            } catch {
                let kind = FailureKind.of(error)
                if kind == .unavailable {
                    // Hold the message: nothing is wrong with it. Give up the hold only on shutdown.
                    if Task.isShuttingDownGracefully { return .unsettled }
                    pauses += 1
                    logger.warning("database unavailable; holding the message", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: Backoff(initial: .milliseconds(100), maximum: .seconds(5)).delay(attempt: pauses))
                    continue
                }
                let previous = Int(item.delivery.properties.headers[MessageHeaders.attempt]?.intValue ?? 0)
                switch DeliveryDisposition.decide(kind, previousAttempts: previous, levels: queue.retryDelaysMilliseconds.count) {
                case .retry(let level, let attempt):
                    logger.info("handler failed; retrying later", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                    return await retry(item.delivery, level: level, attempt: attempt, publisher: publisher)
                case .park(let code, let attempts):
                    logger.warning("parking message", metadata: ["error": "\(error)", "code": "\(code)"])
                    return await park(item.delivery, code: code, detail: "\(error)", attempts: attempts, publisher: publisher)
                }
            }
        }
    }

    /// Acks what is settled (one `multiple` ack when the whole batch is); requeues the rest.
    private func settle(_ settlements: [(AMQPDelivery, Settlement)], consumer: AMQPConsumer) {
        let ordered = settlements.sorted { $0.0.deliveryTag < $1.0.deliveryTag }
        if ordered.allSatisfy({ if case .done = $0.1 { true } else { false } }), let last = ordered.last {
            consumer.ack(last.0, multiple: true)
            return
        }
        for (delivery, settlement) in ordered {
            switch settlement {
            case .done: consumer.ack(delivery)
            case .unsettled: consumer.nack(delivery, requeue: true)
            }
        }
    }

    private func retry(_ delivery: AMQPDelivery, level: Int, attempt: Int, publisher: AMQPPublisher) async -> Settlement {
        var properties = delivery.properties
        properties.headers[MessageHeaders.attempt] = .int(Int64(attempt))
        let message = AMQPMessage(
            exchange: Exchanges.retry, routingKey: queue.retryQueue(level: level), body: delivery.body,
            properties: properties, mandatory: true)
        guard (try? await publisher.publish(message)) == .confirmed else { return .unsettled }
        metrics.retries.increment()
        return .done
    }

    /// Publishes the message to `erp.dead` (confirmed, and routed to the parking queue)
    /// with the reason in its headers; only then may the original be acked.
    private func park(_ delivery: AMQPDelivery, code: String, detail: String, attempts: Int, publisher: AMQPPublisher) async -> Settlement {
        var properties = delivery.properties
        properties.headers[MessageHeaders.error] = .string(code)
        properties.headers[MessageHeaders.errorDetail] = .string(String(detail.prefix(4_000)))
        properties.headers[MessageHeaders.failedAt] = .string(UTCTimestamp.string())
        properties.headers[MessageHeaders.service] = .string(service)
        properties.headers[MessageHeaders.queue] = .string(queue.name)
        properties.headers[MessageHeaders.originalExchange] = .string(delivery.exchange)
        properties.headers[MessageHeaders.originalRoutingKey] = .string(delivery.routingKey)
        properties.headers[MessageHeaders.attempt] = .int(Int64(attempts))
        let message = AMQPMessage(
            exchange: Exchanges.dead, routingKey: queue.name, body: delivery.body, properties: properties, mandatory: true)
        let outcome = try? await publisher.publish(message)
        guard outcome == .confirmed else {
            logger.error("could not park a message; it stays in the queue", metadata: ["outcome": "\(String(describing: outcome))"])
            return .unsettled
        }
        metrics.parked.increment()
        await tellSender(delivery, code: code, detail: detail, publisher: publisher)
        await announceParked(delivery, code: code, detail: detail, attempts: attempts, publisher: publisher)
        return .done
    }

    /// Tells whoever listens (the CRM's `message_parked` rule) that a message was parked.
    /// Best effort: the parked message is the record. An announcement that is itself parked
    /// is not announced again (a listener failing on it would loop).
    private func announceParked(_ delivery: AMQPDelivery, code: String, detail: String, attempts: Int, publisher: AMQPPublisher) async {
        let type = delivery.properties.type ?? delivery.routingKey
        guard type != OperationsEvent.MessageParked.type.rawValue,
            let event = try? Envelope(
                OperationsEvent.MessageParked(
                    service: service, queue: queue.name, messageType: PrintableText.of(String(type.prefix(200))),
                    messageId: delivery.properties.messageID.map { PrintableText.of(String($0.prefix(100))) }, code: code,
                    reason: PrintableText.of(String(detail.prefix(1_000))), attempts: attempts),
                source: "erp-\(service)")
        else { return }
        let outcome = try? await publisher.publish(
            AMQPMessage(
                exchange: configuration.eventsExchange, routingKey: event.type.rawValue, body: event.payload, properties: event.amqpProperties))
        if outcome != .confirmed {
            logger.warning("a parked message could not be announced", metadata: ["outcome": "\(String(describing: outcome))"])
        }
    }

    /// A parked command whose sender waits for its outcome (`reply_to`) gets a `refused`
    /// outcome with the parking reason, so it does not wait in vain. Best effort: the
    /// message itself is safely parked either way.
    private func tellSender(_ delivery: AMQPDelivery, code: String, detail: String, publisher: AMQPPublisher) async {
        guard let replyTo = delivery.properties.replyTo, !replyTo.isEmpty,
            let commandID = delivery.properties.messageID.flatMap(UUID.init(uuidString:))
        else { return }
        let outcome = CommandOutcome(
            commandID: commandID, commandType: MessageType(rawValue: delivery.properties.type ?? "unknown"), status: .refused,
            code: code, reason: detail)
        guard
            let reply = try? Envelope(
                outcome, source: "erp-\(service)", correlationID: delivery.properties.correlationID, causationID: commandID.uuidString.lowercased())
        else { return }
        _ = try? await publisher.publish(
            AMQPMessage(
                exchange: Exchanges.replies, routingKey: replyTo, body: reply.payload, properties: reply.amqpProperties))
    }

    /// How long a consumer waits after a failed batch or a lost connection.
    static let retryBackoff = Backoff(initial: .milliseconds(100), maximum: .seconds(10))

    private static func code(of kind: FailureKind) -> String? {
        if case .permanent(let code) = kind { return code }
        return nil
    }

    // MARK: - Connecting

    private func connect() async -> (AMQPConsumer, AMQPPublisher)? {
        var attempt = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                var consumerBroker = brokerConfiguration
                consumerBroker.connectionName = "\(service):consume:\(queue.name)"
                var publisherBroker = brokerConfiguration
                publisherBroker.connectionName = "\(service):park:\(queue.name)"
                let publisher = try await AMQPPublisher.connect(publisherBroker, window: 64)
                do {
                    let consumer = try await AMQPConsumer.start(consumerBroker, queue: queue.name, prefetch: configuration.prefetch)
                    return (consumer, publisher)
                } catch {
                    await publisher.close()
                    throw error
                }
            } catch {
                attempt += 1
                logger.warning("consumer cannot start; retrying", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                try? await Task.sleep(for: Self.retryBackoff.delay(attempt: attempt))
            }
        }
        return nil
    }
}

/// The consumer's counters and handler latency, labelled by service and queue.
struct ConsumerMetrics: Sendable {
    let consumed: Counter
    let duplicates: Counter
    let retries: Counter
    let parked: Counter
    let latency: Metrics.Timer

    init(service: String, queue: String) {
        let dimensions = [("service", service), ("queue", queue)]
        consumed = Counter(label: "erp_messages_consumed_total", dimensions: dimensions)
        duplicates = Counter(label: "erp_messages_duplicate_total", dimensions: dimensions)
        retries = Counter(label: "erp_messages_retried_total", dimensions: dimensions)
        parked = Counter(label: "erp_messages_parked_total", dimensions: dimensions)
        latency = Metrics.Timer(label: "erp_handler_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
    }

    func recordHandled(_ count: Int, duration: Duration) {
        consumed.increment(by: count)
        let nanoseconds = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        latency.recordNanoseconds(nanoseconds / Int64(max(1, count)))
    }
}
