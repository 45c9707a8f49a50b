import Postgres

extension OrdersMigrations {
    static let quarantineBytes = PostgresMigration(
        version: 9, name: "quarantine_bytes",
        sql: """
            -- What arrived, byte for byte: a text column cannot hold a NUL character, so the
            -- routing key, message id, signature and shop header are kept as bytes as well; the
            -- text columns show them with every control character written as \\u00XX.
            ALTER TABLE quarantine
                ADD COLUMN routing_key_bytes bytea,
                ADD COLUMN message_id_bytes bytea,
                ADD COLUMN signature_bytes bytea,
                ADD COLUMN shop_header_bytes bytea;
            UPDATE quarantine SET
                routing_key_bytes = convert_to(routing_key, 'UTF8'),
                message_id_bytes = convert_to(message_id, 'UTF8'),
                signature_bytes = convert_to(signature, 'UTF8'),
                shop_header_bytes = convert_to(shop_header, 'UTF8');
            ALTER TABLE quarantine ALTER COLUMN routing_key_bytes SET NOT NULL;
            """)
}
