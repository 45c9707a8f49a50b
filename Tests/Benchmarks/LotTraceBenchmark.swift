import ArgumentParser
import Control
import Foundation
import Inventory
import Orders
import Postgres

/// `erp-bench trace`: `inventory trace` of a lot issued to 10,000 orders (each with its
/// shipment and customer), among the movements of other lots: p50 and p99 of the trace with
/// the orders' customers.
struct LotTraceBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "trace", abstract: "Trace of a lot issued to 10,000 orders (p50, p99).")

    @Option(help: "Database URL.") var databaseURL = environment("ERP_DATABASE_URL", default: "postgres://erp:erp@127.0.0.1:54329/erp")
    @Option(help: "Orders the traced lot was issued to.") var orders = 10_000
    @Option(help: "Movements of other lots around it.") var noise = 500_000
    @Option(help: "Traces measured.") var traces = 50

    func run() async throws {
        bootstrapQuietLogging()
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let (inventory, ordersSchema) = ("bench_trace_\(suffix)", "bench_trace_orders_\(suffix)")
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: databaseURL), size: 2)
        try await PostgresMigrator(schema: inventory, migrations: InventoryMigrations.all).migrate(pool)
        try await PostgresMigrator(schema: ordersSchema, migrations: OrdersMigrations.all).migrate(pool)
        try await pool.withConnection { connection in
            try await connection.executeScript(
                """
                INSERT INTO \(inventory).warehouses (code, name, region) VALUES ('SH', 'Shanghai', 'east'), ('GZ', 'Guangzhou', 'south');
                INSERT INTO \(inventory).stock (sku, warehouse, on_hand) SELECT 'SKU-' || n, w, 1000 FROM generate_series(1, 100) n, unnest(ARRAY['SH', 'GZ']) w;
                INSERT INTO \(inventory).lots (sku, warehouse, lot, expiry, unit_cost_minor, currency, on_hand)
                SELECT 'SKU-' || n, w, 'L-' || n || '-' || k, DATE '2027-06-30', 1200, 'CNY', 10
                FROM generate_series(1, 100) n, unnest(ARRAY['SH', 'GZ']) w, generate_series(1, 50) k;
                INSERT INTO \(inventory).movements (kind, sku, warehouse, lot, quantity, reference)
                SELECT 'receipt', 'SKU-' || n, w, 'L-' || n || '-' || k, 100, 'PO-' || k FROM generate_series(1, 100) n, unnest(ARRAY['SH', 'GZ']) w, generate_series(1, 50) k;
                INSERT INTO \(inventory).movements (kind, sku, warehouse, lot, quantity, reference, order_ref, shipment)
                SELECT 'issue', 'SKU-' || (1 + n % 100), 'SH', 'L-' || (1 + n % 100) || '-' || (2 + n % 49), -1, (100000 + n)::text, (100000 + n)::text, 'S-' || n
                FROM generate_series(1, \(noise)) n;
                -- The traced lot: SKU-1 L-1-1 in SH, 10,000 units out to as many orders, 5 back.
                INSERT INTO \(inventory).movements (kind, sku, warehouse, lot, quantity, reference, order_ref, shipment)
                SELECT 'issue', 'SKU-1', 'SH', 'L-1-1', -1, n::text, n::text, 'P-' || n FROM generate_series(1, \(orders)) n;
                INSERT INTO \(inventory).movements (kind, sku, warehouse, lot, quantity, reference, order_ref)
                SELECT 'return', 'SKU-1', 'SH', 'L-1-1', 1, 'RMA-' || n, n::text FROM generate_series(1, 5) n;
                INSERT INTO \(ordersSchema).orders (id, platform, shop, external_id, revision, status, currency, prices_include_tax, customer,
                    shipping_fee_minor, merchandise_minor, discount_minor, total_minor, payment, placed_at)
                SELECT n, 'web', 'main', 'W-' || n, 1, 'shipped', 'CNY', true,
                    jsonb_build_object('name', 'Customer ' || n, 'email', 'c' || n || '@example.com'), 0, 2000, 0, 2000, '{}'::jsonb, now()
                FROM generate_series(1, \(orders)) n;
                ANALYZE \(inventory).movements; ANALYZE \(inventory).lots; ANALYZE \(ordersSchema).orders;
                """)
        }
        var times: [Double] = []
        var traced = 0, named = 0
        for _ in 0..<(traces + 3) {
            let start = monotonicSeconds()
            let trace = try await LotTrace.of(lot: "L-1-1", sku: "SKU-1", schema: inventory, pool)
            let customers = try await LotTraceCustomers.of(trace.orders, schema: ordersSchema, pool)
            times.append((monotonicSeconds() - start) * 1000)
            (traced, named) = (trace.orders.count, customers.count)
        }
        times = Array(times.dropFirst(3)).sorted()  // the first three warm the caches
        guard traced == orders, named == orders else {
            throw ValidationError("the trace found \(traced) orders and \(named) customers, not \(orders)")
        }
        print(
            String(
                format:
                    "swift inventory trace: a lot issued to %d orders (shipments, customers from the orders schema) among %d other movements, %d traces: p50 %.0f ms, p99 %.0f ms",
                orders, noise, traces, times[times.count / 2], times[min(times.count - 1, times.count * 99 / 100)]))
        _ = try await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(inventory) CASCADE"))
        _ = try await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(ordersSchema) CASCADE"))
        await pool.close()
    }
}
