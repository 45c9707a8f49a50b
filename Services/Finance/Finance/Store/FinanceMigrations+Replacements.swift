import Postgres

extension FinanceMigrations {
    /// Goods sent free (a repair's return shipment, a re-send of a lost or damaged parcel) are
    /// a cost of the business, not of a sale: their cost of goods goes to 5200.
    static let freeReplacements = PostgresMigration(
        version: 3, name: "free_replacements",
        sql: """
            INSERT INTO accounts (code, name, type) VALUES
                ('5200', 'Free replacements (repairs sent back, re-sends)', 'expense')
            ON CONFLICT (code) DO NOTHING;

            -- The orders that ship free replacements (orders.replacement.placed.v1).
            CREATE TABLE free_replacements (
                order_id bigint PRIMARY KEY,
                replaces bigint NOT NULL,
                kind text NOT NULL CHECK (kind IN ('repair', 'resend')),
                reference text NOT NULL,
                recorded_at timestamptz NOT NULL DEFAULT now()
            );
            """)
}
