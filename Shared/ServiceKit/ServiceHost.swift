import ConnectionThread
import AMQP
import Foundation
import Logging
import Messaging
import Metrics
import Postgres
import Prometheus
import ServiceLifecycle

/// A running instance of a service: its pool, its consumers, its outbox relay, its health
/// and metrics endpoints and its broker probe, as one `ServiceGroup` that shuts down in
/// reverse order on SIGTERM or SIGINT: consumers stop taking messages and finish the ones
/// in hand, the relay flushes the outbox, the HTTP server stops, connections close.
public final class ServiceHost: Sendable {
    public let definition: ServiceDefinition
    public let environment: ServiceEnvironment
    public let pool: PostgresPool
    public let registry: PrometheusCollectorRegistry
    public let services: [any Service]
    private let logger: Logger

    /// Connects, applies the migrations (the messaging tables, then the service's own) and
    /// declares the topology, retrying while the servers are not up yet (for at most
    /// `startupTimeout`); then builds the services. An edited migration stops the start.
    public static func prepare(
        _ definition: ServiceDefinition, environment: ServiceEnvironment, logger: Logger,
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), startupTimeout: Duration = .seconds(60),
        onHTTPRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> ServiceHost {
        let unbound = definition.unboundHandlers
        guard unbound.isEmpty else { throw UnboundHandlersError(service: definition.name, types: unbound) }
        var database = environment.database
        database.applicationName = "erp-\(definition.name)"
        if definition.genericPlans { database.planCacheMode = .forceGenericPlan }
        let pool = PostgresPool(configuration: database, size: environment.databasePoolSize, logger: logger)
        do {
            try await retryingStartup(logger: logger, timeout: startupTimeout, what: "migrate schema \(definition.schema)") {
                try await MessagingSchema.migrate(schema: definition.schema, pool: pool)
                try await PostgresMigrator(schema: definition.schema, migrations: definition.migrations).migrate(pool)
            }
            try await retryingStartup(logger: logger, timeout: startupTimeout, what: "declare the topology") {
                let connection = try await AMQPConnection.connect(environment.broker)
                do {
                    if try await !Topology.declareExchanges(on: connection) {
                        logger.warning(
                            "erp.ingest, erp.events or erp.commands was declared by an earlier version, without its alternate exchange: a message no queue takes is lost until `erpctl topology declare` replaces it"
                        )
                    }
                    for queue in definition.queues {
                        let outdated = try await Topology.declare(queue, on: connection)
                        if !outdated.isEmpty {
                            logger.warning(
                                "queues declared by an earlier version keep their old arguments until `erpctl topology declare` moves them to the broker's policies (stop the services first)",
                                metadata: ["queues": "\(outdated.joined(separator: ", "))"])
                        }
                    }
                    for declare in definition.topology { try await declare(connection) }
                } catch {
                    await connection.close()
                    throw error
                }
                await connection.close()
            }
        } catch {
            await pool.close()
            throw error
        }
        return ServiceHost(
            definition: definition, environment: environment, pool: pool, registry: registry, logger: logger, onHTTPRunning: onHTTPRunning)
    }

