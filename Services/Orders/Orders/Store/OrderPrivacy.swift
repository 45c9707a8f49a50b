import Contracts
import Foundation
import Postgres

extension OrderStore {
    /// Replaces the personal data of `orders` with `pseudonym`: the customer (name only), the
    /// shipping address (the pseudonym as its name, country and province kept, the street
    /// erased, no phone), the same in every snapshot of their change history, and the bodies
    /// of the platform messages about them kept in the quarantine. Amounts, lines, SKUs,
    /// statuses and dates stay. Returns how many orders were found.
    func forget(orders: [Int64], pseudonym: String, in tx: PostgresTransaction) async throws -> Int {
        let s = schema
        let found = try await tx.query(
            """
            UPDATE \(identifier: s).orders SET
                note = CASE WHEN note IS NULL OR note = '' THEN note ELSE '(erased)' END,
                customer = CASE WHEN customer IS NULL THEN NULL ELSE jsonb_build_object('name', \(pseudonym)::text) END,
                shipping_address = CASE WHEN shipping_address IS NULL THEN NULL
                    ELSE jsonb_strip_nulls(jsonb_build_object('name', \(pseudonym)::text, 'country', shipping_address->'country',
                         'province', shipping_address->'province', 'line1', '(erased)')) END
            WHERE id = ANY (\(orders)::bigint[])
            """)
        try await tx.queue(
            """
            UPDATE \(identifier: s).order_changes SET snapshot = (snapshot - 'note')
                || CASE WHEN snapshot->'customer' IS NULL OR snapshot->'customer' = 'null'::jsonb THEN '{}'::jsonb
                        ELSE jsonb_build_object('customer', jsonb_build_object('name', \(pseudonym)::text)) END
                || CASE WHEN snapshot->'shipping_address' IS NULL OR snapshot->'shipping_address' = 'null'::jsonb THEN '{}'::jsonb
                        ELSE jsonb_build_object('shipping_address', jsonb_strip_nulls(jsonb_build_object('name', \(pseudonym)::text,
                             'country', snapshot->'shipping_address'->'country', 'province', snapshot->'shipping_address'->'province',
                             'line1', '(erased)'))) END
            WHERE order_id = ANY (\(orders)::bigint[])
            """)
        try await tx.queue(
            """
            UPDATE \(identifier: s).quarantine SET body = convert_to(\("{\"erased\":\"the customer was forgotten\"}"), 'UTF8'), signature = NULL, signature_bytes = NULL
            WHERE order_id = ANY (\(orders)::bigint[])
            """)
        return found.affectedRows
    }
}

extension OrderStore {
    /// Order ids above `after`, ascending, at most `limit`.
    func ids(after: Int64, limit: Int, in tx: PostgresTransaction) async throws -> [Int64] {
        try await tx.query("SELECT id FROM \(identifier: schema).orders WHERE id > \(after) ORDER BY id LIMIT \(limit)").map {
            try $0.decode(Int64.self, at: 0)
        }
    }
}
