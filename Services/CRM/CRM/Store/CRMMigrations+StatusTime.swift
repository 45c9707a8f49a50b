import Postgres

extension CRMMigrations {
    /// When the status of an order's copy was set: a status change older than it (arriving late,
    /// through a retry queue or another instance) does not overwrite a newer one.
    static let statusTime = PostgresMigration(
        version: 5, name: "order_status_time",
        sql: """
            ALTER TABLE customer_orders ADD COLUMN status_at timestamptz;
            UPDATE customer_orders SET status_at = updated_at;
            """)
}
