import Postgres

/// The inventory schema. Quantities are guarded by the database itself: CHECK constraints
/// keep on-hand and reserved quantities non-negative and reserved ≤ on hand, so no
/// application bug can oversell.
public enum InventoryMigrations {
    public static let all = [
        PostgresMigration(version: 1, name: "stock", sql: """
            CREATE TABLE warehouses (
                code text PRIMARY KEY,
                name text NOT NULL,
                region text NOT NULL,
                active boolean NOT NULL DEFAULT true
            );

            -- Totals per SKU and warehouse: what reservations are checked against.
            CREATE TABLE stock (
                sku text NOT NULL,
                warehouse text NOT NULL REFERENCES warehouses (code),
                on_hand integer NOT NULL DEFAULT 0 CONSTRAINT stock_on_hand_not_negative CHECK (on_hand >= 0),
                reserved integer NOT NULL DEFAULT 0 CONSTRAINT stock_reserved_not_negative CHECK (reserved >= 0),
                CONSTRAINT stock_reserved_within_on_hand CHECK (reserved <= on_hand),
                PRIMARY KEY (sku, warehouse)
            );

            -- Lots: what issues take from (FEFO), with their cost.
            CREATE TABLE lots (
                sku text NOT NULL,
                warehouse text NOT NULL,
                lot text NOT NULL,
                expiry date,
                unit_cost_minor bigint NOT NULL CONSTRAINT lots_unit_cost_not_negative CHECK (unit_cost_minor >= 0),
                currency text NOT NULL,
                received_at timestamptz NOT NULL DEFAULT now(),
                on_hand integer NOT NULL CONSTRAINT lots_on_hand_not_negative CHECK (on_hand >= 0),
                PRIMARY KEY (sku, warehouse, lot),
                FOREIGN KEY (sku, warehouse) REFERENCES stock (sku, warehouse)
            );

            -- Active reservations per order line and warehouse.
            CREATE TABLE reservations (
                order_id text NOT NULL,
                line integer NOT NULL,
                sku text NOT NULL,
                warehouse text NOT NULL,
                quantity integer NOT NULL CONSTRAINT reservations_quantity_positive CHECK (quantity > 0),
                created_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (order_id, line, warehouse),
                FOREIGN KEY (sku, warehouse) REFERENCES stock (sku, warehouse)
            );

            -- The append-only ledger every quantity can be recomputed from. quantity is the
            -- change: to on_hand for receipt, issue, return, adjustment and transfers, to
            -- reserved for reservation and release (issue also ends the reservation it ships).
            CREATE TABLE movements (
                id bigserial PRIMARY KEY,
                kind text NOT NULL CHECK (kind IN ('receipt', 'issue', 'return', 'adjustment', 'transfer_out',
                                                   'transfer_in', 'reservation', 'release')),
                sku text NOT NULL,
                warehouse text NOT NULL,
                lot text,
                quantity integer NOT NULL,
                reference text,
                occurred_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX movements_sku_warehouse ON movements (sku, warehouse);
            CREATE RULE movements_no_update AS ON UPDATE TO movements DO INSTEAD NOTHING;
            CREATE RULE movements_no_delete AS ON DELETE TO movements DO INSTEAD NOTHING;
            """),
    ]
}
