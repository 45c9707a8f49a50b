import Postgres
import ServiceKit

/// What must hold in the crm schema (`erpctl check`): identity keys and orders belong to
/// live profiles, merges point to live profiles, and every order is on its customer's
/// timeline exactly once. Each check returns its violations, at most twenty.
public struct CRMInvariants: Sendable {
    public let schema: String
    public init(schema: String = "crm") { self.schema = schema }

    public func check(_ pool: PostgresPool) async throws -> [InvariantResult] {
        let s = PostgresQuery.quoteIdentifier(schema)
        return try await InvariantChecks.run(
            [
                (
                    "every contact key belongs to a live profile",
                    """
                    SELECT k.kind || ' ' || k.value || ' belongs to customer ' || k.customer || ', which was merged or forgotten'
                    FROM \(s).customer_keys k JOIN \(s).customers c ON c.id = k.customer
                    WHERE c.merged_into IS NOT NULL OR c.forgotten_at IS NOT NULL
                    """
                ),
                (
                    "a merged profile points to a live profile",
                    """
                    SELECT 'customer ' || c.id || ' was merged into ' || c.merged_into || ', which is not live'
                    FROM \(s).customers c JOIN \(s).customers t ON t.id = c.merged_into WHERE t.merged_into IS NOT NULL
                    """
                ),
                (
                    "every order is on a live profile and on its timeline exactly once",
                    """
                    SELECT 'order ' || o.order_id || ' of customer ' || o.customer || ': '
                           || CASE WHEN c.merged_into IS NOT NULL THEN 'the profile was merged into ' || c.merged_into
                                   ELSE (SELECT count(*) FROM \(s).timeline t WHERE t.order_id = o.order_id AND t.kind = 'order_placed' AND t.customer = o.customer)
                                        || ' placings on its timeline' END
                    FROM \(s).customer_orders o JOIN \(s).customers c ON c.id = o.customer
                    WHERE c.merged_into IS NOT NULL
                       OR (SELECT count(*) FROM \(s).timeline t WHERE t.order_id = o.order_id AND t.kind = 'order_placed' AND t.customer = o.customer) <> 1
                    """
                ),
                (
                    "every ticket is on a live profile, and an open one is neither resolved nor closed",
                    """
                    SELECT 'ticket ' || t.id || ' (' || t.status || '): ' ||
                           CASE WHEN c.merged_into IS NOT NULL THEN 'its customer ' || c.id || ' was merged into ' || c.merged_into
                                ELSE 'open with a resolution or closing time' END
                    FROM \(s).tickets t JOIN \(s).customers c ON c.id = t.customer
                    WHERE c.merged_into IS NOT NULL
                       OR (t.status IN ('open', 'in_progress', 'waiting_customer') AND (t.resolved_at IS NOT NULL OR t.closed_at IS NOT NULL))
                    """
                ),
                (
                    "no event waits for an order the CRM already has",
                    """
                    SELECT 'an event (' || w.kind || ') still waits for order ' || w.order_id
                    FROM \(s).waiting_order_events w WHERE EXISTS (SELECT 1 FROM \(s).customer_orders o WHERE o.order_id = w.order_id)
                    """
                ),
            ], pool)
    }
}
