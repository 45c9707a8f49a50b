import AMQP
import Contracts
import Foundation

/// Sends commands to services over `erp.commands` and waits for their outcomes: what
/// `erpctl catalog ...` and `erpctl inventory ...` use, and tests and benchmarks too. It
/// owns a private reply queue (bound to `erp.replies` under its own name, removed by the
/// broker a minute after the client is gone) and puts that name in each command's
/// `reply_to`.
public final class CommandClient: Sendable {
    public let replyQueue: String
    private let publisher: AMQPPublisher
    private let consumer: AMQPConsumer
    private let source: String
    /// Where commands go: `erp.commands`, or a test's own exchange.
    public let exchange: String

    /// What went wrong while sending or waiting.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// No queue is bound for the command's routing key: its service never declared its queue.
        case unroutable(MessageType)
        case notAccepted(MessageType, String)
        /// No outcome within the timeout (the service may be down; the command stays queued).
        case timedOut(waiting: Int, after: Duration)

        public var description: String {
            switch self {
            case .unroutable(let type):
                return "no queue takes \(type): is its service's queue declared (erpctl topology declare)?"
            case .notAccepted(let type, let why): return "the broker did not accept \(type): \(why)"
            case .timedOut(let waiting, let after):
                return "no outcome for \(waiting) command(s) after \(after): is the service running? (the commands stay queued)"
            }
        }
    }

    public static func connect(
        _ broker: AMQPConfiguration, source: String = "erpctl", exchange: String = Exchanges.commands
    ) async throws -> CommandClient {
        let replyQueue = "\(source).replies.\(UUID().uuidString.lowercased())"
        let publisher = try await AMQPPublisher.connect(broker, window: 256)
        do {
            try await publisher.connection.declareExchange(Exchanges.replies, type: .direct, durable: true)
            try await publisher.connection.declareQueue(
                replyQueue, durable: false, arguments: ["x-expires": .int(60_000)])
            try await publisher.connection.bindQueue(replyQueue, to: Exchanges.replies, routingKey: replyQueue)
            let consumer = try await AMQPConsumer.start(broker, queue: replyQueue, prefetch: 1_000)
            return CommandClient(replyQueue: replyQueue, publisher: publisher, consumer: consumer, source: source, exchange: exchange)
        } catch {
            await publisher.close()
            throw error
        }
    }

    private init(replyQueue: String, publisher: AMQPPublisher, consumer: AMQPConsumer, source: String, exchange: String) {
        self.exchange = exchange
        self.replyQueue = replyQueue
        self.publisher = publisher
        self.consumer = consumer
        self.source = source
    }

    /// The envelope of a command from this client, with its `reply_to` set.
    public func envelope<M: Message>(_ command: M, correlationID: String? = nil) throws -> Envelope {
        try Envelope(command, source: source, correlationID: correlationID, replyTo: replyQueue)
    }

    /// Sends one command and returns its outcome.
    public func send<M: Message>(_ command: M, correlationID: String? = nil, timeout: Duration = .seconds(30)) async throws -> CommandOutcome {
        let envelope = try envelope(command, correlationID: correlationID)
        return try await send([envelope], timeout: timeout)[envelope.id]!
    }

    /// Publishes the commands (confirmed, in order) and waits until each has an outcome;
    /// returns them by command id. Throws ``Failure/timedOut`` if some never answer.
    public func send(_ envelopes: [Envelope], timeout: Duration = .seconds(30)) async throws -> [UUID: CommandOutcome] {
        try await publish(envelopes)
        return try await outcomes(for: Set(envelopes.map(\.id)), timeout: timeout)
    }

    /// Publishes the commands (confirmed, in order) without waiting for their outcomes.
    public func publish(_ envelopes: [Envelope]) async throws {
        let messages = envelopes.map {
            AMQPMessage(exchange: exchange, routingKey: $0.type.rawValue, body: $0.payload, properties: $0.amqpProperties, mandatory: true)
        }
        for (envelope, result) in zip(envelopes, await publisher.publish(batch: messages)) {
            switch result {
            case .success(.confirmed): continue
            case .success(.returned): throw Failure.unroutable(envelope.type)
            case .success(.nacked): throw Failure.notAccepted(envelope.type, "nacked")
            case .failure(let error): throw Failure.notAccepted(envelope.type, "\(error)")
            }
        }
    }

    /// Waits for the outcomes of commands already sent.
    public func outcomes(for ids: Set<UUID>, timeout: Duration) async throws -> [UUID: CommandOutcome] {
        var waiting = ids
        var outcomes: [UUID: CommandOutcome] = [:]
        let deadline = ContinuousClock.now + timeout
        while !waiting.isEmpty {
            guard let batch = try await nextBatch(before: deadline) else {
                throw Failure.timedOut(waiting: waiting.count, after: timeout)
            }
            for delivery in batch {
                guard let envelope = try? Envelope(delivery: delivery), envelope.type == CommandOutcome.type,
                    let outcome = try? envelope.decode(CommandOutcome.self), waiting.remove(outcome.commandID) != nil
                else { continue }
                outcomes[outcome.commandID] = outcome
            }
            if let last = batch.last { consumer.ack(last, multiple: true) }
        }
        return outcomes
    }

    /// The next replies, or nil once `deadline` has passed.
    private func nextBatch(before deadline: ContinuousClock.Instant) async throws -> [AMQPDelivery]? {
        let consumer = self.consumer
        return try await withThrowingTaskGroup(of: [AMQPDelivery]?.self) { group in
            group.addTask { try await consumer.nextBatch(max: 1_000) }
            group.addTask {
                try await Task.sleep(until: deadline)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    public func close() async {
        await consumer.close()
        await publisher.close()
    }
}
