import Postgres

/// The orders schema. (platform, shop, external id) is unique: one order forever. Every
/// state an order takes is in `status_history`; every platform message that was not taken
/// is in `quarantine` with its raw body and the reason. Every migration is literal SQL,
/// frozen once shipped (`FrozenMigrationsTests`): a new order status is a new migration.
public enum OrdersMigrations {

    public static let all = [
        PostgresMigration(
            version: 1, name: "orders",
            sql: """
                -- SKUs as the catalog publishes them (catalog.sku.changed.v1).
                CREATE TABLE skus (
                    code text PRIMARY KEY,
                    product text NOT NULL,
                    title text NOT NULL,
                    price_minor bigint,
                    currency text,
                    tax_category text NOT NULL,
                    active boolean NOT NULL,
                    updated_at timestamptz NOT NULL DEFAULT now()
                );

                CREATE TABLE orders (
                    id bigserial PRIMARY KEY,
                    platform text NOT NULL,
                    shop text NOT NULL,
                    external_id text NOT NULL,
                    revision bigint NOT NULL,
                    status text NOT NULL CHECK (status IN ('pending_payment', 'paid', 'allocated', 'shipped', 'delivered', 'completed', 'cancelled', 'on_hold', 'split', 'merged', 'return_requested', 'returned')),
                    hold_reason text,
                    held_from text CHECK (held_from IN ('pending_payment', 'paid', 'allocated', 'shipped', 'delivered', 'completed', 'cancelled', 'on_hold', 'split', 'merged', 'return_requested', 'returned')),
                    attention text,
                    currency text NOT NULL,
                    prices_include_tax boolean NOT NULL,
                    customer jsonb,
                    shipping_address jsonb,
                    shipping_method text,
                    shipping_fee_minor bigint NOT NULL CHECK (shipping_fee_minor >= 0),
                    merchandise_minor bigint NOT NULL,
                    discount_minor bigint NOT NULL,
                    total_minor bigint NOT NULL,
                    payment jsonb NOT NULL,
                    note text,
                    placed_at timestamptz NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    updated_at timestamptz NOT NULL DEFAULT now(),
                    repeats integer NOT NULL DEFAULT 0,
                    CONSTRAINT orders_one_per_platform_order UNIQUE (platform, shop, external_id),
                    CONSTRAINT orders_total_adds_up CHECK (total_minor = merchandise_minor + shipping_fee_minor),
                    CONSTRAINT orders_on_hold_has_reason CHECK ((status = 'on_hold') = (hold_reason IS NOT NULL))
                );
                CREATE INDEX orders_status ON orders (status);
                CREATE INDEX orders_placed_at ON orders (placed_at);

                CREATE TABLE order_lines (
                    order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
                    line integer NOT NULL,
                    sku text NOT NULL,
                    title text,
                    quantity integer NOT NULL CHECK (quantity > 0),
                    unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
                    discount_minor bigint NOT NULL CHECK (discount_minor >= 0),
                    total_minor bigint NOT NULL,
                    PRIMARY KEY (order_id, line),
                    CONSTRAINT order_lines_total_adds_up CHECK (total_minor = quantity * unit_price_minor - discount_minor AND total_minor >= 0)
                );
                CREATE INDEX order_lines_sku ON order_lines (sku);

                CREATE TABLE status_history (
                    id bigserial PRIMARY KEY,
                    order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
                    from_status text,
                    to_status text NOT NULL,
                    reason text NOT NULL,
                    actor text NOT NULL,
                    at timestamptz NOT NULL DEFAULT now()
                );
                CREATE INDEX status_history_order ON status_history (order_id, id);

                CREATE TABLE quarantine (
                    id bigserial PRIMARY KEY,
                    received_at timestamptz NOT NULL DEFAULT now(),
                    exchange text NOT NULL,
                    routing_key text NOT NULL,
                    message_id text,
                    signature text,
                    shop_header text,
                    body bytea NOT NULL,
                    code text NOT NULL,
                    reason text NOT NULL,
                    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'retried')),
                    attempts integer NOT NULL DEFAULT 1,
                    retried_at timestamptz,
                    order_id bigint REFERENCES orders (id)
                );
                CREATE INDEX quarantine_open ON quarantine (id) WHERE status = 'open';
                """),
        shipments,
        changes,
        links,
        returns,
        exchanges,
        paymentsFromFinance,
        partialExchangeIndex,
        quarantineBytes,
        tracking,
        warehouseShipments,
        amendments,
        repairReturns,
        quarantineOnce,
    ]
}
