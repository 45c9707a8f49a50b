import CRabbitMQ

/// Exchange types.
public enum AMQPExchangeType: String, Sendable {
    case direct, topic, fanout, headers
}

/// What the broker said about a declared queue.
public struct AMQPQueueInfo: Sendable, Equatable {
    public let name: String
    public let messageCount: Int
    public let consumerCount: Int
}

extension AMQPConnection {
    /// Declares an exchange; idempotent when the settings match. `passive` only checks that it
    /// exists (``AMQPError/Code/notFound`` if not).
    public func declareExchange(
        _ name: String, type: AMQPExchangeType = .topic, durable: Bool = true, autoDelete: Bool = false,
        internal isInternal: Bool = false, passive: Bool = false, arguments: AMQPTable = [:]
    ) throws {
        try withState("exchange.declare \(name)") { state in
            let arena = CArena()
            _ = amqp_exchange_declare(
                state, self.channel, arena.bytes(name), arena.bytes(type.rawValue), passive ? 1 : 0, durable ? 1 : 0,
                autoDelete ? 1 : 0, isInternal ? 1 : 0, arena.table(arguments))
            try self.check(amqp_get_rpc_reply(state), state, "exchange.declare \(name)")
        }
    }

    /// Declares a queue; idempotent when the settings match. Arguments carry the queue type
    /// and policies: `x-queue-type: quorum`, `x-dead-letter-exchange`, `x-delivery-limit`,
    /// `x-single-active-consumer`, `x-overflow`, `x-max-length`... An empty name asks the
    /// broker for a generated one (returned in the info).
    @discardableResult
    public func declareQueue(
        _ name: String, durable: Bool = true, exclusive: Bool = false, autoDelete: Bool = false,
        passive: Bool = false, arguments: AMQPTable = [:]
    ) throws -> AMQPQueueInfo {
        try withState("queue.declare \(name)") { state in
            let arena = CArena()
            let ok = amqp_queue_declare(
                state, self.channel, arena.bytes(name), passive ? 1 : 0, durable ? 1 : 0, exclusive ? 1 : 0,
                autoDelete ? 1 : 0, arena.table(arguments))
            try self.check(amqp_get_rpc_reply(state), state, "queue.declare \(name)")
            guard let ok else { throw AMQPError(code: .protocolViolation, message: "no declare-ok", operation: "queue.declare \(name)") }
            return AMQPQueueInfo(
                name: ok.pointee.queue.string, messageCount: Int(ok.pointee.message_count),
                consumerCount: Int(ok.pointee.consumer_count))
        }
    }

    public func bindQueue(_ queue: String, to exchange: String, routingKey: String, arguments: AMQPTable = [:]) throws {
        let operation = "queue.bind \(queue) to \(exchange) with '\(routingKey)'"
        try withState(operation) { state in
            let arena = CArena()
            _ = amqp_queue_bind(
                state, self.channel, arena.bytes(queue), arena.bytes(exchange), arena.bytes(routingKey), arena.table(arguments))
            try self.check(amqp_get_rpc_reply(state), state, operation)
        }
    }

    public func unbindQueue(_ queue: String, from exchange: String, routingKey: String, arguments: AMQPTable = [:]) throws {
        let operation = "queue.unbind \(queue) from \(exchange) with '\(routingKey)'"
        try withState(operation) { state in
            let arena = CArena()
            _ = amqp_queue_unbind(
                state, self.channel, arena.bytes(queue), arena.bytes(exchange), arena.bytes(routingKey), arena.table(arguments))
            try self.check(amqp_get_rpc_reply(state), state, operation)
        }
    }

    /// Deletes a queue; returns how many messages it held.
    @discardableResult
    public func deleteQueue(_ name: String, ifUnused: Bool = false, ifEmpty: Bool = false) throws -> Int {
        try withState("queue.delete \(name)") { state in
            let arena = CArena()
            let ok = amqp_queue_delete(state, self.channel, arena.bytes(name), ifUnused ? 1 : 0, ifEmpty ? 1 : 0)
            try self.check(amqp_get_rpc_reply(state), state, "queue.delete \(name)")
            return Int(ok?.pointee.message_count ?? 0)
        }
    }

    /// Removes every ready message from a queue; returns how many.
    @discardableResult
    public func purgeQueue(_ name: String) throws -> Int {
        try withState("queue.purge \(name)") { state in
            let arena = CArena()
            let ok = amqp_queue_purge(state, self.channel, arena.bytes(name))
            try self.check(amqp_get_rpc_reply(state), state, "queue.purge \(name)")
            return Int(ok?.pointee.message_count ?? 0)
        }
    }

    public func deleteExchange(_ name: String, ifUnused: Bool = false) throws {
        try withState("exchange.delete \(name)") { state in
            let arena = CArena()
            _ = amqp_exchange_delete(state, self.channel, arena.bytes(name), ifUnused ? 1 : 0)
            try self.check(amqp_get_rpc_reply(state), state, "exchange.delete \(name)")
        }
    }
}
