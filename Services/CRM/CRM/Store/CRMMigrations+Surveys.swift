import Postgres

extension CRMMigrations {
    /// Satisfaction surveys: one per delivered order, scheduled at its delivery and sent
    /// (or skipped, with the reason) when due; answered once by its token. Orders keep
    /// their SKUs, for reports by SKU.
    static let surveys = PostgresMigration(
        version: 4, name: "surveys",
        sql: """
            CREATE TABLE surveys (
                id bigserial PRIMARY KEY,
                customer bigint NOT NULL REFERENCES customers (id),
                order_id bigint NOT NULL UNIQUE,
                status text NOT NULL CHECK (status IN ('scheduled', 'invited', 'skipped', 'answered')),
                due_at timestamptz NOT NULL,
                token text UNIQUE,
                invited_at timestamptz,
                skip_reason text,
                answered_at timestamptz,
                csat int CHECK (csat BETWEEN 1 AND 5),
                nps int CHECK (nps BETWEEN 0 AND 10),
                comment text,
                source text,
                ticket bigint REFERENCES tickets (id),
                CONSTRAINT surveys_invited_have_tokens CHECK (status NOT IN ('invited', 'answered') OR (token IS NOT NULL AND invited_at IS NOT NULL)),
                CONSTRAINT surveys_answers_have_scores CHECK ((status = 'answered') = (csat IS NOT NULL))
            );
            CREATE INDEX surveys_due ON surveys (due_at) WHERE status = 'scheduled';
            CREATE INDEX surveys_customer ON surveys (customer, invited_at DESC);

            ALTER TABLE customer_orders ADD COLUMN skus text[] NOT NULL DEFAULT '{}';
            """)
}
