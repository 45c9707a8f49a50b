import Postgres

extension OrdersMigrations {
    static let amendments = PostgresMigration(
        version: 12, name: "amendments",
        sql: """
            -- A change of an order's lines waits here until it is carried through (reserved,
            -- applied, reinvoiced) or refused; one at a time per order.
            CREATE TABLE amendments (
                id bigserial PRIMARY KEY,
                order_id bigint NOT NULL REFERENCES orders (id),
                what text NOT NULL,
                actor text NOT NULL,
                lines jsonb NOT NULL,
                previous jsonb NOT NULL,
                total_minor bigint NOT NULL,
                previous_total_minor bigint NOT NULL,
                -- A platform revision that also says the order is paid: it becomes paid once the lines apply.
                then_paid boolean NOT NULL DEFAULT false,
                status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'refused')),
                reason text,
                invoice text,
                open_minor bigint,
                requested_at timestamptz NOT NULL DEFAULT now(),
                decided_at timestamptz
            );
            CREATE UNIQUE INDEX amendments_one_pending ON amendments (order_id) WHERE status = 'pending';
            CREATE INDEX amendments_order ON amendments (order_id);
            """)
}
