import Contracts
import Postgres

/// The documented views of the `analytics` schema, the analysts' interface: stable columns,
/// each with a `COMMENT` (docs/analytics.md is made from them). A breaking change is a new
/// view (`orders_v2`) in a new migration, never an edit.
///
/// They are applied by `erpctl migrate` as the database owner, after every service's own
/// migrations (they read their tables): each migration first grants the views' owner
/// (`erp_analytics`) read access to exactly the tables it uses, as the database owner, a
/// member of every service's role; then it creates the views as `erp_analytics`, so that they
/// run with its rights, and lets `erp_analyst` read them. A view's columns come from the
/// services' tables: a service migration that drops or retypes such a column fails until the
/// view that reads it is replaced.
public enum AnalyticsViewMigrations {
    public static let component = "views"

    /// Every view an analyst may read.
    public static let views = [
        "orders", "order_lines", "returns", "sales_daily", "sales_daily_totals", "stock_daily", "stock_movements", "inventory_health", "journal",
        "pnl_monthly",
        "cash_flow_monthly", "cash_flow_monthly_v2", "exchange_rates", "sales_daily_base", "ar_ageing", "ap_ageing", "customers", "cohorts_monthly",
        "forecast_weekly", "reorder_suggestions", "saved_reports",
    ]

    static let grants = """
        -- As the database owner: the views' owner may read exactly the tables below.
        RESET ROLE;
        GRANT USAGE ON SCHEMA {orders}, {catalog}, {inventory}, {finance}, {crm} TO {owner};
        GRANT SELECT ON {orders}.orders, {orders}.order_lines, {orders}.status_history, {orders}.returns, {orders}.return_lines, {orders}.skus TO {owner};
        GRANT SELECT ON {catalog}.skus, {catalog}.products TO {owner};
        GRANT SELECT ON {inventory}.stock, {inventory}.lots, {inventory}.movements TO {owner};
        GRANT SELECT ON {finance}.invoices, {finance}.invoice_lines, {finance}.cost_lines, {finance}.journal_entries, {finance}.journal_lines,
            {finance}.accounts, {finance}.open_items TO {owner};
        GRANT SELECT ON {crm}.customers, {crm}.customer_orders, {crm}.customer_rfm TO {owner};
        -- The views belong to the owner and run with its rights.
        SET LOCAL ROLE {owner};

        """

    static let analystGrants = """

        GRANT USAGE ON SCHEMA {analytics} TO {analyst};
        GRANT SELECT ON {analytics}.orders, {analytics}.order_lines, {analytics}.returns, {analytics}.sales_daily, {analytics}.stock_daily,
            {analytics}.stock_movements, {analytics}.inventory_health, {analytics}.journal, {analytics}.pnl_monthly, {analytics}.cash_flow_monthly,
            {analytics}.ar_ageing, {analytics}.ap_ageing, {analytics}.customers, {analytics}.cohorts_monthly TO {analyst};
        """

    public static func all(_ schemas: AnalyticsSchemas = AnalyticsSchemas()) -> [PostgresMigration] {
        [
            PostgresMigration(
                version: 1, name: "documented_views",
                sql: schemas.substitute(
                    grants + SalesViews.sql + "\n\n" + InventoryViews.sql + "\n\n" + FinanceViews.sql + "\n\n" + CustomerViews.sql + "\n"
                        + analystGrants)),
            PostgresMigration(version: 2, name: "forecast_and_reorder_views", sql: schemas.substitute(ForecastViews.grants + ForecastViews.sql)),
            PostgresMigration(version: 3, name: "saved_reports_view", sql: schemas.substitute(ReportViews.sql)),
            PostgresMigration(version: 4, name: "refreshed_sales_and_faster_stock_health", sql: schemas.substitute(RefreshedViews.sql)),
            PostgresMigration(version: 5, name: "kept_customers_cohorts_and_books", sql: schemas.substitute(KeptViews.sql)),
            PostgresMigration(version: 6, name: "reorder_suggestions_once", sql: schemas.substitute(ReorderViewV2.sql)),
            PostgresMigration(version: 7, name: "sales_daily_totals", sql: schemas.substitute(SalesTotalsView.sql)),
            PostgresMigration(
                version: 8, name: "reorder_suggestions_with_purchase_orders", sql: schemas.substitute(ReorderViewV3.grants + ReorderViewV3.sql)),
            PostgresMigration(version: 9, name: "cash_flow_monthly_v2", sql: schemas.substitute(CashFlowViewV2.sql)),
            PostgresMigration(
                version: 10, name: "exchange_rates_and_sales_in_base_currency",
                sql: schemas.substitute(BaseCurrencyViews.grants + BaseCurrencyViews.sql)),
        ]
    }

    /// Applies the job runner's tables, then the views, and records the currencies with
    /// `baseCurrency` as the base (the one finance's exchange rates convert into): as the
    /// database owner only.
    @discardableResult
    public static func migrate(_ schemas: AnalyticsSchemas = AnalyticsSchemas(), pool: PostgresPool, baseCurrency: Currency = .cny) async throws
        -> (tables: [Int], views: [Int])
    {
        let tables = try await PostgresMigrator(schema: schemas.analytics, migrations: AnalyticsMigrations.all).migrate(pool)
        let views = try await PostgresMigrator(schema: schemas.analytics, component: component, migrations: all(schemas)).migrate(pool)
        try await recordCurrencies(schemas, base: baseCurrency, pool: pool)
        return (tables, views)
    }

    /// Writes `Currency.known` and the base currency into `analytics.currencies` (the database
    /// owner is a member of the schema's owner, `erp_analytics`).
    static func recordCurrencies(_ schemas: AnalyticsSchemas, base: Currency, pool: PostgresPool) async throws {
        let known = Currency.known.sorted { $0.key < $1.key }
        try await pool.withTransaction { tx in
            let table = "\(PostgresQuery.quoteIdentifier(schemas.analytics)).currencies"
            try await tx.query(PostgresQuery(unsafeSQL: "UPDATE \(table) SET base = false WHERE base AND code <> $1", binds: [base.code]))
            try await tx.query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO \(table) (code, minor_unit_digits, base)
                        SELECT code, digits, code = $3 FROM unnest($1::text[], $2::int[]) AS known (code, digits)
                        ON CONFLICT (code) DO UPDATE SET minor_unit_digits = excluded.minor_unit_digits, base = excluded.base
                        """, binds: [known.map(\.key), known.map(\.value), base.code]))
        }
    }
}
