import Postgres

extension SagaMigrations {
    static let backorders = PostgresMigration(
        version: 7, name: "backorders",
        sql: """
            -- Orders waiting for stock (their reservation was refused for want of it), oldest first:
            -- whenever stock of a SKU arrives, the oldest order waiting for it is released, and
            -- the next one only once that one is reserved (or cancelled).
            CREATE TABLE backorders (
                order_id bigint PRIMARY KEY,
                skus text[] NOT NULL,
                paid boolean NOT NULL,
                since timestamptz NOT NULL DEFAULT now(),
                -- When it last went (back) on hold.
                waiting_since timestamptz NOT NULL DEFAULT now(),
                -- Set while a released order tries again; cleared when it waits once more.
                released_at timestamptz,
                -- The command that released it: a refusal (the order is no longer on hold) drops it.
                release_request uuid
            );
            CREATE INDEX backorders_skus ON backorders USING gin (skus);
            """)
}
