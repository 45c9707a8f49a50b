import Postgres

extension InventoryMigrations {
    static let availabilityTold = PostgresMigration(
        version: 5, name: "availability_told",
        sql: """
            -- What the other services were last told of each SKU's availability
            -- (inventory.stock.availability.v1): its available units summed over every
            -- warehouse, as of the last time it came into stock or went out of it.
            CREATE TABLE availability_told (
                sku text PRIMARY KEY,
                available integer NOT NULL,
                told_at timestamptz NOT NULL DEFAULT now()
            );
            """)
}
