import Postgres

/// The inventory schema. Quantities are guarded by the database itself: CHECK constraints
/// keep on-hand and reserved quantities non-negative and reserved ≤ on hand, so no
/// application bug can oversell.
public enum InventoryMigrations {
    public static let all = [
        PostgresMigration(
            version: 1, name: "stock",
            sql: """
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
        PostgresMigration(
            version: 2, name: "transfers_reorder_quarantine",
            sql: """
                ALTER TABLE movements DROP CONSTRAINT movements_kind_check;
                ALTER TABLE movements ADD CONSTRAINT movements_kind_check
                    CHECK (kind IN ('receipt', 'issue', 'return', 'adjustment', 'transfer_out', 'transfer_in', 'reservation',
                                    'release', 'quarantine'));
                CREATE INDEX movements_issues ON movements (sku, warehouse, occurred_at) WHERE kind = 'issue';

                -- Units between warehouses: out of the source's lots, not yet in the destination's.
                CREATE TABLE transfers (
                    id text PRIMARY KEY,
                    sku text NOT NULL,
                    from_warehouse text NOT NULL REFERENCES warehouses (code),
                    to_warehouse text NOT NULL REFERENCES warehouses (code),
                    quantity integer NOT NULL CONSTRAINT transfers_quantity_positive CHECK (quantity > 0),
                    status text NOT NULL CHECK (status IN ('in_transit', 'received', 'cancelled')),
                    started_at timestamptz NOT NULL DEFAULT now(),
                    closed_at timestamptz,
                    CONSTRAINT transfers_two_warehouses CHECK (from_warehouse <> to_warehouse)
                );
                CREATE TABLE transfer_lots (
                    transfer_id text NOT NULL REFERENCES transfers (id),
                    lot text NOT NULL,
                    expiry date,
                    unit_cost_minor bigint NOT NULL,
                    currency text NOT NULL,
                    quantity integer NOT NULL CHECK (quantity > 0),
                    PRIMARY KEY (transfer_id, lot)
                );

                CREATE TABLE reorder_rules (
                    sku text NOT NULL,
                    warehouse text NOT NULL REFERENCES warehouses (code),
                    minimum integer NOT NULL,
                    maximum integer NOT NULL,
                    CONSTRAINT reorder_rules_range CHECK (minimum >= 0 AND maximum > minimum),
                    PRIMARY KEY (sku, warehouse)
                );

                -- At most one open request per SKU and warehouse, enforced by the database.
                CREATE TABLE purchase_requests (
                    id bigserial PRIMARY KEY,
                    sku text NOT NULL,
                    warehouse text NOT NULL REFERENCES warehouses (code),
                    quantity integer NOT NULL CHECK (quantity > 0),
                    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
                    received_quantity integer NOT NULL DEFAULT 0,
                    opened_at timestamptz NOT NULL DEFAULT now(),
                    closed_at timestamptz
                );
                CREATE UNIQUE INDEX purchase_requests_one_open ON purchase_requests (sku, warehouse) WHERE status = 'open';

                -- Returned units that may not be sold (damaged, unchecked): not part of on hand.
                CREATE TABLE quarantine (
                    sku text NOT NULL,
                    warehouse text NOT NULL REFERENCES warehouses (code),
                    lot text NOT NULL,
                    quantity integer NOT NULL CHECK (quantity >= 0),
                    PRIMARY KEY (sku, warehouse, lot)
                );
                """),
        quarantineCost,
        outboundLevels,
        availabilityTold, recentShipments, purchasing, lotTrace,
    ]
}
