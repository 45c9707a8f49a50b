import Postgres

extension OrdersMigrations {
    static let shipments = PostgresMigration(
        version: 2, name: "shipments",
        sql: """
            CREATE TABLE shipments (
                id text NOT NULL,
                order_id bigint NOT NULL REFERENCES orders (id),
                carrier text NOT NULL,
                tracking_number text NOT NULL,
                shipped_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (order_id, id)
            );
            CREATE TABLE shipment_lines (
                order_id bigint NOT NULL,
                shipment text NOT NULL,
                line integer NOT NULL,
                quantity integer NOT NULL CHECK (quantity > 0),
                PRIMARY KEY (order_id, shipment, line),
                FOREIGN KEY (order_id, shipment) REFERENCES shipments (order_id, id),
                FOREIGN KEY (order_id, line) REFERENCES order_lines (order_id, line)
            );
            """)

    static let changes = PostgresMigration(
        version: 3, name: "changes",
        sql: """
            -- Every change to an order besides its status (which is in status_history): what, the
            -- order as it then stood, who, when.
            CREATE TABLE order_changes (
                id bigserial PRIMARY KEY,
                order_id bigint NOT NULL REFERENCES orders (id),
                what text[] NOT NULL,
                snapshot jsonb NOT NULL,
                actor text NOT NULL,
                at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX order_changes_order ON order_changes (order_id, id);
            """)
}

extension OrdersMigrations {
    static let links = PostgresMigration(
        version: 4, name: "links",
        sql: """
            -- A split's children point at their parent; a merge's sources at the order they went into.
            ALTER TABLE orders ADD COLUMN parent_id bigint REFERENCES orders (id);
            ALTER TABLE orders ADD COLUMN merged_into bigint REFERENCES orders (id);
            -- What a split order was before (status, hold reason, held from), to restore it exactly if the split is undone.
            ALTER TABLE orders ADD COLUMN before_link jsonb;
            CREATE INDEX orders_parent ON orders (parent_id) WHERE parent_id IS NOT NULL;
            CREATE INDEX orders_merged_into ON orders (merged_into) WHERE merged_into IS NOT NULL;
            """)
}

extension OrdersMigrations {
    static let returns = PostgresMigration(
        version: 5, name: "returns",
        sql: """
            ALTER TABLE orders DROP CONSTRAINT orders_status_check;
            ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('pending_payment', 'paid', 'allocated', 'shipped', 'delivered', 'completed', 'cancelled', 'on_hold', 'split', 'merged', 'return_requested', 'returned', 'partially_returned'));
            ALTER TABLE orders DROP CONSTRAINT orders_held_from_check;
            ALTER TABLE orders ADD CONSTRAINT orders_held_from_check CHECK (held_from IN ('pending_payment', 'paid', 'allocated', 'shipped', 'delivered', 'completed', 'cancelled', 'on_hold', 'split', 'merged', 'return_requested', 'returned', 'partially_returned'));
            -- A SKU of a product tagged final-sale is not returnable.
            ALTER TABLE skus ADD COLUMN returnable boolean NOT NULL DEFAULT true;

            -- Returns (RMA): approved when requested (a refused request is not kept here but in
            -- command_refusals), inspected when the goods came back, completed when refunded.
            CREATE TABLE returns (
                rma text PRIMARY KEY,
                order_id bigint NOT NULL REFERENCES orders (id),
                kind text NOT NULL CHECK (kind IN ('return', 'refund_only', 'return_without_refund')),
                status text NOT NULL CHECK (status IN ('approved', 'inspected', 'completed', 'cancelled')),
                reason text NOT NULL,
                previous_status text NOT NULL,
                refund_minor bigint NOT NULL CHECK (refund_minor >= 0),
                requested_at timestamptz NOT NULL DEFAULT now(),
                inspected_at timestamptz,
                closed_at timestamptz
            );
            CREATE INDEX returns_order ON returns (order_id);
            CREATE TABLE return_lines (
                rma text NOT NULL REFERENCES returns (rma),
                line integer NOT NULL,
                sku text NOT NULL,
                quantity integer NOT NULL CHECK (quantity > 0),
                refund_minor bigint NOT NULL CHECK (refund_minor >= 0),
                sellable integer NOT NULL DEFAULT 0 CHECK (sellable >= 0),
                damaged integer NOT NULL DEFAULT 0 CHECK (damaged >= 0),
                PRIMARY KEY (rma, line),
                CHECK (sellable + damaged <= quantity)
            );
            """)
}

extension OrdersMigrations {
    static let exchanges = PostgresMigration(
        version: 6, name: "exchanges",
        sql: """
            -- What finance reported paid, so that an order becomes paid when it is paid in full.
            ALTER TABLE orders ADD COLUMN paid_minor bigint NOT NULL DEFAULT 0;
            -- An exchange's replacement order: the order and the return it replaces units of.
            ALTER TABLE orders ADD COLUMN exchange_for bigint REFERENCES orders (id);
            ALTER TABLE orders ADD COLUMN exchange_rma text UNIQUE;
            """)
}

extension OrdersMigrations {
    static let paymentsFromFinance = PostgresMigration(
        version: 7, name: "payments_from_finance",
        sql: """
            -- Whether an order is paid in full comes from finance's open amount on each payment
            -- event, not from a count of payments kept here as well.
            ALTER TABLE orders DROP COLUMN paid_minor;
            """)
}

extension OrdersMigrations {
    static let partialExchangeIndex = PostgresMigration(
        version: 8, name: "partial_exchange_index",
        sql: """
            -- Only replacement orders have an RMA: a unique index over every order took a NULL
            -- entry at each status change (which writes a new row version into every index).
            ALTER TABLE orders DROP CONSTRAINT orders_exchange_rma_key;
            CREATE UNIQUE INDEX orders_exchange_rma ON orders (exchange_rma) WHERE exchange_rma IS NOT NULL;
            """)
}
