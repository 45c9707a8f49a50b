import Postgres

extension CRMMigrations {
    /// The CRM's intake quarantine: customer messages, buyers' messages and survey answers
    /// from `erp.ingest` that were not taken, byte for byte with their reason, as the orders
    /// service keeps platform orders (text columns show control characters as \u00XX; the
    /// `_bytes` columns hold them as they came).
    static let quarantine = PostgresMigration(
        version: 6, name: "ingest_quarantine",
        sql: """
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
                routing_key_bytes bytea NOT NULL,
                message_id_bytes bytea,
                signature_bytes bytea,
                shop_header_bytes bytea,
                customer_id bigint REFERENCES customers (id)
            );
            CREATE INDEX quarantine_open ON quarantine (id) WHERE status = 'open';
            """)
}
