import Postgres

extension CRMMigrations {
    /// An order that ships goods free (a repair sent back, a re-send: orders.replacement.placed.v1)
    /// is on the timeline but not a purchase: it counts in no spend, frequency or average.
    static let freeReplacements = PostgresMigration(
        version: 9, name: "free_replacements",
        sql: """
            ALTER TABLE customer_orders ADD COLUMN free_replacement_of bigint;
            """)
}
