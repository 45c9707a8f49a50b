import Postgres
import ServiceKit

/// Invariants 3 and 4 (split and merge sums, intake) on the live database: a split's children (those not
/// cancelled) sum to the parent line by line and amount by amount, a merged order to its
/// sources; every platform message not taken is quarantined with its reason, and every
/// order has the history entry it was taken with.
public struct OrderInvariants: Sendable {
    public let schema: String
    public init(schema: String = "orders") { self.schema = schema }

    public func check(_ pool: PostgresPool) async throws -> [InvariantResult] {
        let s = PostgresQuery.quoteIdentifier(schema)
        return try await InvariantChecks.run(
            [
                (
                    "3. no order line ships more than was ordered, nor from a warehouse more than was allocated there",
                    """
                    SELECT 'order ' || l.order_id || ' line ' || l.line || ': ' || sum(sl.quantity) || ' shipped of ' || l.quantity || ' ordered'
                    FROM \(s).order_lines l JOIN \(s).shipment_lines sl ON sl.order_id = l.order_id AND sl.line = l.line
                    GROUP BY l.order_id, l.line, l.quantity HAVING sum(sl.quantity) > l.quantity
                    UNION ALL
                    SELECT 'order ' || a.order_id || ' line ' || a.line || ': ' || sum(sl.quantity) || ' shipped from ' || a.warehouse || ', '
                           || a.quantity || ' allocated there'
                    FROM \(s).allocations a
                    JOIN \(s).shipments sh ON sh.order_id = a.order_id AND sh.warehouse = a.warehouse
                    JOIN \(s).shipment_lines sl ON sl.order_id = sh.order_id AND sl.shipment = sh.id AND sl.line = a.line
                    GROUP BY a.order_id, a.line, a.warehouse, a.quantity HAVING sum(sl.quantity) > a.quantity
                    """
                ),
                (
                    "3. a split's children sum to the parent, line by line",
                    """
                    SELECT 'order ' || p.id || ' line ' || l.line || ': its children have ' || coalesce(sum(cl.quantity), 0) || ' units, '
                           || coalesce(sum(cl.total_minor), 0) || ' total, ' || coalesce(sum(cl.discount_minor), 0) || ' discount; the parent '
                           || l.quantity || ', ' || l.total_minor || ', ' || l.discount_minor
                    FROM \(s).orders p JOIN \(s).order_lines l ON l.order_id = p.id
                    LEFT JOIN \(s).orders c ON c.parent_id = p.id AND c.status <> 'cancelled'
                    LEFT JOIN \(s).order_lines cl ON cl.order_id = c.id AND cl.line = l.line
                    WHERE p.status = 'split'
                    GROUP BY p.id, l.line, l.quantity, l.total_minor, l.discount_minor
                    HAVING coalesce(sum(cl.quantity), 0) <> l.quantity OR coalesce(sum(cl.total_minor), 0) <> l.total_minor
                        OR coalesce(sum(cl.discount_minor), 0) <> l.discount_minor
                    """
                ),
                (
                    "3. a split's children sum to the parent, amount by amount",
                    """
                    SELECT 'order ' || p.id || ': its children total ' || sum(c.total_minor) || ' with shipping ' || sum(c.shipping_fee_minor)
                           || '; the parent ' || p.total_minor || ' with ' || p.shipping_fee_minor
                    FROM \(s).orders p JOIN \(s).orders c ON c.parent_id = p.id AND c.status <> 'cancelled'
                    WHERE p.status = 'split' GROUP BY p.id
                    HAVING sum(c.total_minor) <> p.total_minor OR sum(c.shipping_fee_minor) <> p.shipping_fee_minor
                        OR sum(c.discount_minor) <> p.discount_minor OR sum(c.merchandise_minor) <> p.merchandise_minor
                    """
                ),
                (
                    "3. a merged order sums its sources, amount by amount and SKU by SKU",
                    """
                    WITH sources AS (
                        SELECT merged_into AS target, sum(total_minor) AS total, sum(shipping_fee_minor) AS shipping, sum(discount_minor) AS discount
                        FROM \(s).orders WHERE merged_into IS NOT NULL GROUP BY merged_into
                    ), units AS (
                        SELECT o.merged_into AS target, l.sku, sum(l.quantity) AS quantity, sum(l.total_minor) AS total
                        FROM \(s).orders o JOIN \(s).order_lines l ON l.order_id = o.id WHERE o.merged_into IS NOT NULL GROUP BY o.merged_into, l.sku
                    ), merged AS (
                        SELECT l.order_id AS target, l.sku, sum(l.quantity) AS quantity, sum(l.total_minor) AS total
                        FROM \(s).order_lines l WHERE l.order_id IN (SELECT target FROM sources) GROUP BY l.order_id, l.sku
                    )
                    SELECT 'order ' || t.id || ': total ' || t.total_minor || ', its sources ' || x.total FROM sources x JOIN \(s).orders t ON t.id = x.target
                    WHERE t.total_minor <> x.total OR t.shipping_fee_minor <> x.shipping OR t.discount_minor <> x.discount
                    UNION ALL
                    SELECT 'order ' || coalesce(u.target, m.target) || ' ' || coalesce(u.sku, m.sku) || ': ' || coalesce(m.quantity, 0) || ' units, '
                           || coalesce(u.quantity, 0) || ' in its sources'
                    FROM units u FULL JOIN merged m ON m.target = u.target AND m.sku = u.sku
                    WHERE coalesce(u.quantity, 0) <> coalesce(m.quantity, 0) OR coalesce(u.total, 0) <> coalesce(m.total, 0)
                    """
                ),
                (
                    "4. every quarantined platform message has its reason",
                    """
                    SELECT 'quarantine ' || id || ' (' || routing_key || ') has no code or reason' FROM \(s).quarantine
                    WHERE btrim(code) = '' OR btrim(reason) = ''
                    """
                ),
                (
                    "4. every change of lines is carried through or refused within ten minutes",
                    """
                    SELECT 'order ' || order_id || ': amendment ' || id || ' (' || what || ') pending since ' || requested_at FROM \(s).amendments
                    WHERE status = 'pending' AND requested_at < now() - interval '10 minutes'
                    """
                ),
                (
                    "4. every order was taken once, with its first history entry",
                    """
                    SELECT 'order ' || o.id || ' has ' || count(h.id) || ' first history entries' FROM \(s).orders o
                    LEFT JOIN \(s).status_history h ON h.order_id = o.id AND h.from_status IS NULL GROUP BY o.id HAVING count(h.id) <> 1
                    """
                ),
            ], pool)
    }
}
