import Analytics
import ArgumentParser
import Contracts
import Foundation
import Messaging
import Postgres

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the pending migrations of every service (or one), then the analytics schema's tables and views.",
        discussion: """
            Run it as the database owner (ERP_DATABASE_URL): the analytics views read every service's
            tables, so they come last, and only the owner may grant their role (erp_analytics) read
            access to those tables. `--service analytics` applies the analytics tables and views only.
            ERP_BASE_CURRENCY (default CNY) is recorded as the currency the views' base-currency
            columns convert into with finance's exchange rates.
            """)
    @OptionGroup var servers: ServerOptions
    @Option(help: "Only this service.") var service: String?

    func validate() throws {
        if let service, ServiceCatalog.named(service) == nil {
            throw ValidationError("unknown service '\(service)' (known: \(ServiceCatalog.all.map(\.name).joined(separator: ", ")))")
        }
        _ = try baseCurrency
    }

    /// The currency finance's exchange rates convert into (ERP_BASE_CURRENCY, default CNY):
    /// the analytics views' base-currency columns.
    var baseCurrency: Currency {
        get throws {
            let code = ProcessInfo.processInfo.environment["ERP_BASE_CURRENCY"] ?? "CNY"
            guard let currency = try? Currency(code: code) else {
                throw ValidationError("ERP_BASE_CURRENCY: '\(code)' is not a currency this system knows (an ISO 4217 code such as CNY)")
            }
            return currency
        }
    }

    func run() async throws {
        let database = try servers.database()
        let services = service.flatMap(ServiceCatalog.named).map { [$0] } ?? ServiceCatalog.all
        let pool = PostgresPool(configuration: database, size: 1)
        defer { Task { await pool.close() } }
        for definition in services {
            let applied = try await reporting("migrating \(definition.name)") {
                try await MessagingSchema.migrate(schema: definition.schema, pool: pool)
                return try await PostgresMigrator(schema: definition.schema, migrations: definition.migrations).migrate(pool)
            }
            print(
                "\(definition.name): schema \(definition.schema), \(applied.isEmpty ? "up to date" : "applied \(applied.map(String.init).joined(separator: ", "))")"
            )
        }
        guard service == nil || service == "analytics" else { return }
        let views = try await reporting("migrating the analytics views") {
            try await AnalyticsViewMigrations.migrate(pool: pool, baseCurrency: try baseCurrency).views
        }
        print("analytics views: schema analytics, \(views.isEmpty ? "up to date" : "applied \(views.map(String.init).joined(separator: ", "))")")
    }
}
