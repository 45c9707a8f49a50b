import Postgres

extension CRMMigrations {
    /// Marketing consent per channel, as a history of who said what when (the latest
    /// statement wins); and the record of who asked for a person to be forgotten.
    static let consentAndForgetting = PostgresMigration(
        version: 2, name: "consent_and_forgetting",
        sql: """
            CREATE TABLE consent_changes (
                id bigserial PRIMARY KEY,
                customer bigint NOT NULL REFERENCES customers (id),
                channel text NOT NULL CHECK (channel IN ('email', 'sms', 'phone', 'messaging_app')),
                opted_in boolean NOT NULL,
                at timestamptz NOT NULL,
                source text NOT NULL CHECK (source <> ''),
                actor text NOT NULL,
                recorded_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX consent_changes_current ON consent_changes (customer, channel, at DESC, id DESC);

            -- Who asked for a person to be forgotten, when and why, and which orders were erased.
            CREATE TABLE forget_requests (
                id bigserial PRIMARY KEY,
                customer bigint NOT NULL REFERENCES customers (id),
                pseudonym text NOT NULL,
                reason text NOT NULL,
                actor text NOT NULL,
                orders bigint[] NOT NULL,
                at timestamptz NOT NULL DEFAULT now()
            );
            """)
}
