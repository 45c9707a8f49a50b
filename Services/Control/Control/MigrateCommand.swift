import ArgumentParser
import Messaging
import Postgres

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply the pending migrations of every service (or one).")
    @OptionGroup var servers: ServerOptions
    @Option(help: "Only this service.") var service: String?

    func validate() throws {
        if let service, ServiceCatalog.named(service) == nil {
            throw ValidationError("unknown service '\(service)' (known: \(ServiceCatalog.all.map(\.name).joined(separator: ", ")))")
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
    }
}
