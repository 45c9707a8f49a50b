import Postgres

extension FinanceMigrations {
    /// Platform settlements: each order's id on its platform (to find the orders a payout
    /// report names), and every settlement line booked (once: `source` is the line itself).
    static let settlements = PostgresMigration(
        version: 6, name: "platform_settlements",
        sql: """
            CREATE TABLE order_refs (
                order_id bigint PRIMARY KEY,
                platform text NOT NULL,
                external_id text NOT NULL
            );
            CREATE INDEX order_refs_external ON order_refs (platform, external_id);

            CREATE TABLE settlement_lines (
                id bigserial PRIMARY KEY,
                platform text NOT NULL,
                source text NOT NULL UNIQUE,
                file text NOT NULL,
                file_row integer NOT NULL,
                kind text NOT NULL CHECK (kind IN ('order', 'adjustment')),
                external_id text,
                order_id bigint,
                currency text NOT NULL,
                gross_minor bigint NOT NULL,
                fee_minor bigint NOT NULL,
                refund_minor bigint NOT NULL,
                net_minor bigint NOT NULL,
                payout_date date NOT NULL,
                entry_id bigint REFERENCES journal_entries (id),
                problem text,
                imported_at timestamptz NOT NULL DEFAULT now(),
                CONSTRAINT settlement_lines_add_up CHECK (net_minor = gross_minor - fee_minor - refund_minor)
            );
            CREATE INDEX settlement_lines_order ON settlement_lines (order_id);
            """)
}
