import Postgres

extension InventoryMigrations {
    /// Lot trace and recall: issues name their order and shipment, returns their order (older
    /// issues name their order as the reference), a lot's movements are found by its code, and
    /// recalled lots are kept (never issued or transferred again).
    static let lotTrace = PostgresMigration(
        version: 8, name: "lot_trace_recall",
        sql: """
            ALTER TABLE movements ADD COLUMN order_ref text, ADD COLUMN shipment text;
            CREATE INDEX movements_lot ON movements (lot, sku) WHERE lot IS NOT NULL;

            CREATE TABLE recalled_lots (
                sku text NOT NULL,
                lot text NOT NULL,
                reason text NOT NULL,
                recalled_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (sku, lot)
            );
            """)
}
