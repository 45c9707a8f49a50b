import Postgres
import ServiceKit

/// Invariant 1 (stock conservation), checked on the live database: for every SKU and
/// warehouse, on hand equals the sum of its lots and the sum of its ledger movements;
/// reserved equals the sum of active reservations and of the reservation, release and
/// issue movements (an issue always ships reserved units); 0 ≤ reserved ≤ on hand; and
/// every transfer's units left its source once and, once closed, arrived once (in transit
/// they are in no warehouse); and every purchase order's units received per SKU are the
/// receipts that name it since it was sent. Each check reports the rows that break it.
public struct StockInvariants: Sendable {
    public typealias Result = InvariantResult

    public let schema: String
    public init(schema: String = "inventory") { self.schema = schema }

    public func check(_ pool: PostgresPool) async throws -> [Result] {
        let s = PostgresQuery.quoteIdentifier(schema)
        let checks: [(String, String)] = [
            (
                "on hand equals the sum of its lots",
                """
                SELECT st.sku || '@' || st.warehouse || ': stock ' || st.on_hand || ', lots ' || coalesce(sum(l.on_hand), 0)
                FROM \(s).stock st LEFT JOIN \(s).lots l ON l.sku = st.sku AND l.warehouse = st.warehouse
                GROUP BY st.sku, st.warehouse, st.on_hand HAVING st.on_hand <> coalesce(sum(l.on_hand), 0)
                """
            ),
            (
                "on hand equals the ledger",
                """
                SELECT st.sku || '@' || st.warehouse || ': stock ' || st.on_hand || ', ledger ' || coalesce(sum(m.quantity), 0)
                FROM \(s).stock st LEFT JOIN \(s).movements m ON m.sku = st.sku AND m.warehouse = st.warehouse
                    AND m.kind IN ('receipt', 'issue', 'return', 'adjustment', 'transfer_out', 'transfer_in')
                GROUP BY st.sku, st.warehouse, st.on_hand HAVING st.on_hand <> coalesce(sum(m.quantity), 0)
                """
            ),
            (
                "reserved equals the active reservations",
                """
                SELECT st.sku || '@' || st.warehouse || ': stock ' || st.reserved || ', reservations ' || coalesce(sum(r.quantity), 0)
                FROM \(s).stock st LEFT JOIN \(s).reservations r ON r.sku = st.sku AND r.warehouse = st.warehouse
                GROUP BY st.sku, st.warehouse, st.reserved HAVING st.reserved <> coalesce(sum(r.quantity), 0)
                """
            ),
            (
                "reserved equals the ledger",
                """
                SELECT st.sku || '@' || st.warehouse || ': stock ' || st.reserved || ', ledger ' || coalesce(sum(m.quantity), 0)
                FROM \(s).stock st LEFT JOIN \(s).movements m ON m.sku = st.sku AND m.warehouse = st.warehouse
                    AND m.kind IN ('reservation', 'release', 'issue')
                GROUP BY st.sku, st.warehouse, st.reserved HAVING st.reserved <> coalesce(sum(m.quantity), 0)
                """
            ),
            (
                "0 ≤ reserved ≤ on hand",
                """
                SELECT sku || '@' || warehouse || ': on hand ' || on_hand || ', reserved ' || reserved
                FROM \(s).stock WHERE reserved < 0 OR on_hand < 0 OR reserved > on_hand
                """
            ),
            (
                "every transfer left its source once and arrived (or went back) once",
                """
                SELECT t.id || ' (' || t.status || ', ' || t.quantity || ' units): out ' || coalesce(sum(-m.quantity) FILTER (WHERE m.kind = 'transfer_out'), 0)
                       || ', in ' || coalesce(sum(m.quantity) FILTER (WHERE m.kind = 'transfer_in'), 0)
                FROM \(s).transfers t LEFT JOIN \(s).movements m ON m.reference = t.id AND m.kind IN ('transfer_out', 'transfer_in')
                GROUP BY t.id, t.status, t.quantity
                HAVING coalesce(sum(-m.quantity) FILTER (WHERE m.kind = 'transfer_out'), 0) <> t.quantity
                    OR coalesce(sum(m.quantity) FILTER (WHERE m.kind = 'transfer_in'), 0)
                       <> CASE WHEN t.status = 'in_transit' THEN 0 ELSE t.quantity END
                """
            ),
            (
                "no recalled lot was issued or transferred after its recall",
                """
                SELECT m.sku || ' lot ' || m.lot || ': ' || m.kind || ' of ' || -m.quantity || ' (' || coalesce(m.order_ref, m.reference, '') || ') after its recall'
                FROM \(s).movements m JOIN \(s).recalled_lots r ON r.sku = m.sku AND r.lot = m.lot
                WHERE m.kind IN ('issue', 'transfer_out') AND m.occurred_at > r.recalled_at
                """
            ),
            (
                "every purchase order's received units are its receipts",
                """
                SELECT o.number || ' ' || l.sku || ': received ' || sum(l.received_quantity) || ', receipts ' || coalesce(max(r.units), 0)
                FROM \(s).purchase_orders o JOIN \(s).purchase_order_lines l ON l.order_id = o.id
                LEFT JOIN LATERAL (
                    SELECT sum(m.quantity) AS units FROM \(s).movements m
                    WHERE m.kind = 'receipt' AND m.reference = o.number AND m.sku = l.sku AND m.occurred_at >= o.sent_at
                ) r ON true
                GROUP BY o.number, l.sku HAVING sum(l.received_quantity) <> coalesce(max(r.units), 0)
                """
            ),
        ]
        return try await InvariantChecks.run(checks, pool)
    }
}
