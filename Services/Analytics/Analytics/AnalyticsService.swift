import Contracts
import Messaging
import ServiceKit

/// The analytics job runner (erp-analytics): it materialises on the primary what would be too
/// slow as a plain view (closing stock snapshots, demand forecasts) on a persisted schedule
/// (``JobRunner``), and takes `analytics.*` commands on `analytics.commands` (lead times, a
/// job run now). It owns the `analytics` schema's tables; the views analysts read over them
/// and over every service's tables are made by `erpctl migrate` (``AnalyticsViewMigrations``).
public enum AnalyticsService {
    public static let name = "analytics"

    public static func definition(
        schemas: AnalyticsSchemas = AnalyticsSchemas(), queuePrefix: String = "analytics", commandsExchange: String = Exchanges.commands,
        clock: any DeadlineClock = SystemDeadlineClock()
    ) -> ServiceDefinition {
        var registry = MessageHandlers()
        AnalyticsHandlers(schemas: schemas, clock: clock).register(in: &registry)
        var definition = ServiceDefinition(
            name: name, schema: schemas.analytics, defaultHTTPPort: 8097, migrations: AnalyticsMigrations.all,
            queues: [ServiceQueue(name: "\(queuePrefix).commands", bindings: [QueueBinding(exchange: commandsExchange, routingKey: "analytics.#")])],
            handlers: registry)
        definition.background = [
            { context in JobRunner(schemas: schemas, clock: clock, pool: context.pool, logger: context.logger) },
            { context in ReplicaGauges(pool: context.pool, logger: context.logger) },
        ]
        return definition
    }
}
