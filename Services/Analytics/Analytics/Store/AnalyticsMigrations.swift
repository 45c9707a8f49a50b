import Postgres

/// The tables of the analytics job runner (erp-analytics) in the `analytics` schema:
/// what it materialises because a plain view would be too slow. Analysts never read
/// them directly, only through the views (``AnalyticsViewMigrations``).
public enum AnalyticsMigrations {
    public static let all: [PostgresMigration] = [
        PostgresMigration(
            version: 1, name: "stock_snapshots",
            sql: """
                -- The closing stock of each UTC day per SKU and warehouse, taken when the day ends.
                CREATE TABLE stock_snapshots (
                    day date NOT NULL,
                    sku text NOT NULL,
                    warehouse text NOT NULL,
                    on_hand integer NOT NULL,
                    reserved integer NOT NULL,
                    available integer NOT NULL,
                    value_minor bigint,
                    value_currency text,
                    taken_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (day, sku, warehouse)
                );
                CREATE INDEX stock_snapshots_sku ON stock_snapshots (sku, warehouse, day);
                """)
    ]
}
