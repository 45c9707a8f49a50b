import Analytics
import ArgumentParser
import CRM
import Catalog
import Finance
import Foundation
import Inventory
import Orders
import Postgres

/// `erp-bench analytics`: the analyses on the replica, as `erp_analyst`, over generated data:
/// the services' own schemas (their real migrations, so the same columns and indexes) filled
/// by `generate_series` (orders over two years in CNY and USD on three platforms, three lines
/// each, their status history, invoices, journal, cost of goods, stock movements, returns,
/// receivables, customers), the analytics views over them, and each analysis timed once the
/// replica has replayed it all. Also the nightly forecast's run on that history.
struct AnalyticsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analytics", abstract: "Each analysis on generated orders, on the replica as erp_analyst; the nightly forecast's time.")
    @Option var databaseURL = environment("ERP_DATABASE_URL", default: "postgres://erp:erp@127.0.0.1:54329/erp")
    @Option(help: "A superuser, to load without the services' triggers.") var adminURL = environment(
        "ERP_PG_ADMIN_URL", default: "postgres://postgres:postgres@127.0.0.1:54329/erp")
    @Option var analyticsURL = environment("ERP_ANALYTICS_DATABASE_URL", default: "postgres://erp_analyst:erp_analyst@127.0.0.1:54330/erp")
    @Option(help: "Orders to generate.") var orders = 1_000_000
    @Option(help: "SKUs.") var skus = 5_000
    @Option(help: "Runs of each analysis (the median is reported).") var runs = 3
    @Flag(help: "Keep the generated schemas (and load nothing if they are there).") var keep = false

    static let prefix = "bench_analytics"

    func validate() throws {
        guard (1_000...20_000_000).contains(orders) else { throw ValidationError("--orders must be 1000 to 20000000") }
        guard (10...1_000_000).contains(skus) else { throw ValidationError("--skus must be 10 to 1000000") }
    }

    func run() async throws {
        bootstrapQuietLogging()
        let schemas = AnalyticsSchemas(prefix: Self.prefix)
        let owner = PostgresPool(configuration: try PostgresConfiguration(url: databaseURL), size: 1)
        let exists = try await owner.query("SELECT to_regclass(\(schemas.orders + ".orders")) IS NOT NULL")[0].decode(Bool.self, at: 0)
        if !(keep && exists) {
            try await load(schemas, owner)
        } else {
            print("analytics: using the kept schemas \(Self.prefix)_*")
            try await AnalyticsViewMigrations.migrate(schemas, pool: owner)
        }
        // The refresh job as erp-analytics runs it: every day the first time, then only changed days.
        for run in ["first (every day)", "next (nothing changed)"] {
            let started = monotonicSeconds()
            let summary = try await owner.withTransaction { tx in
                try await tx.query(PostgresQuery(unsafeSQL: "SET LOCAL ROLE erp_analytics"))
                return try await JobRunner.run(.refresh, schemas: schemas, now: Date(), in: tx)
            }
            print(String(format: "analytics: refresh, %@: %@ in %.1f s", run as NSString, summary as NSString, monotonicSeconds() - started))
        }
        if !(keep && exists) {
            let forecast = monotonicSeconds()
            let summary = try await owner.withTransaction { tx in
                try await tx.query(PostgresQuery(unsafeSQL: "SET LOCAL ROLE erp_analytics"))
                return try await JobRunner.run(.forecast, schemas: schemas, now: Date(), in: tx)
            }
            print(String(format: "analytics: the nightly forecast: %@ in %.1f s", summary as NSString, monotonicSeconds() - forecast))
        }
        // The replica has everything once it has replayed the primary's WAL of now.
        let replica = PostgresPool(configuration: try PostgresConfiguration(url: analyticsURL), size: 1)
        let lsn = try await owner.query("SELECT pg_current_wal_lsn()::text")[0].decode(String.self, at: 0)
        let waited = monotonicSeconds()
        while try await replica.query("SELECT pg_last_wal_replay_lsn() >= \(lsn)::pg_lsn")[0].decode(Bool?.self, at: 0) != true {
            try await Task.sleep(for: .milliseconds(200))
        }
        print(String(format: "analytics: the replica replayed the load %.1f s after it ended", monotonicSeconds() - waited))
        let counts = try await replica.query(
            PostgresQuery(
                unsafeSQL: schemas.substitute(
                    "SELECT (SELECT count(*) FROM {analytics}.orders), (SELECT count(*) FROM {analytics}.order_lines), (SELECT count(*) FROM {analytics}.journal)"
                )))[0]
        print(
            "analytics: \(try counts.decode(Int64.self, at: 0)) orders, \(try counts.decode(Int64.self, at: 1)) lines, \(try counts.decode(Int64.self, at: 2)) journal lines, \(skus) SKUs"
        )
        let analyses = Analyses(schema: schemas.analytics)
        let cases: [(String, @Sendable (PostgresPool) async throws -> AnalyticsReport)] = [
            ("sales --by month --top 10", { try await analyses.sales(by: .month, platform: nil, from: nil, to: nil, top: 10, $0) }),
            (
                "sales --by day (last 90 days)",
                {
                    try await analyses.sales(by: .day, platform: nil, from: Self.day(-90), to: nil, top: 10, $0)
                }
            ),
            ("sales --by week --platform tmall", { try await analyses.sales(by: .week, platform: "tmall", from: nil, to: nil, top: 10, $0) }),
            ("inventory --top 20", { try await analyses.inventory(top: 20, $0) }),
            ("finance", { try await analyses.finance(from: nil, to: nil, $0) }),
            ("customers", { try await analyses.customers($0) }),
            ("trends --top 20", { try await analyses.trends(top: 20, $0) }),
            (
                "dashboard",
                { pool in
                    _ = DashboardPage.render(try await DashboardData.read(schema: schemas.analytics, pool))
                    return AnalyticsReport()
                }
            ),
        ]
        for (name, analysis) in cases {
            var times: [Double] = []
            for _ in 0..<runs {
                let started = monotonicSeconds()
                _ = try await analysis(replica)
                times.append(monotonicSeconds() - started)
            }
            times.sort()
            print(
                String(
                    format: "  %-34@ median %.2f s (runs: %@)", name as NSString, times[times.count / 2],
                    times.map { String(format: "%.2f", $0) }.joined(separator: ", ") as NSString))
        }
        await replica.close()
        await owner.close()
    }

    static func day(_ offset: Int) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: Date().addingTimeInterval(Double(offset) * 86_400))
    }

    func load(_ schemas: AnalyticsSchemas, _ owner: PostgresPool) async throws {
        let admin = PostgresPool(configuration: try PostgresConfiguration(url: adminURL), size: 1)
        for schema in [schemas.analytics, schemas.catalog, schemas.inventory, schemas.orders, schemas.finance, schemas.crm] {
            try await owner.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"))
        }
        for (schema, migrations) in [
            (schemas.catalog, CatalogMigrations.all), (schemas.inventory, InventoryMigrations.all), (schemas.orders, OrdersMigrations.all),
            (schemas.finance, FinanceMigrations.all), (schemas.crm, CRMMigrations.all),
        ] {
            try await PostgresMigrator(schema: schema, migrations: migrations).migrate(owner)
        }
        let started = monotonicSeconds()
        let statements = AnalyticsBenchmarkData.statements(orders: orders, skus: skus)
        try await admin.withConnection { connection in
            // A load of rows the services would have written one by one: their triggers (ledger
            // balance, foreign keys) are not run for it.
            try await connection.query("SET session_replication_role = replica")
            for (what, sql) in statements {
                let step = monotonicSeconds()
                var done = 0
                for statement in schemas.substitute(sql).components(separatedBy: ";\n") {
                    done += try await connection.query(PostgresQuery(unsafeSQL: statement)).affectedRows
                }
                print(String(format: "analytics: %@: %d rows in %.1f s", what as NSString, done, monotonicSeconds() - step))
            }
            try await connection.query("RESET session_replication_role")
            try await connection.query("ANALYZE")
        }
        await admin.close()
        try await owner.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schemas.analytics) AUTHORIZATION erp_analytics"))
        try await AnalyticsViewMigrations.migrate(schemas, pool: owner)
        print(String(format: "analytics: loaded %d orders in %.0f s", orders, monotonicSeconds() - started))
    }
}
