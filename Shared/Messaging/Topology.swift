import AMQP

/// The exchanges of the topology (README, "How messages flow").
public enum Exchanges {
    /// Messages from external platforms, key `platform.<platform>.order.<event>`.
    public static let ingest = "erp.ingest"
    /// The alternate exchange of `erp.ingest` (fanout): what no queue binds goes here, to the
    /// orders service's quarantine, instead of vanishing.
    public static let unrouted = "erp.ingest.unrouted"
    /// The alternate exchange of `erp.events` and `erp.commands` (fanout): an event or command
    /// no queue is bound for lands in the queue of the same name, which `erpctl dead list`
    /// shows, instead of vanishing.
    public static let internalUnrouted = "erp.unrouted"
    /// Domain events, key `<context>.<aggregate>.<event>.v<N>`.
    public static let events = "erp.events"
    /// Commands from the saga coordinator, key `<service>.<command>.v<N>`.
    public static let commands = "erp.commands"
    /// Replies to the coordinator (direct).
    public static let replies = "erp.replies"
    /// Delayed retries: key `<queue>.retry.<level>` routes to that level's delay queue.
    public static let retry = "erp.retry"
    /// Parked messages: key `<queue>` routes to that queue's parking queue.
    public static let dead = "erp.dead"
    /// What the ERP tells the platforms back, key `platform.<platform>.<kind>`; each
    /// platform's connector reads its queue `outbound.<platform>`.
    public static let outbound = "erp.outbound"
}

/// A binding of a service queue to an exchange.
public struct QueueBinding: Sendable, Hashable {
    public let exchange: String
    public let routingKey: String
    public init(exchange: String, routingKey: String) {
        self.exchange = exchange
        self.routingKey = routingKey
    }
}

/// A service's queue and everything around it: a durable quorum queue with a delivery
/// limit that dead-letters to `erp.dead`; a parking queue `<name>.parked` for what could
/// not be handled; and one delay queue per retry level, `<name>.retry.<level>`, whose
/// messages return to the queue when their delay has passed. The limits, dead-lettering
/// and delays are the broker's policies (``policies``), not queue arguments.
public struct ServiceQueue: Sendable, Hashable {
    public let name: String
    public var bindings: [QueueBinding]
    /// Redeliveries (crashes, connection losses mid-handling) before the broker parks a message.
    public var deliveryLimit: Int
    /// Delay of each retry level, in milliseconds; a message that keeps failing for a
    /// transient reason goes through them in turn and is parked after the last one.
    public var retryDelaysMilliseconds: [Int]
    public var singleActiveConsumer: Bool
    /// Bindings an earlier version declared and this one does not want: removed when the
    /// queue is declared (after its bindings, so nothing goes unrouted in between).
    public var retiredBindings: [QueueBinding]
    /// Declare the limits, dead-lettering and delays as queue arguments rather than leave
    /// them to the broker's policies. For the test harnesses, whose queues have names of
    /// their own on a shared broker: a policy per test queue would make the broker match
    /// every queue against every policy each time one is set, which hundreds of tests
    /// starting side by side turn into minutes. Deployments never set it.
    public var declaresLimits = false

    public init(
        name: String, bindings: [QueueBinding], deliveryLimit: Int = 10,
        retryDelaysMilliseconds: [Int] = [1_000, 5_000, 30_000, 120_000, 600_000], singleActiveConsumer: Bool = false,
        retiredBindings: [QueueBinding] = []
    ) {
        self.name = name
        self.bindings = bindings
        self.retiredBindings = retiredBindings
        self.deliveryLimit = deliveryLimit
        self.retryDelaysMilliseconds = retryDelaysMilliseconds
        self.singleActiveConsumer = singleActiveConsumer
    }

    public var parkingQueue: String { "\(name).parked" }
    public func retryQueue(level: Int) -> String { "\(name).retry.\(level)" }
}

/// Declares the topology from code, idempotently (declaring what exists with the same
/// settings changes nothing).
public enum Topology {
    /// Declares every exchange, and the queue of `erp.unrouted`. An `erp.ingest`, `erp.events`
    /// or `erp.commands` declared by an earlier version without its alternate exchange is
    /// replaced only with `replacingOutdated` (`erpctl topology declare`, which then binds
    /// every service's queues again); a service starting against one keeps it and returns
    /// false (it logs that the operator should run that command), so that services starting
    /// together never delete an exchange under each other's bindings.
    @discardableResult
    public static func declareExchanges(on connection: AMQPConnection, replacingOutdated: Bool = false) async throws -> Bool {
        var current = try await declareWithAlternate(
            Exchanges.ingest, alternate: Exchanges.unrouted, replacingOutdated: replacingOutdated, on: connection)
        for exchange in [Exchanges.events, Exchanges.commands] {
            let declared = try await declareWithAlternate(
                exchange, alternate: Exchanges.internalUnrouted, replacingOutdated: replacingOutdated, on: connection)
            current = current && declared
        }
        try await declareUnroutedQueue(Exchanges.internalUnrouted, migrating: replacingOutdated, on: connection)
        for exchange in [Exchanges.retry, Exchanges.dead, Exchanges.outbound] {
            try await ensureExchange(exchange, type: .topic, on: connection)
        }
        try await ensureExchange(Exchanges.replies, type: .direct, on: connection)
        return current
    }

