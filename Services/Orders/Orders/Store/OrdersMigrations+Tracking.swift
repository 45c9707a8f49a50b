import Postgres

extension OrdersMigrations {
    static let tracking = PostgresMigration(
        version: 10, name: "tracking",
        sql: """
            -- Carriers' tracking events (carrier.<carrier>.tracking.<event> on erp.ingest), each
            -- kept once, matched to the shipment by its tracking number.
            CREATE TABLE tracking_events (
                id bigserial PRIMARY KEY,
                order_id bigint NOT NULL,
                shipment text NOT NULL,
                carrier text NOT NULL,
                tracking_number text NOT NULL,
                event text NOT NULL CHECK (event IN ('in_transit', 'out_for_delivery', 'delivered', 'exception', 'returned_to_sender')),
                occurred_at timestamptz NOT NULL,
                location text,
                description text,
                received_at timestamptz NOT NULL DEFAULT now(),
                FOREIGN KEY (order_id, shipment) REFERENCES shipments (order_id, id),
                UNIQUE (order_id, shipment, event, occurred_at)
            );
            CREATE INDEX shipments_tracking_number ON shipments (tracking_number);
            ALTER TABLE shipments ADD COLUMN delivered_at timestamptz;
            """)
}
