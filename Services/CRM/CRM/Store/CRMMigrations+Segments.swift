import Postgres

extension CRMMigrations {
    /// Each active customer's RFM scores and segment (recomputed nightly and by `erpctl crm
    /// segments refresh`), and when the next nightly refresh is due (one row, taken by one
    /// instance at a time).
    static let segments = PostgresMigration(
        version: 8, name: "rfm_segments",
        sql: """
            CREATE TABLE customer_rfm (
                customer bigint PRIMARY KEY REFERENCES customers (id),
                recency_days int NOT NULL CHECK (recency_days >= 0),
                frequency int NOT NULL CHECK (frequency > 0),
                monetary_minor bigint NOT NULL,
                currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
                r smallint NOT NULL CHECK (r BETWEEN 1 AND 5),
                f smallint NOT NULL CHECK (f BETWEEN 1 AND 5),
                m smallint NOT NULL CHECK (m BETWEEN 1 AND 5),
                segment text NOT NULL,
                since timestamptz NOT NULL,
                computed_at timestamptz NOT NULL
            );
            CREATE INDEX customer_rfm_segment ON customer_rfm (segment);

            CREATE TABLE segment_schedule (
                one boolean PRIMARY KEY DEFAULT true CHECK (one),
                due_at timestamptz NOT NULL
            );
            INSERT INTO segment_schedule (due_at) VALUES (date_trunc('day', now()) + interval '1 day 2 hours');
            """)
}
