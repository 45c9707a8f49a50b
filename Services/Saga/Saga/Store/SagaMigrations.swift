import Postgres

/// The saga schema: one row per saga with its state; `key` makes two starts for the same
/// business object one saga; `deadline` is the persisted timer the coordinator polls.
public enum SagaMigrations {
    public static let all = [
        PostgresMigration(
            version: 1, name: "instances",
            sql: """
                CREATE TABLE instances (
                    id uuid PRIMARY KEY,
                    type text NOT NULL,
                    key text NOT NULL UNIQUE,
                    status text NOT NULL CHECK (status IN ('waiting', 'completed', 'compensated', 'stuck')),
                    step integer NOT NULL,
                    compensating boolean NOT NULL,
                    state jsonb NOT NULL,
                    request_id uuid,
                    deadline timestamptz,
                    version integer NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    updated_at timestamptz NOT NULL DEFAULT now()
                );
                CREATE UNIQUE INDEX instances_request ON instances (request_id) WHERE request_id IS NOT NULL;
                CREATE INDEX instances_due ON instances (deadline) WHERE status = 'waiting' AND deadline IS NOT NULL;
                CREATE INDEX instances_status ON instances (status, type);
                """),
        PostgresMigration(
            version: 2, name: "orders_seen",
            sql: """
                -- Orders as placed (orders.order.placed.v1), so that a saga can start later, e.g.
                -- when an order on hold for an unknown SKU goes on.
                CREATE TABLE orders_seen (
                    order_id bigint PRIMARY KEY,
                    snapshot jsonb NOT NULL,
                    seen_at timestamptz NOT NULL DEFAULT now()
                );
                """),
        PostgresMigration(
            version: 3, name: "superseded",
            sql: """
                -- A saga whose order was split or merged stops as superseded (the new orders have sagas of their own).
                ALTER TABLE instances DROP CONSTRAINT instances_status_check;
                ALTER TABLE instances ADD CONSTRAINT instances_status_check
                    CHECK (status IN ('waiting', 'completed', 'compensated', 'stuck', 'superseded'));
                """),
        PostgresMigration(
            version: 4, name: "every_wait_has_a_deadline",
            sql: """
                -- Sagas saved before every waiting step had a deadline (fulfilments waiting for a
                -- delivery scan, steps waiting for a reply) get one, in the row and in the state.
                UPDATE instances SET deadline = date_trunc('second', now()) + interval '30 days',
                    state = jsonb_set(state, '{deadline}', to_jsonb(to_char(
                        (date_trunc('second', now()) + interval '30 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')))
                WHERE status = 'waiting' AND deadline IS NULL;
                """),
        PostgresMigration(
            version: 5, name: "key_prefix_index",
            sql: """
                -- The sagas of an order are found by key prefix ('order:12:'), as each of its events comes.
                CREATE INDEX instances_waiting_key_prefix ON instances (key text_pattern_ops) WHERE status = 'waiting';
                """),
        PostgresMigration(
            version: 6, name: "history_table",
            sql: """
                -- A saga's step history, one row per entry, only ever appended. Kept inside the
                -- state, it was read, compressed and written again at every step. (Sagas are never
                -- deleted, so no foreign key is checked at each entry.)
                CREATE TABLE history (
                    saga_id uuid NOT NULL,
                    seq bigserial NOT NULL,
                    at timestamptz NOT NULL,
                    step text NOT NULL,
                    what text NOT NULL,
                    PRIMARY KEY (saga_id, seq)
                );
                INSERT INTO history (saga_id, at, step, what)
                SELECT i.id, (e.entry->>'at')::timestamptz, e.entry->>'step', e.entry->>'what'
                FROM instances i CROSS JOIN LATERAL jsonb_array_elements(i.state->'history') WITH ORDINALITY AS e (entry, n)
                ORDER BY i.created_at, i.id, e.n;
                UPDATE instances SET state = state - 'history' WHERE state ? 'history';
                """),
        backorders,
        warehouseShipments,
        arrivalsWhileTrying,
        unclaimedOrderEvents,
    ]
}
