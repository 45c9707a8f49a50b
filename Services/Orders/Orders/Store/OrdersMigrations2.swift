import Postgres

extension OrdersMigrations {
    static let shipments = PostgresMigration(version: 2, name: "shipments", sql: """
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
}
