import Postgres

extension OrdersMigrations {
    static let warehouseShipments = PostgresMigration(
        version: 11, name: "warehouse_shipments",
        sql: """
            -- An order ships in parts: partially_shipped until every line has shipped in full.
            ALTER TABLE orders DROP CONSTRAINT orders_status_check;
            ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('pending_payment', 'paid', 'allocated', 'partially_shipped', 'shipped', 'delivered', 'completed', 'cancelled', 'on_hold', 'split', 'merged', 'return_requested', 'returned', 'partially_returned'));
            ALTER TABLE orders DROP CONSTRAINT orders_held_from_check;
            ALTER TABLE orders ADD CONSTRAINT orders_held_from_check CHECK (held_from IN ('pending_payment', 'paid', 'allocated', 'partially_shipped', 'shipped', 'delivered', 'completed', 'cancelled', 'on_hold', 'split', 'merged', 'return_requested', 'returned', 'partially_returned'));

            -- What the fulfilment reserved, per line and warehouse (orders.allocate.v1): a
            -- shipment may take from a warehouse only what was allocated there.
            CREATE TABLE allocations (
                order_id bigint NOT NULL REFERENCES orders (id),
                line integer NOT NULL,
                warehouse text NOT NULL,
                sku text NOT NULL,
                quantity integer NOT NULL CHECK (quantity > 0),
                allocated_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (order_id, line, warehouse),
                FOREIGN KEY (order_id, line) REFERENCES order_lines (order_id, line)
            );

            -- Where a parcel left from, and what it weighed. (Shipments recorded before this
            -- have no warehouse.)
            ALTER TABLE shipments ADD COLUMN warehouse text;
            ALTER TABLE shipments ADD COLUMN weight_grams integer CHECK (weight_grams > 0);
            """)
}
