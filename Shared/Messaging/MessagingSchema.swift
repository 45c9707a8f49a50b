import Postgres

/// The messaging tables every service schema has: `outbox` (messages to publish, written
/// in the same transaction as the state change, deleted once published) and `inbox` (ids of messages handled,
/// inserted in the same transaction as their effects). Applied as migration component
/// `messaging` of the service's schema.
public enum MessagingSchema {
    public static let component = "messaging"

    public static func migrations(schema: String) -> [PostgresMigration] {
        [
            PostgresMigration(
                version: 1, name: "outbox_inbox",
                sql: """
                    CREATE TABLE outbox (
                        seq bigserial PRIMARY KEY,
                        message_id uuid NOT NULL UNIQUE,
                        exchange text NOT NULL,
                        routing_key text NOT NULL,
                        message_type text NOT NULL,
                        correlation_id text,
                        causation_id text,
                        schema_version int NOT NULL,
                        occurred_at timestamptz NOT NULL,
                        source text NOT NULL,
                        payload bytea NOT NULL,
                        created_at timestamptz NOT NULL DEFAULT now(),
                        sent_at timestamptz
                    );
                    CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL;
                    CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL;

                    CREATE TABLE inbox (
                        message_id uuid PRIMARY KEY,
                        message_type text NOT NULL,
                        received_at timestamptz NOT NULL DEFAULT now()
                    );
                    CREATE INDEX inbox_received_at ON inbox (received_at);

                    CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        PERFORM pg_notify('erp_outbox_' || TG_TABLE_SCHEMA, '');
                        RETURN NULL;
                    END $$;
                    CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
                        FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
                    """,
                // It named the schema's channel in the text, so each schema had its own text.
                supersedes: [outboxInboxAsFirstShipped(schema: schema)]),
            PostgresMigration(
                version: 2, name: "reply_to_and_refusals",
                sql: """
                    ALTER TABLE outbox ADD COLUMN reply_to text;

                    -- Commands the service refused for a business reason, kept with that reason
                    -- (their effects were rolled back; the sender, if waiting, was told).
                    CREATE TABLE command_refusals (
                        message_id uuid PRIMARY KEY,
                        message_type text NOT NULL,
                        correlation_id text,
                        code text NOT NULL,
                        reason text NOT NULL,
                        payload bytea NOT NULL,
                        refused_at timestamptz NOT NULL DEFAULT now()
                    );
                    CREATE INDEX command_refusals_refused_at ON command_refusals (refused_at);
                    """),
            PostgresMigration(
                version: 3, name: "outbox_holds_unsent_rows_only",
                sql: """
                    -- The relay deletes a row once the broker confirmed it (the consumers' inboxes and
                    -- the broker keep the message): every row is unsent, read in seq order through
                    -- the primary key. Marking rows sent updated three indexes per message.
                    DELETE FROM outbox WHERE sent_at IS NOT NULL;
                    DROP INDEX outbox_unsent;
                    DROP INDEX outbox_sent_at;
                    ALTER TABLE outbox DROP COLUMN sent_at;
                    """),
            PostgresMigration(
                version: 4, name: "outbox_notify_unless_handed_off",
                sql: """
                    -- A consumer hands the rows it wrote to its own process's relay after the commit
                    -- (and says so with erp.outbox_handed_off): no relay needs waking for them.
                    CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF current_setting('erp.outbox_handed_off', true) = 'on' THEN
                            RETURN NULL;
                        END IF;
                        PERFORM pg_notify('erp_outbox_' || TG_TABLE_SCHEMA, '');
                        RETURN NULL;
                    END $$;
                    """),
        ]
    }

    /// The `LISTEN` channel the outbox trigger notifies on (`'erp_outbox_' || TG_TABLE_SCHEMA`
    /// in the trigger).
    public static func notifyChannel(schema: String) -> String { "erp_outbox_\(schema)" }

    /// Creates or updates the messaging tables in `schema`.
    public static func migrate(schema: String, pool: PostgresPool) async throws {
        try await PostgresMigrator(schema: schema, component: component, migrations: migrations(schema: schema)).migrate(pool)
    }

    /// Migration 1 as it shipped, with the schema's channel written into the trigger: its
    /// checksum, recorded by schemas migrated then, is still accepted.
    static func outboxInboxAsFirstShipped(schema: String) -> String {
        let channel = "'" + notifyChannel(schema: schema).replacingOccurrences(of: "'", with: "''") + "'"
        return """
            CREATE TABLE outbox (
                seq bigserial PRIMARY KEY,
                message_id uuid NOT NULL UNIQUE,
                exchange text NOT NULL,
                routing_key text NOT NULL,
                message_type text NOT NULL,
                correlation_id text,
                causation_id text,
                schema_version int NOT NULL,
                occurred_at timestamptz NOT NULL,
                source text NOT NULL,
                payload bytea NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                sent_at timestamptz
            );
            CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL;
            CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL;

            CREATE TABLE inbox (
                message_id uuid PRIMARY KEY,
                message_type text NOT NULL,
                received_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX inbox_received_at ON inbox (received_at);

            CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify(\(channel), '');
                RETURN NULL;
            END $$;
            CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
                FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
            """
    }
}
