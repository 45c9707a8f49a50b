import ConnectionThread
import AMQP
import Contracts
import Foundation
import Logging
import Metrics
import Postgres
import ServiceLifecycle
import Synchronization

/// Publishes a schema's outbox: its rows in `seq` order, in batches, with publisher
/// confirms (a window of outstanding confirms), deleting confirmed rows in the same
/// transaction that locked them (`FOR UPDATE SKIP LOCKED`, so several relays can run).
/// Publishes first what this process's consumers hand over after their commits
/// (``OutboxHandOff``: from memory, locked by message id); reads the table when the outbox
/// trigger's NOTIFY wakes it (rows from elsewhere: timers, erpctl) and on a timer, so
/// nothing waits forever;
/// survives broker and database restarts by backing off and trying again; prunes old
/// inbox rows after their retention. On graceful shutdown it flushes what is in the
/// outbox (for at most `drainTimeout`) and stops.
public final class OutboxRelay: Service, Sendable {
    public struct Configuration: Sendable {
        public var batchSize = 500
        public var confirmWindow = 256
        public var pollInterval: Duration = .seconds(1)
        public var inboxRetention: Duration = .seconds(30 * 86_400)
        public var pruneInterval: Duration = .seconds(600)
        public var drainTimeout: Duration = .seconds(10)
        /// How long a row the broker returned (no queue took it) waits before it is
        /// published again; meanwhile batches go on without it.
        public var returnedRetry: Duration = .seconds(30)
        /// Called each time the relay listens for its table's notifications (at start and
        /// after the listener was lost): from then on a committed row wakes it at once.
        public var onListening: (@Sendable () -> Void)?
        public init() {}
    }

    public let schema: String
    private let pool: PostgresPool
    private let databaseConfiguration: PostgresConfiguration
    private let brokerConfiguration: AMQPConfiguration
    private let configuration: Configuration
    private let logger: Logger
    private let published: Counter
    private let failed: Counter
    private let returnedCounter: Counter
    private let backlog: Gauge
    /// Rows the broker returned, and when to try each again: until then batches leave them
    /// out, so that rows no queue takes never hold up the others.
    private let held = Mutex<[Int64: ContinuousClock.Instant]>([:])
    /// Beyond this many returned rows held back, the topology is broken (no alternate
    /// exchange, or its queue gone): the relay backs off as when the broker fails.
    static let heldLimit = 1_000
    private var heldCount: Int { held.withLock { $0.count } }
    /// Set by a notification (or a batch that left rows behind): the next round reads the table.
    private let pollRequest = Mutex(true)
    /// What this process's consumers hand over after their commits, if they do.
    private let handOff: OutboxHandOff?

