import Postgres

extension InventoryMigrations {
    /// Suppliers, what each sells of a SKU and on what terms, and purchase orders with their
    /// lines. A purchase request is covered by at most one live order (`purchase_order`,
    /// cleared again when that order is cancelled).
    static let purchasing = PostgresMigration(
        version: 7, name: "purchasing",
        sql: """
            CREATE TABLE suppliers (
                code text PRIMARY KEY,
                name text NOT NULL,
                contact text,
                email text,
                currency text NOT NULL,
                payment_terms_days integer NOT NULL CHECK (payment_terms_days BETWEEN 0 AND 365),
                active boolean NOT NULL DEFAULT true,
                created_at timestamptz NOT NULL DEFAULT now()
            );

            CREATE TABLE supplier_items (
                supplier text NOT NULL REFERENCES suppliers (code),
                sku text NOT NULL,
                lead_time_days integer NOT NULL CHECK (lead_time_days BETWEEN 0 AND 365),
                minimum_order integer NOT NULL CHECK (minimum_order >= 1),
                pack_size integer NOT NULL CHECK (pack_size >= 1),
                last_price_minor bigint CHECK (last_price_minor >= 0),
                preferred boolean NOT NULL DEFAULT false,
                PRIMARY KEY (supplier, sku)
            );
            -- One preferred supplier per SKU, enforced by the database.
            CREATE UNIQUE INDEX supplier_items_one_preferred ON supplier_items (sku) WHERE preferred;

            CREATE TABLE purchase_orders (
                id bigserial PRIMARY KEY,
                number text NOT NULL UNIQUE,
                supplier text NOT NULL REFERENCES suppliers (code),
                warehouse text NOT NULL REFERENCES warehouses (code),
                currency text NOT NULL,
                status text NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'approved', 'sent', 'partially_received', 'received', 'closed', 'cancelled')),
                expected date,
                created_at timestamptz NOT NULL DEFAULT now(),
                approved_at timestamptz,
                sent_at timestamptz,
                closed_at timestamptz,
                cancel_reason text
            );
            CREATE INDEX purchase_orders_by_status ON purchase_orders (status, id);

            CREATE TABLE purchase_order_lines (
                order_id bigint NOT NULL REFERENCES purchase_orders (id),
                line integer NOT NULL CHECK (line >= 1),
                sku text NOT NULL,
                quantity integer NOT NULL CHECK (quantity > 0),
                unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
                received_quantity integer NOT NULL DEFAULT 0 CHECK (received_quantity >= 0),
                request_id bigint REFERENCES purchase_requests (id),
                PRIMARY KEY (order_id, line)
            );

            ALTER TABLE purchase_requests ADD COLUMN purchase_order bigint REFERENCES purchase_orders (id);
            """)
}
