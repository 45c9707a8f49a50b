import Postgres

extension InventoryMigrations {
    static let outboundLevels = PostgresMigration(
        version: 4, name: "outbound_levels",
        sql: """
            -- The stock level each platform was last told (inventory.level on erp.outbound), per
            -- SKU, and for Shopify per location (the warehouse; '' for the canonical platforms,
            -- which are told the sum over the warehouses that serve them). A level is sent again
            -- only when it differs from this.
            CREATE TABLE outbound_levels (
                platform text NOT NULL,
                sku text NOT NULL,
                location text NOT NULL DEFAULT '',
                available integer NOT NULL,
                sent_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (platform, sku, location)
            );
            """)
}
