import AMQP
import Logging
import Messaging
import Postgres
import ServiceLifecycle

/// What makes a service: its name, its schema and migrations, the queues it consumes and
/// the handlers for their messages. Everything else (configuration, logging, metrics,
/// health endpoints, migrations, topology, consumers, the outbox relay, graceful
/// shutdown) comes from ``ServiceHost``.
public struct ServiceDefinition: Sendable {
    /// Short name: `catalog`, `inventory`... Used in logs, metrics and connection names.
    public var name: String
    public var schema: String
    /// Port of the health and metrics endpoints unless `ERP_HTTP_PORT` says otherwise.
    public var defaultHTTPPort: Int
    public var migrations: [PostgresMigration]
    public var queues: [ServiceQueue]
    public var handlers: MessageHandlers
    /// Where the handlers' events go: `erp.events`, except in tests, which keep theirs apart.
    public var eventsExchange: String = Exchanges.events
    /// Background services the host runs beside the consumers (e.g. the saga timer), made
    /// with the host's pool and logger.
    public var background: [@Sendable (BackgroundContext) -> any Service] = []
    /// More of the topology the service needs besides its own queues (e.g. the platforms'
    /// outbound queues it publishes to), declared at start-up after them.
    public var topology: [@Sendable (AMQPConnection) async throws -> Void] = []
    /// The queues and exchanges `topology` declares (tests and benchmarks delete them after).
    public var otherQueues: [String] = []
    /// Its sessions plan each prepared statement once (`plan_cache_mode=force_generic_plan`):
    /// for a service whose handlers' statements all go by key, where PostgreSQL would otherwise
    /// plan them anew at every execution and the planning costs more than the running.
    public var genericPlans = false
    public var otherExchanges: [String] = []

    public init(
        name: String, schema: String, defaultHTTPPort: Int, migrations: [PostgresMigration], queues: [ServiceQueue],
        handlers: MessageHandlers
    ) {
        self.name = name
        self.schema = schema
        self.defaultHTTPPort = defaultHTTPPort
        self.migrations = migrations
        self.queues = queues
        self.handlers = handlers
    }
}

/// What a service's background work (timers) is given when the service starts.
public struct BackgroundContext: Sendable {
    public let pool: PostgresPool
    public let logger: Logger
    /// Where the service's events go (`erp.events`, or a test's own exchange).
    public let eventsExchange: String
}