    /// The queue that keeps what an alternate exchange caught (named after it, bound to it):
    /// durable, its length bounded by ``unroutedPolicy(_:)``. A service's own user may not
    /// declare it and only checks that the operator has. One an earlier version declared with
    /// its limit as arguments is moved to the new declaration with `migrating`.
    public static func declareUnroutedQueue(_ name: String, durable: Bool = true, migrating: Bool = false, on connection: AMQPConnection)
        async throws
    {
        let binding = QueueBinding(exchange: name, routingKey: "")
        do {
            // A test's own (not durable) stays classic: quorum queues are always durable.
            let arguments: AMQPTable = durable ? ["x-queue-type": "quorum"] : [:]
            try await ensureQueue(name, durable: durable, arguments: arguments, bindings: [binding], migrating: migrating, on: connection)
            try await connection.bindQueue(name, to: name, routingKey: "")
        } catch let refused as AMQPError where refused.code == .accessRefused {
            try await checkExists("queue", name, on: connection) { _ = try await connection.declareQueue(name, passive: true) }
        }
    }

    /// Declares an exchange. A user that may not configure it (a service's own broker user,
    /// under least privilege: the exchanges are the operator's, made by `erpctl topology
    /// declare`) only checks that it exists, and is told plainly when it does not.
    public static func ensureExchange(
        _ name: String, type: AMQPExchangeType, arguments: AMQPTable = [:], on connection: AMQPConnection
    ) async throws {
        do {
            try await connection.declareExchange(name, type: type, durable: true, arguments: arguments)
        } catch let refused as AMQPError where refused.code == .accessRefused {
            try await checkExists("exchange", name, on: connection) {
                try await connection.declareExchange(name, type: type, durable: true, passive: true)
            }
        }
    }

    /// After a refused declare: `passiveDeclare` finds the operator's exchange or queue, or
    /// the error says who must make it.
    static func checkExists(_ kind: String, _ name: String, on connection: AMQPConnection, _ passiveDeclare: () async throws -> Void)
        async throws
    {
        do {
            try await passiveDeclare()
        } catch let missing as AMQPError where missing.code == .notFound {
            throw AMQPError(
                code: .notFound,
                message:
                    "\(kind) \(name) does not exist, and user \(connection.configuration.user) may not declare it: run `erpctl topology declare` as the broker's administrator",
                operation: "\(kind).declare \(name)")
        }
    }

    /// Declares a topic exchange (`erp.ingest`, `erp.events`, `erp.commands`) whose alternate
    /// exchange (fanout) takes every message that no queue's binding takes. One declared before without it (a broker of an
    /// earlier version) is deleted and declared again with `replacingOutdated` (the caller
    /// binds the queues again); otherwise it is left as it is and false is returned.
    @discardableResult
    public static func declareWithAlternate(
        _ name: String, alternate unrouted: String, replacingOutdated: Bool = true, on connection: AMQPConnection
    ) async throws -> Bool {
        try await ensureExchange(unrouted, type: .fanout, on: connection)
        let arguments: AMQPTable = ["alternate-exchange": .string(unrouted)]
        do {
            try await ensureExchange(name, type: .topic, arguments: arguments, on: connection)
            return true
        } catch let error as AMQPError where error.code == .preconditionFailed {
            guard replacingOutdated else {
                try await connection.declareExchange(name, type: .topic, durable: true, passive: true)
                return false
            }
            try await connection.deleteExchange(name)
            try await connection.declareExchange(name, type: .topic, durable: true, arguments: arguments)
            return true
        }
    }

    /// The queue a platform's connector reads what the ERP tells the platform.
    public static func outboundQueue(platform: String) -> String { "outbound.\(platform)" }

    /// Declares each platform's outbound queue on `exchange`: durable, quorum, no delivery
    /// limit (a connector that fails a message does not lose it), bound to
    /// `platform.<platform>.#`, so that nothing is lost while a connector is away.
    public static func declareOutbound(platforms: [String], exchange: String = Exchanges.outbound, prefix: String = "", on connection: AMQPConnection)
        async throws
    {
        for platform in platforms.sorted() {
            let queue = prefix + outboundQueue(platform: platform)
            do {
                try await connection.declareQueue(queue, arguments: ["x-queue-type": "quorum"])
                try await connection.bindQueue(queue, to: exchange, routingKey: "platform.\(platform).#")
            } catch let refused as AMQPError where refused.code == .accessRefused {
                // A service's own broker user: the connectors' queues are the operator's.
                try await checkExists("queue", queue, on: connection) { _ = try await connection.declareQueue(queue, passive: true) }
            }
        }
    }

