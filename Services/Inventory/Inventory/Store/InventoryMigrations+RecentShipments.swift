import Postgres

extension InventoryMigrations {
    /// The shipments of a period by time, whatever the SKU: what the analysts' stock health and
    /// reorder suggestions read (units shipped in the last 28 and 90 days), a range of this
    /// index instead of every shipment ever made.
    static let recentShipments = PostgresMigration(
        version: 6, name: "shipments_by_time",
        sql: """
            CREATE INDEX movements_issued_at ON movements (occurred_at) WHERE kind = 'issue';
            """)
}
