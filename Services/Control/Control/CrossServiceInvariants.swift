import AMQP
import Finance
import Messaging
import Postgres
import ServiceKit

/// Invariants that compare what two services hold (the operator's role reads every
/// schema): the books follow the goods, and every live order is invoiced once. Run them on
/// a quiet system: an event still on its way shows as a difference.
public struct CrossServiceInvariants: Sendable {
    public let inventory: String
    public let finance: String
    public let orders: String
    public let saga: String
    public let crm: String
    public init(
        inventory: String = "inventory", finance: String = "finance", orders: String = "orders", saga: String = "saga", crm: String = "crm"
    ) {
        (self.inventory, self.finance, self.orders, self.saga, self.crm) = (inventory, finance, orders, saga, crm)
    }

    /// Every order taken since the CRM was installed is on a customer profile (the CRM's
    /// copy of the order, which its timeline check covers).
    public func ordersOnProfiles(_ pool: PostgresPool) async throws -> [InvariantResult] {
        let o = PostgresQuery.quoteIdentifier(orders), c = PostgresQuery.quoteIdentifier(crm)
        return try await InvariantChecks.run(
            [
                (
                    "every order placed since the CRM was installed is on a customer profile",
                    """
                    SELECT 'order ' || r.id || ' (' || r.platform || ' ' || r.external_id || ') is on no customer profile'
                    FROM \(o).orders r
                    WHERE r.created_at >= (SELECT min(installed_at) FROM \(c).since)
                      AND NOT EXISTS (SELECT 1 FROM \(c).customer_orders co WHERE co.order_id = r.id)
                    """
                )
            ], pool)
    }

    /// The ledger's inventory account against the stock valuation (lots and units in
    /// transit at their lot cost), and returned goods awaiting inspection against the
    /// quarantine, each per currency.
    public func booksFollowGoods(_ pool: PostgresPool) async throws -> [InvariantResult] {
        let i = PostgresQuery.quoteIdentifier(inventory), f = PostgresQuery.quoteIdentifier(finance)
        func comparison(account: String, stock: String) -> String {
            """
            WITH ledger AS (
                SELECT currency, sum(debit_minor - credit_minor) AS value FROM \(f).journal_lines WHERE account = '\(account)' GROUP BY currency
            ), stock AS (
                SELECT currency, sum(value) AS value FROM (\(stock)) v GROUP BY currency
            )
            SELECT coalesce(l.currency, s.currency) || ': ledger ' || coalesce(l.value, 0) || ', stock ' || coalesce(s.value, 0) || ' (minor units)'
            FROM ledger l FULL JOIN stock s ON s.currency = l.currency
            WHERE coalesce(l.value, 0) <> coalesce(s.value, 0)
            """
        }
        return try await InvariantChecks.run(
            [
                (
                    "the ledger's inventory account equals the stock valuation, per currency",
                    comparison(
                        account: Accounts.inventory,
                        stock: """
                            SELECT currency, on_hand::bigint * unit_cost_minor AS value FROM \(i).lots
                            UNION ALL
                            SELECT tl.currency, tl.quantity::bigint * tl.unit_cost_minor FROM \(i).transfer_lots tl
                            JOIN \(i).transfers t ON t.id = tl.transfer_id WHERE t.status = 'in_transit'
                            """)
                ),
                (
                    "returned goods awaiting inspection equal the quarantine at cost, per currency",
                    comparison(
                        account: Accounts.returnedGoods,
                        stock: """
                            SELECT currency, quantity::bigint * unit_cost_minor AS value FROM \(i).quarantine WHERE currency IS NOT NULL
                            """)
                ),
            ], pool)
    }

    /// Every order that is not cancelled (nor split or merged into others, whose orders are
    /// invoiced instead) has exactly one current (issued) invoice.
    public func ordersInvoicedOnce(_ pool: PostgresPool) async throws -> [InvariantResult] {
        let o = PostgresQuery.quoteIdentifier(orders), f = PostgresQuery.quoteIdentifier(finance)
        return try await InvariantChecks.run(
            [
                (
                    "every placed order that is not cancelled has exactly one current invoice",
                    """
                    SELECT 'order ' || o.id || ' (' || o.status || '): ' || count(i.number) || ' current invoice(s)'
                    FROM \(o).orders o
                    LEFT JOIN \(f).invoices i ON i.order_id = o.id AND i.kind = 'invoice' AND i.status = 'issued'
                    WHERE o.status NOT IN ('cancelled', 'split', 'merged')
                    GROUP BY o.id, o.status HAVING count(i.number) <> 1
                    """
                ),
                (
                    "an amended order's current invoice is for its amended total",
                    """
                    SELECT 'order ' || o.id || ': total ' || o.total_minor || ', invoice ' || i.number || ' ' || i.gross_minor
                    FROM \(o).orders o
                    JOIN \(f).invoices i ON i.order_id = o.id AND i.kind = 'invoice' AND i.status = 'issued'
                    WHERE o.status NOT IN ('cancelled', 'split', 'merged') AND i.gross_minor <> o.total_minor
                        AND EXISTS (SELECT 1 FROM \(o).amendments a WHERE a.order_id = o.id AND a.status = 'applied' AND a.open_minor IS NOT NULL)
                    """
                ),
            ], pool)
    }

