import Postgres

extension InventoryMigrations {
    static let quarantineCost = PostgresMigration(
        version: 3, name: "quarantine_cost",
        sql: """
            -- Quarantined units keep the cost they left the books at, so that finance can carry
            -- them as returned goods awaiting inspection and write them off or restock them at it.
            ALTER TABLE quarantine ADD COLUMN unit_cost_minor bigint, ADD COLUMN currency text;
            UPDATE quarantine q SET unit_cost_minor = l.unit_cost_minor, currency = l.currency
            FROM lots l WHERE l.sku = q.sku AND l.warehouse = q.warehouse AND l.lot = q.lot;
            """)
}
