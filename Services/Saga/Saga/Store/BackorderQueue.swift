import Contracts
import Foundation
import Postgres

/// Orders waiting for stock, per SKU oldest first (`saga.backorders`). An order joins when
/// its reservation is refused for want of stock; when stock of one of its SKUs arrives, the
/// oldest order waiting for that SKU is released (tried again), and no later one is until it
/// is reserved, cancelled or waits again: so an earlier order is never starved by a later one.
struct BackorderQueue: Sendable {
    let schema: String
    var s: String { PostgresQuery.quoteIdentifier(schema) }

    /// Puts the order in the queue (again); returns whether stock of its SKUs arrived while it
    /// was being tried (then it should be released again at once).
    @discardableResult
    func wait(order: Int64, skus: [String], paid: Bool, in tx: PostgresTransaction) async throws -> Bool {
        // Read (and locked) in a statement of its own: a `FOR UPDATE` in a CTE of the upsert
        // below skips the row the upsert itself changes, and so always read "no arrival".
        let arrived =
            try await tx.query(
                PostgresQuery(
                    unsafeSQL: "SELECT arrived_while_trying FROM \(s).backorders WHERE order_id = $1 FOR UPDATE", binds: [order])
            ).first?.decode(Bool.self, at: 0) ?? false
        try await tx.queue(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(s).backorders (order_id, skus, paid) VALUES ($1, $2::text[], $3)
                    ON CONFLICT (order_id) DO UPDATE SET skus = EXCLUDED.skus, paid = EXCLUDED.paid, released_at = NULL, release_request = NULL,
                        waiting_since = now(), arrived_while_trying = false
                    """, binds: [order, Array(Set(skus)).sorted(), paid]))
        return arrived
    }

    /// Whether the order, if it waits, is paid for now (an amendment changed what it owes):
    /// the next release asks for the right status.
    func notePaid(order: Int64, paid: Bool, in tx: PostgresTransaction) async throws {
        try await tx.queue(
            PostgresQuery(unsafeSQL: "UPDATE \(s).backorders SET paid = $2 WHERE order_id = $1 AND paid <> $2", binds: [order, paid]))
    }

    /// Whether the order waits in the queue (released or not).
    func contains(order: Int64, in tx: PostgresTransaction) async throws -> Bool {
        try await tx.query(PostgresQuery(unsafeSQL: "SELECT 1 FROM \(s).backorders WHERE order_id = $1", binds: [order])).first != nil
    }

    /// The order left the queue (reserved or cancelled); returns the SKUs it waited for.
    func leave(order: Int64, in tx: PostgresTransaction) async throws -> [String] {
        try await tx.query(PostgresQuery(unsafeSQL: "DELETE FROM \(s).backorders WHERE order_id = $1 RETURNING to_json(skus)", binds: [order]))
            .first.map { try $0.decode(PostgresJSON<[String]>.self, at: 0).value } ?? []
    }

    /// The order a release command was sent for.
    func released(byRequest request: UUID, in tx: PostgresTransaction) async throws -> Int64? {
        try await tx.query(PostgresQuery(unsafeSQL: "SELECT order_id FROM \(s).backorders WHERE release_request = $1", binds: [request]))
            .first?.decode(Int64.self, at: 0)
    }

    /// Notes the command that releases `order`.
    func noteRequest(_ request: UUID, order: Int64, in tx: PostgresTransaction) async throws {
        try await tx.queue(
            PostgresQuery(
                unsafeSQL: "UPDATE \(s).backorders SET release_request = $2 WHERE order_id = $1", binds: [order, request]))
    }

    /// For each of `skus`, the oldest order waiting for it, if it is not being tried already:
    /// marked released and returned with whether it is paid (a concurrent release of the same
    /// order returns nothing). An order being tried is not released twice; that stock came is
    /// noted for it instead, so that it goes again at once when it waits again.
    ///
    /// Whether an order is being tried is read from its row locked, not from the statement's
    /// snapshot: a fulfilment that waits again at the same moment (``wait(order:skus:paid:in:)``
    /// resets the row) would otherwise lose the arrival, and the order would wait for stock
    /// that is already there.
    func release(skus: [String], in tx: PostgresTransaction) async throws -> [(order: Int64, paid: Bool, sku: String)] {
        guard !skus.isEmpty else { return [] }
        let heads = try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT DISTINCT ON (w.sku) w.sku, b.order_id
                    FROM unnest($1::text[]) AS w (sku) JOIN \(s).backorders b ON w.sku = ANY (b.skus)
                    ORDER BY w.sku, b.since, b.order_id
                    """, binds: [Array(Set(skus)).sorted()])
        ).map { row in (order: try row.decode(Int64.self, at: 1), sku: try row.decode(String.self, at: 0)) }
        guard !heads.isEmpty else { return [] }
        let skuOf = Dictionary(heads, uniquingKeysWith: { first, _ in first })
        return try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    WITH locked AS (
                        SELECT order_id, released_at IS NOT NULL AS trying FROM \(s).backorders
                        WHERE order_id = ANY ($1::bigint[]) ORDER BY order_id FOR UPDATE
                    ),
                    changed AS (
                        UPDATE \(s).backorders b
                        SET released_at = CASE WHEN l.trying THEN b.released_at ELSE now() END,
                            arrived_while_trying = b.arrived_while_trying OR l.trying
                        FROM locked l WHERE b.order_id = l.order_id
                        RETURNING b.order_id, b.paid, NOT l.trying AS released
                    )
                    SELECT order_id, paid FROM changed WHERE released
                    """, binds: [Array(skuOf.keys).sorted()])
        ).map {
            let order = try $0.decode(Int64.self, at: 0)
            return (order, try $0.decode(Bool.self, at: 1), skuOf[order] ?? "")
        }.sorted { $0.order < $1.order }
    }
}