    /// No order waits on hold for stock that is there: every backorder waiting for more than
    /// a minute (not being tried) lacks some of its units across the warehouses.
    public func backordersMove(_ pool: PostgresPool) async throws -> [InvariantResult] {
        let o = PostgresQuery.quoteIdentifier(orders), i = PostgresQuery.quoteIdentifier(inventory), s = PostgresQuery.quoteIdentifier(saga)
        return try await InvariantChecks.run(
            [
                (
                    "no backorder waits over a minute for stock that is available",
                    """
                    SELECT 'order ' || b.order_id || ' waits since ' || b.waiting_since || ' for ' || array_to_string(b.skus, ', ') || ', which is available'
                    FROM \(s).backorders b
                    WHERE b.released_at IS NULL AND b.waiting_since < now() - interval '1 minute'
                      AND NOT EXISTS (
                          SELECT 1 FROM \(o).order_lines l
                          WHERE l.order_id = b.order_id
                            AND l.quantity > coalesce((SELECT sum(st.on_hand - st.reserved) FROM \(i).stock st WHERE st.sku = l.sku), 0))
                    """
                )
            ], pool)
    }

    /// What left the warehouses is what inventory issued: per order and SKU, the units of
    /// its shipments equal the units issued for it (a parcel whose issue is still on its way,
    /// its shipment saga waiting, is not counted yet).
    public func shipmentsIssued(_ pool: PostgresPool) async throws -> [InvariantResult] {
        let o = PostgresQuery.quoteIdentifier(orders), i = PostgresQuery.quoteIdentifier(inventory), s = PostgresQuery.quoteIdentifier(saga)
        return try await InvariantChecks.run(
            [
                (
                    "the stock issued for every order is what its shipments hold, SKU by SKU",
                    """
                    WITH shipped AS (
                        SELECT sl.order_id::text AS ref, l.sku, sum(sl.quantity) AS units
                        FROM \(o).shipment_lines sl JOIN \(o).order_lines l ON l.order_id = sl.order_id AND l.line = sl.line
                        GROUP BY 1, 2
                    ), issued AS (
                        SELECT reference AS ref, sku, -sum(quantity) AS units FROM \(i).movements WHERE kind = 'issue' GROUP BY 1, 2
                    )
                    SELECT 'order ' || coalesce(sh.ref, iss.ref) || ', ' || coalesce(sh.sku, iss.sku) || ': ' || coalesce(sh.units, 0)
                           || ' shipped, ' || coalesce(iss.units, 0) || ' issued'
                    FROM shipped sh FULL JOIN issued iss ON iss.ref = sh.ref AND iss.sku = sh.sku
                    WHERE coalesce(sh.units, 0) <> coalesce(iss.units, 0)
                      AND NOT EXISTS (
                          SELECT 1 FROM \(s).instances x
                          WHERE x.type = 'shipment' AND x.status = 'waiting' AND x.key LIKE 'order:' || coalesce(sh.ref, iss.ref) || ':shipment:%')
                    """
                )
            ], pool)
    }

    /// Every message in every parking queue is listed by `erpctl dead list` with its reason.
    public static func parkedMessagesExplained(queues: [String], broker: AMQPConfiguration) async throws -> InvariantResult {
        var violations: [String] = []
        for parking in queues {
            let connection = try await AMQPConnection.connect(broker)
            let held: Int
            do {
                held = try await connection.declareQueue(parking, passive: true).messageCount
                await connection.close()
            } catch let error as AMQPError where error.code == .notFound {
                // Never declared: nothing can sit in it.
                await connection.close()
                continue
            } catch {
                await connection.close()
                throw error
            }
            guard held > 0 else { continue }
            let listed = try await ParkedMessages.list(parkingQueue: parking, broker: broker)
            // Copies of one message are one row (``ParkedMessage/copies``).
            let covered = listed.map(\.copies).reduce(0, +)
            if covered < held { violations.append("\(parking): \(held) message(s), \(covered) listed") }
            for message in listed where message.error == "unknown" || message.detail.isEmpty && message.error.isEmpty {
                violations.append("\(parking): message \(message.id) has no reason")
            }
        }
        return InvariantResult(
            name: "every parked message is listed with its reason (erpctl dead list)", held: violations.isEmpty,
            violations: Array(violations.prefix(20)))
    }
}
