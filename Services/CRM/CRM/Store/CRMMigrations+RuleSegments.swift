import Postgres

extension CRMMigrations {
    /// Segments defined by a rule (`erpctl crm segment define`), and their members as of the
    /// last refresh (nightly with the RFM scores, at once when defined, and on `segments refresh`).
    static let ruleSegments = PostgresMigration(
        version: 11, name: "rule_segments",
        sql: """
            CREATE TABLE rule_segments (
                name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
                rule jsonb NOT NULL,
                defined_by text NOT NULL,
                defined_at timestamptz NOT NULL DEFAULT now(),
                refreshed_at timestamptz
            );
            CREATE TABLE rule_segment_members (
                segment text NOT NULL REFERENCES rule_segments (name) ON DELETE CASCADE,
                customer bigint NOT NULL REFERENCES customers (id),
                since timestamptz NOT NULL,
                PRIMARY KEY (segment, customer)
            );
            CREATE INDEX rule_segment_members_customer ON rule_segment_members (customer);
            """)
}