    /// Declares a service queue with its parking and delay queues, and its bindings. Their
    /// limits, dead-lettering and delays are policies (``ServiceQueue/policies``), set by the
    /// broker's definitions file or by a test; the queues carry only their type.
    ///
    /// A queue an earlier version declared with those settings as arguments cannot be
    /// declared again without them (the broker refuses, 406). With `migrating` (`erpctl
    /// topology declare`) it is moved to the new declaration, messages and all
    /// (``QueueMigration``); without (a service starting) it is left as it is, still working
    /// under its old arguments. Either way the names of such queues are returned, so that
    /// the caller can say so.
    @discardableResult
    public static func declare(_ queue: ServiceQueue, migrating: Bool = false, on connection: AMQPConnection) async throws -> [String] {
        var outdated: [String] = []
        var arguments: AMQPTable = ["x-queue-type": "quorum"]
        if queue.singleActiveConsumer { arguments["x-single-active-consumer"] = true }
        if queue.declaresLimits { arguments.merge(QueuePolicy.arguments(queue.limits)) { $1 } }
        // The delay queues' arguments: none, their delays being policies (tests: arguments).
        let delays = queue.retryDelaysMilliseconds.indices.map { index in
            let retryQueue = queue.retryQueue(level: index + 1)
            let arguments = queue.declaresLimits ? QueuePolicy.arguments(queue.delayLimits(level: index + 1)) : [:]
            return (name: retryQueue, arguments: arguments, binding: QueueBinding(exchange: Exchanges.retry, routingKey: retryQueue))
        }
        // Migrating: outdated delay queues are emptied into holding queues first, where no
        // delay returns a message to the service queue while it is being moved itself.
        var begun: Set<String> = []
        if migrating {
            for delay in delays {
                do {
                    try await connection.declareQueue(delay.name, arguments: delay.arguments)
                } catch let different as AMQPError where different.code == .preconditionFailed {
                    try await QueueMigration.begin(delay.name, durable: true, arguments: delay.arguments, bindings: [delay.binding], on: connection)
                    begun.insert(delay.name)
                }
            }
        }
        if try await !ensureQueue(queue.name, arguments: arguments, bindings: queue.bindings, migrating: migrating, on: connection) {
            outdated.append(queue.name)
        }
        for binding in queue.bindings {
            try await connection.bindQueue(queue.name, to: binding.exchange, routingKey: binding.routingKey)
        }
        // Unbinding what is not bound is no error.
        for binding in queue.retiredBindings where !queue.bindings.contains(binding) {
            try await connection.unbindQueue(queue.name, from: binding.exchange, routingKey: binding.routingKey)
        }
        try await connection.declareQueue(queue.parkingQueue, arguments: ["x-queue-type": "quorum"])
        try await connection.bindQueue(queue.parkingQueue, to: Exchanges.dead, routingKey: queue.name)
        for delay in delays {
            if begun.contains(delay.name) {
                try await QueueMigration.finish(delay.name, bindings: [delay.binding], on: connection)
                outdated.append(delay.name)
            } else if try await !ensureQueue(delay.name, arguments: delay.arguments, bindings: [delay.binding], migrating: migrating, on: connection)
            {
                outdated.append(delay.name)
            }
            try await connection.bindQueue(delay.name, to: Exchanges.retry, routingKey: delay.name)
        }
        return outdated
    }

    /// Declares a queue and returns true; one declared before with other arguments is moved
    /// with `migrating` (as is one whose move an earlier run began), and otherwise only
    /// checked to exist, and false is returned.
    @discardableResult
    static func ensureQueue(
        _ name: String, durable: Bool = true, arguments: AMQPTable, bindings: [QueueBinding], migrating: Bool, on connection: AMQPConnection
    ) async throws -> Bool {
        do {
            try await connection.declareQueue(name, durable: durable, arguments: arguments)
            // A migration an earlier run left half done: its holding queue is still there.
            if migrating, try await QueueMigration.finishIfBegun(name, bindings: bindings, on: connection) { return false }
            return true
        } catch let different as AMQPError where different.code == .preconditionFailed {
            guard migrating else {
                try await connection.declareQueue(name, passive: true)
                return false
            }
            try await QueueMigration.redeclare(name, durable: durable, arguments: arguments, bindings: bindings, on: connection)
            return false
        }
    }

    /// Deletes a service queue with its parking and delay queues (tests and benchmarks that
    /// made their own). Queues already gone are no error.
    public static func delete(_ queue: ServiceQueue, on connection: AMQPConnection) async {
        let names = [queue.name, queue.parkingQueue] + queue.retryDelaysMilliseconds.indices.map { queue.retryQueue(level: $0 + 1) }
        for name in names { _ = try? await connection.deleteQueue(name) }
    }
}