    private init(
        definition: ServiceDefinition, environment: ServiceEnvironment, pool: PostgresPool, registry: PrometheusCollectorRegistry,
        logger: Logger, onHTTPRunning: @escaping @Sendable (Int) async -> Void
    ) {
        self.definition = definition
        self.environment = environment
        self.pool = pool
        self.registry = registry
        self.logger = logger
        var broker = environment.broker
        broker.connectionName = "erp-\(definition.name)"
        let probe = BrokerProbe(configuration: broker, logger: logger)
        let checks = [
            ReadinessCheck(name: "database") {
                do {
                    _ = try await pool.query("SELECT 1")
                    return nil
                } catch {
                    return "\(error)"
                }
            },
            ReadinessCheck(name: "broker") { probe.problem() },
        ]
        registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "erp", metricName: "service", unitName: "up", helpText: "1 while the service runs"),
            labels: [("service", definition.name)]
        ).set(1.0)
        let http = HealthServer.make(
            host: environment.httpHost, port: environment.httpPort, checks: checks, registry: registry, logger: logger,
            onRunning: onHTTPRunning)
        var relayConfiguration = OutboxRelay.Configuration()
        relayConfiguration.batchSize = environment.outboxBatchSize
        // The consumers hand what they committed to the relay, which publishes it from memory.
        let handOff = environment.outboxHandOff == .on ? OutboxHandOff() : nil
        let relay = OutboxRelay(
            schema: definition.schema, pool: pool, brokerConfiguration: broker, configuration: relayConfiguration, handOff: handOff, logger: logger)
        let consumers = definition.queues.map { queue in
            MessageConsumer(
                service: definition.name, queue: queue, schema: definition.schema, pool: pool, brokerConfiguration: broker,
                handlers: definition.handlers,
                configuration: .init(
                    batchSize: environment.consumerBatchSize, prefetch: UInt16(environment.consumerPrefetch),
                    eventsExchange: definition.eventsExchange),
                handOff: handOff, logger: logger)
        }
        // Started in this order, stopped in reverse: consumers and background work first, the relay after them.
        services =
            [http, probe, relay]
            + definition.background.map { $0(BackgroundContext(pool: pool, logger: logger, eventsExchange: definition.eventsExchange)) } + consumers
    }

    /// Runs until SIGTERM or SIGINT (or a graceful shutdown in tests), then closes the pool.
    public func run() async throws {
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        logger.info("service started", metadata: ["schema": "\(definition.schema)", "http_port": "\(environment.httpPort)"])
        do {
            try await group.run()
        } catch {
            await pool.close()
            throw error
        }
        await pool.close()
        logger.info("service stopped")
    }

    private static func retryingStartup(
        logger: Logger, timeout: Duration, what: String, _ body: () async throws -> Void
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        var attempt = 0
        while true {
            do {
                try await body()
                return
            } catch let error as PostgresMigrationError {
                throw error
            } catch let error as PostgresError where error.code == .server && error.sqlState?.hasPrefix("57P") != true {
                throw error
            } catch {
                attempt += 1
                guard ContinuousClock.now < deadline else { throw error }
                logger.warning("cannot \(what) yet; retrying", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                try await Task.sleep(for: Backoff(initial: .milliseconds(250), maximum: .seconds(5)).delay(attempt: attempt - 1))
            }
        }
    }
}

/// What a service executable's `main` calls.
public enum ServiceMain {
    /// Reads the environment, sets up JSON logging and Prometheus metrics, prepares and
    /// runs the service until SIGTERM or SIGINT; exits 0 after a graceful shutdown, 1 when
    /// the service fails, 2 for an invalid setting.
    /// ``run(_:)`` for a service whose own settings come from the environment too: a
    /// ``ConfigurationError`` from `make` exits 2 with its message.
    public static func run(_ make: () throws -> ServiceDefinition) async -> Never {
        do {
            await run(try make())
        } catch {
            FileHandle.standardError.write(Data("erp: \(error)\n".utf8))
            exit(2)
        }
    }

    public static func run(_ definition: ServiceDefinition) async -> Never {
        let environment: ServiceEnvironment
        do {
            environment = try ServiceEnvironment(defaultHTTPPort: definition.defaultHTTPPort)
        } catch {
            FileHandle.standardError.write(Data("erp-\(definition.name): \(error)\n".utf8))
            exit(2)
        }
        let format = environment.logFormat
        let level = environment.logLevel
        LoggingSystem.bootstrap { label in
            switch format {
            case .json: return JSONLogHandler(label: label, service: definition.name, level: level)
            case .text:
                var handler = StreamLogHandler.standardOutput(label: label)
                handler.logLevel = level
                return handler
            }
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "erp.\(definition.name)")
        do {
            let host = try await ServiceHost.prepare(definition, environment: environment, logger: logger, registry: registry)
            try await host.run()
            exit(0)
        } catch {
            logger.critical("service failed", metadata: ["error": "\(error)"])
            exit(1)
        }
    }
}
