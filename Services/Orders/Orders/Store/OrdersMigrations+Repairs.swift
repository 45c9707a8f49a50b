import Postgres

extension OrdersMigrations {
    /// A return of kind `repair` (a customer-service repair ticket): the goods come back to be
    /// repaired; they go back as a free replacement order (the return ends `repaired`, and its
    /// units count as not returned), or are refunded after all.
    static let repairReturns = PostgresMigration(
        version: 13, name: "repair_returns",
        sql: """
            ALTER TABLE returns DROP CONSTRAINT returns_kind_check;
            ALTER TABLE returns ADD CONSTRAINT returns_kind_check
                CHECK (kind IN ('return', 'refund_only', 'return_without_refund', 'repair'));
            ALTER TABLE returns DROP CONSTRAINT returns_status_check;
            ALTER TABLE returns ADD CONSTRAINT returns_status_check
                CHECK (status IN ('approved', 'inspected', 'completed', 'cancelled', 'repaired'));
            """)
}