    public init(
        schema: String, pool: PostgresPool, brokerConfiguration: AMQPConfiguration,
        configuration: Configuration = Configuration(), handOff: OutboxHandOff? = nil, logger: Logger = Logger(label: "erp.outbox-relay")
    ) {
        self.handOff = handOff
        self.schema = schema
        self.pool = pool
        databaseConfiguration = pool.configuration
        self.brokerConfiguration = brokerConfiguration
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "schema"] = "\(schema)"
        self.logger = logger
        published = Counter(label: "erp_outbox_published_total", dimensions: [("schema", schema)])
        failed = Counter(label: "erp_outbox_publish_failures_total", dimensions: [("schema", schema)])
        backlog = Gauge(label: "erp_outbox_backlog", dimensions: [("schema", schema)])
        returnedCounter = Counter(label: "erp_outbox_returned_total", dimensions: [("schema", schema)])
    }

    public func run() async throws {
        guard let publisher = await connectPublisher() else { return }
        let wake = handOff?.wake ?? WakeSignal()
        let listener = Task { await self.listen(wake) }
        defer { listener.cancel() }
        var failures = 0
        var lastPoll = ContinuousClock.now - configuration.pollInterval
        var lastPrune = ContinuousClock.now
        var lastBacklog = ContinuousClock.now - .seconds(60)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                var decisions: [OutboxRelayDecision] = []
                // The table first: after a failure its rows are older than what is handed over now.
                if takePollRequest() || ContinuousClock.now - lastPoll >= configuration.pollInterval {
                    lastPoll = .now
                    let polled = try await relayBatch(publisher)
                    if polled.sent.count >= configuration.batchSize { requestPoll() }
                    decisions.append(polled)
                }
                if !decisions.contains(where: \.shouldBackOff), let offered = handOff?.take(max: configuration.batchSize), !offered.isEmpty {
                    decisions.append(try await relayOffered(offered, publisher))
                }
                if decisions.contains(where: \.shouldBackOff) || heldCount > Self.heldLimit {
                    failures += 1
                    let reason =
                        decisions.lazy.compactMap(\.firstFailure).first
                        ?? "more than \(Self.heldLimit) rows were returned (no queue bound, not even the alternate exchange's): check erp.unrouted"
                    logger.warning("outbox batch partly unpublished", metadata: ["reason": "\(reason)"])
                    // What stayed unsent is in the table: the next poll finds it.
                    requestPoll()
                    await pause(after: failures, wake: wake)
                    continue
                }
                failures = 0
                if ContinuousClock.now - lastPrune >= configuration.pruneInterval {
                    try await prune()
                    lastPrune = .now
                }
                if ContinuousClock.now - lastBacklog >= .seconds(1) {
                    try await recordBacklog()
                    lastBacklog = .now
                }
                if handOff?.isEmpty == false || pollRequest.withLock({ $0 }) { continue }
                let untilPoll = configuration.pollInterval - (ContinuousClock.now - lastPoll)
                guard untilPoll > .zero else { continue }
                await withGracefulShutdownHandler {
                    await wake.wait(timeout: untilPoll)
                } onGracefulShutdown: {
                    wake.signal()
                }
            } catch {
                failures += 1
                logger.warning("outbox relay failed; retrying", metadata: ["error": "\(error)", "attempt": "\(failures)"])
                requestPoll()
                await pause(after: failures, wake: wake)
            }
        }
        await drain(publisher)
        await publisher.close()
    }

    /// Asks for a look at the table (a notification came, or rows may have stayed unsent).
    private func requestPoll() { pollRequest.withLock { $0 = true } }

    private func takePollRequest() -> Bool {
        pollRequest.withLock { requested in
            defer { requested = false }
            return requested
        }
    }

    /// Publishes one batch of the table in `seq` order and deletes what was confirmed; returns the decision.
    func relayBatch(_ publisher: AMQPPublisher) async throws -> OutboxRelayDecision {
        let table = "\(PostgresQuery.quoteIdentifier(schema)).outbox"
        let now = ContinuousClock.now
        let waiting = held.withLock { held in
            held = held.filter { $0.value > now }
            return held.keys.sorted()
        }
        // Whole numbers only: safe to write into the statement, which stays without parameters.
        let skip = waiting.isEmpty ? "" : "WHERE seq <> ALL('{\(waiting.map(String.init).joined(separator: ","))}'::bigint[])"
        return try await pool.withTransaction { tx in
            // No parameters, so planned afresh each time: a plan cached while the table was
            // empty would scan it whole (deleted rows included) once it has grown.
            let rows = try await tx.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT seq, message_id, exchange, routing_key, message_type, correlation_id, causation_id,
                               schema_version, occurred_at, source, payload, reply_to
                        FROM \(table) \(skip) ORDER BY seq LIMIT \(configuration.batchSize) FOR UPDATE SKIP LOCKED
                        """))
            var sequence: [Int64] = []
            var messages: [AMQPMessage] = []
            for row in rows {
                sequence.append(try row.decode(Int64.self, column: "seq"))
                let envelope = Envelope(
                    id: try row.decode(UUID.self, column: "message_id"),
                    type: MessageType(rawValue: try row.decode(String.self, column: "message_type")),
                    correlationID: try row.decode(String?.self, column: "correlation_id"),
                    causationID: try row.decode(String?.self, column: "causation_id"),
                    schemaVersion: try row.decode(Int.self, column: "schema_version"),
                    occurredAt: try row.decode(Date.self, column: "occurred_at"),
                    source: try row.decode(String.self, column: "source"),
                    payload: try row.decode(Data.self, column: "payload"),
                    replyTo: try row.decode(String?.self, column: "reply_to"))
                messages.append(
                    Self.message(
                        envelope, exchange: try row.decode(String.self, column: "exchange"),
                        routingKey: try row.decode(String.self, column: "routing_key")))
            }
            return try await self.publish(messages, rows: sequence, publisher, tx)
        }
    }

    /// Publishes messages a consumer of this process handed over after its commit: only
    /// those whose rows are still there and not locked by another relay (which publishes
    /// them), in the order they were handed over; deletes what was confirmed.
    func relayOffered(_ entries: [Outbox.Entry], _ publisher: AMQPPublisher) async throws -> OutboxRelayDecision {
        try await pool.withTransaction { tx in
            // The ids written into the statement (UUIDs: hexadecimal digits and dashes only), so
            // that it is planned for the table as it is now: a plan cached while the table was
            // small would scan it whole once deleted rows have grown it.
            let ids = entries.map { $0.envelope.id.uuidString }.joined(separator: ",")
            let rows = try await tx.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT message_id, seq FROM \(PostgresQuery.quoteIdentifier(self.schema)).outbox
                        WHERE message_id = ANY('{\(ids)}'::uuid[]) FOR UPDATE SKIP LOCKED
                        """))
            var rowOf: [UUID: Int64] = [:]
            for row in rows { rowOf[try row.decode(UUID.self, at: 0)] = try row.decode(Int64.self, at: 1) }
            var sequence: [Int64] = []
            var messages: [AMQPMessage] = []
            for entry in entries {
                guard let seq = rowOf[entry.envelope.id] else { continue }
                sequence.append(seq)
                messages.append(Self.message(entry.envelope, exchange: entry.exchange, routingKey: entry.routingKey))
            }
            return try await self.publish(messages, rows: sequence, publisher, tx)
        }
    }

    static func message(_ envelope: Envelope, exchange: String, routingKey: String) -> AMQPMessage {
        AMQPMessage(exchange: exchange, routingKey: routingKey, body: envelope.payload, properties: envelope.amqpProperties, mandatory: true)
    }

    /// Publishes the locked rows' messages and deletes (with the commit) those the broker confirmed.
    private func publish(
        _ messages: [AMQPMessage], rows sequence: [Int64], _ publisher: AMQPPublisher, _ tx: PostgresTransaction
    ) async throws -> OutboxRelayDecision {
        guard !messages.isEmpty else { return OutboxRelayDecision(sequence: [], results: []) }
        let decision = OutboxRelayDecision(sequence: sequence, results: await publisher.publish(batch: messages))
        Failpoint.hit("relay-after-publish")
        if !decision.sent.isEmpty {
            try await tx.queue("DELETE FROM \(identifier: schema).outbox WHERE seq = ANY(\(decision.sent)::bigint[])")
        }
        published.increment(by: decision.sent.count)
        failed.increment(by: decision.unsent.count - decision.returned.count)
        if !decision.returned.isEmpty { hold(decision.returned) }
        return decision
    }

    /// Holds returned rows back for a while, and says for each why it stays.
    private func hold(_ returned: [Int64: String]) {
        let until = ContinuousClock.now + configuration.returnedRetry
        held.withLock { held in
            for seq in returned.keys { held[seq] = until }
        }
        returnedCounter.increment(by: returned.count)
        for (seq, reason) in returned.sorted(by: { $0.key < $1.key }) {
            logger.warning(
                "outbox row returned by the broker: no queue is bound for it; it stays in the outbox and is published again later",
                metadata: ["seq": "\(seq)", "reason": "\(reason)"])
        }
    }

    /// Rows not yet published.
    public func unsentCount() async throws -> Int {
        try await pool.query(
            PostgresQuery(
                unsafeSQL: "SELECT count(*) FROM \(PostgresQuery.quoteIdentifier(schema)).outbox"))[0]
            .decode(Int.self, at: 0)
    }

    private func recordBacklog() async throws {
        backlog.record(try await unsentCount())
    }

    private func prune() async throws {
        let inboxSeconds = Int(configuration.inboxRetention.components.seconds)
        let inbox = try await pool.query(
            PostgresQuery(
                unsafeSQL: "DELETE FROM \(PostgresQuery.quoteIdentifier(schema)).inbox WHERE received_at < now() - make_interval(secs => $1)",
                binds: [inboxSeconds]))
        if inbox.affectedRows > 0 {
            logger.info("pruned", metadata: ["inbox_rows": "\(inbox.affectedRows)"])
        }
    }

    /// On shutdown: publish what is left, for at most `drainTimeout`.
    private func drain(_ publisher: AMQPPublisher) async {
        let deadline = ContinuousClock.now + configuration.drainTimeout
        while ContinuousClock.now < deadline {
            guard let decision = try? await relayBatch(publisher), !decision.sent.isEmpty, !decision.shouldBackOff else { break }
        }
    }

    private func connectPublisher() async -> AMQPPublisher? {
        var attempt = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                var broker = brokerConfiguration
                broker.connectionName = "outbox-relay:\(schema)"
                return try await AMQPPublisher.connect(broker, window: configuration.confirmWindow)
            } catch {
                attempt += 1
                logger.warning("outbox relay cannot reach the broker; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: Self.backoff(attempt))
            }
        }
        return nil
    }

    private func listen(_ wake: WakeSignal) async {
        let channel = MessagingSchema.notifyChannel(schema: schema)
        while !Task.isCancelled {
            do {
                let notifications = try await PostgresNotifications(configuration: databaseConfiguration, channels: [channel])
                configuration.onListening?()
                // A row may have arrived while not listening.
                requestPoll()
                wake.signal()
                for try await _ in notifications {
                    requestPoll()
                    wake.signal()
                }
            } catch {
                logger.debug("outbox listener lost; relying on polling until it is back", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Waits out the back-off, or until new rows come (a hand-off or a notification: the
    /// broker may be back, and a relay that slept its full back-off after a broker restart held
    /// the messages of every order in flight for up to ten seconds), or a shutdown.
    private func pause(after failures: Int, wake: WakeSignal) async {
        await withGracefulShutdownHandler {
            await wake.wait(timeout: Self.backoff(failures))
        } onGracefulShutdown: {
            wake.signal()
        }
    }

    static func backoff(_ attempt: Int) -> Duration { Backoff(initial: .milliseconds(100), maximum: .seconds(10)).delay(attempt: attempt) }
}
