import Postgres

/// The crm schema. A customer profile is one person across platforms and shops, found by
/// its contact keys (normalised email, E.164 phone, platform customer id), each linked to
/// exactly one live profile. A merged profile keeps its row with `merged_into`; everything
/// that pointed to it points to the survivor. Orders are copied from the orders service's
/// events (amounts in minor units with their currency), so purchase history never needs a
/// query across schemas.
public enum CRMMigrations {
    public static let all = [
        customersAndTimeline, consentAndForgetting, tickets, surveys, statusTime, quarantine, ticketRepairs, segments, freeReplacements,
        notifications, ruleSegments, recommendations, operationsRules, quarantineOnce,
    ]

    static let customersAndTimeline =
        PostgresMigration(
            version: 1, name: "customers_timeline",
            sql: """
                CREATE TABLE customers (
                    id bigserial PRIMARY KEY,
                    display_name text,
                    language text,
                    tags text[] NOT NULL DEFAULT '{}',
                    created_at timestamptz NOT NULL DEFAULT now(),
                    updated_at timestamptz NOT NULL DEFAULT now(),
                    merged_into bigint REFERENCES customers (id),
                    merged_at timestamptz,
                    merge_reason text,
                    forgotten_at timestamptz,
                    CONSTRAINT customers_not_merged_into_itself CHECK (merged_into IS NULL OR merged_into <> id),
                    CONSTRAINT customers_merge_has_reason CHECK ((merged_into IS NULL) = (merge_reason IS NULL))
                );
                CREATE INDEX customers_merged_into ON customers (merged_into) WHERE merged_into IS NOT NULL;

                -- Each key belongs to one live profile: the identity of a person.
                CREATE TABLE customer_keys (
                    kind text NOT NULL CHECK (kind IN ('email', 'phone', 'platform')),
                    value text NOT NULL CHECK (value <> ''),
                    customer bigint NOT NULL REFERENCES customers (id),
                    source text NOT NULL,
                    first_seen timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (kind, value)
                );
                CREATE INDEX customer_keys_customer ON customer_keys (customer);

                -- Names and addresses as seen, deduplicated; the most recent is the primary one.
                CREATE TABLE customer_names (
                    customer bigint NOT NULL REFERENCES customers (id),
                    name text NOT NULL CHECK (name <> ''),
                    last_seen timestamptz NOT NULL,
                    PRIMARY KEY (customer, name)
                );
                CREATE TABLE customer_addresses (
                    customer bigint NOT NULL REFERENCES customers (id),
                    fingerprint text NOT NULL,
                    address jsonb NOT NULL,
                    last_seen timestamptz NOT NULL,
                    PRIMARY KEY (customer, fingerprint)
                );

                -- The orders a customer placed, as the orders service announced them.
                CREATE TABLE customer_orders (
                    order_id bigint PRIMARY KEY,
                    customer bigint NOT NULL REFERENCES customers (id),
                    platform text NOT NULL,
                    shop text NOT NULL,
                    external_id text NOT NULL,
                    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
                    total_minor bigint NOT NULL CHECK (total_minor >= 0),
                    refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
                    returns int NOT NULL DEFAULT 0 CHECK (returns >= 0),
                    status text NOT NULL,
                    placed_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL DEFAULT now()
                );
                CREATE INDEX customer_orders_customer ON customer_orders (customer, placed_at DESC);
                CREATE INDEX customer_orders_external ON customer_orders (external_id);

                -- Every contact with a customer, newest first by (at, id).
                CREATE TABLE timeline (
                    id bigserial PRIMARY KEY,
                    customer bigint NOT NULL REFERENCES customers (id),
                    at timestamptz NOT NULL,
                    kind text NOT NULL,
                    summary text NOT NULL,
                    order_id bigint,
                    channel text,
                    direction text CHECK (direction IN ('in', 'out')),
                    actor text,
                    -- The message that wrote it: an event is on the timeline once per order.
                    source_message uuid
                );
                CREATE UNIQUE INDEX timeline_once ON timeline (source_message, kind, coalesce(order_id, 0)) WHERE source_message IS NOT NULL;
                CREATE INDEX timeline_customer ON timeline (customer, at DESC, id DESC);
                CREATE INDEX timeline_order ON timeline (order_id) WHERE order_id IS NOT NULL;

                -- Events about an order whose placing has not arrived yet (another instance
                -- took it, or it was placed before CRM ran): attached when it comes.
                CREATE TABLE waiting_order_events (
                    id bigserial PRIMARY KEY,
                    order_id bigint NOT NULL,
                    at timestamptz NOT NULL,
                    kind text NOT NULL,
                    summary text NOT NULL,
                    status text,
                    refunded_minor bigint NOT NULL DEFAULT 0,
                    returns int NOT NULL DEFAULT 0,
                    source_message uuid,
                    UNIQUE (source_message, kind, order_id)
                );
                CREATE INDEX waiting_order_events_order ON waiting_order_events (order_id);

                -- When the CRM began to follow orders: those placed since are all on a profile.
                CREATE TABLE since (installed_at timestamptz NOT NULL DEFAULT now());
                INSERT INTO since DEFAULT VALUES;

                CREATE TABLE merges (
                    id bigserial PRIMARY KEY,
                    absorbed bigint NOT NULL REFERENCES customers (id),
                    survivor bigint NOT NULL REFERENCES customers (id),
                    reason text NOT NULL,
                    actor text NOT NULL,
                    at timestamptz NOT NULL DEFAULT now()
                );
                """)
}
