import AMQP
import Foundation

/// A RabbitMQ policy: the limits and dead-lettering of the queues whose names match
/// `pattern`. Queues are declared with their type only (and single active consumer, which
/// no policy can set); everything an operator may want to change later (delivery limits,
/// dead-letter targets, delays, lengths) is a policy, which `rabbitmqctl set_policy`, the
/// management UI or a new definitions file changes in place, where a queue argument could
/// only be changed by deleting the queue.
///
/// RabbitMQ applies one policy to a queue, the matching one of highest priority: the ERP's
/// own have priority ``QueuePolicy/standardPriority``; an operator's override of a queue
/// takes a higher one and restates every key it keeps.
public struct QueuePolicy: Sendable, Hashable {
    public enum Value: Sendable, Hashable {
        case int(Int)
        case string(String)

        var json: Any {
            switch self {
            case .int(let value): value
            case .string(let value): value
            }
        }
    }

    public static let standardPriority = 1

    public var name: String
    /// A regular expression on queue names.
    public var pattern: String
    public var priority: Int
    public var definition: [String: Value]

    public init(name: String, pattern: String, priority: Int = QueuePolicy.standardPriority, definition: [String: Value]) {
        self.name = name
        self.pattern = pattern
        self.priority = priority
        self.definition = definition
    }

    /// The policy for exactly one queue, named after it.
    public init(queue: String, definition: [String: Value]) {
        self.init(name: "erp.queue.\(queue)", pattern: "^\(NSRegularExpression.escapedPattern(for: queue))$", definition: definition)
    }

    /// The body of a policy for the management API (`PUT /api/policies/<vhost>/<name>`) and,
    /// with `vhost` and `name`, an entry of a definitions file.
    public func jsonObject(vhost: String? = nil) -> [String: Any] {
        var object: [String: Any] = [
            "pattern": pattern, "priority": priority, "apply-to": "queues", "definition": definition.mapValues(\.json),
        ]
        if let vhost {
            object["vhost"] = vhost
            object["name"] = name
        }
        return object
    }
}

extension ServiceQueue {
    /// The queue's delivery limit and dead-lettering to its parking queue (via `erp.dead`).
    public var limits: [String: QueuePolicy.Value] {
        ["delivery-limit": .int(deliveryLimit), "dead-letter-exchange": .string(Exchanges.dead), "dead-letter-routing-key": .string(name)]
    }

    /// A delay queue's delay and return to the queue (`level` counts from 1).
    public func delayLimits(level: Int) -> [String: QueuePolicy.Value] {
        ["message-ttl": .int(retryDelaysMilliseconds[level - 1]), "dead-letter-exchange": .string(""), "dead-letter-routing-key": .string(name)]
    }

    /// Its policies: ``limits`` for the queue, ``delayLimits(level:)`` for each delay queue.
    public var policies: [QueuePolicy] {
        [QueuePolicy(queue: name, definition: limits)]
            + retryDelaysMilliseconds.indices.map { QueuePolicy(queue: retryQueue(level: $0 + 1), definition: delayLimits(level: $0 + 1)) }
    }
}

extension QueuePolicy {
    /// The same settings as queue arguments (`x-<key>`), for queues that declare their limits
    /// themselves (``ServiceQueue/declaresLimits``).
    public static func arguments(_ definition: [String: Value]) -> AMQPTable {
        var arguments: AMQPTable = [:]
        for (key, value) in definition {
            switch value {
            case .int(let number): arguments["x-\(key)"] = .int(Int64(number))
            case .string(let text): arguments["x-\(key)"] = .string(text)
            }
        }
        return arguments
    }
}

extension Topology {
    /// How many messages the queue of an alternate exchange keeps (the oldest go first).
    public static let unroutedLimit = 100_000

    /// The policy of the queue that keeps what an alternate exchange caught.
    public static func unroutedPolicy(_ queue: String) -> QueuePolicy {
        QueuePolicy(queue: queue, definition: ["max-length": .int(unroutedLimit), "overflow": .string("drop-head")])
    }
}
