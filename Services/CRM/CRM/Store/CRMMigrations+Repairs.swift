import Postgres

extension CRMMigrations {
    /// A repair's or a re-send's lines of its order (what the saga coordinator was asked to
    /// take back or send again), and how a repair ended.
    static let ticketRepairs = PostgresMigration(
        version: 7, name: "ticket_repairs",
        sql: """
            ALTER TABLE tickets ADD COLUMN lines jsonb;
            ALTER TABLE tickets ADD COLUMN repair_outcome text CHECK (repair_outcome IN ('repaired', 'unrepairable'));
            ALTER TABLE tickets ADD CONSTRAINT tickets_lines_of_an_order CHECK (lines IS NULL OR order_id IS NOT NULL);
            """)
}
