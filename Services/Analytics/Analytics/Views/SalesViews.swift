/// The views of orders, their lines, returns and daily sales. Frozen with the migration
/// that made them: a change is a new view (`orders_v2`) in a new migration.
enum SalesViews {
    static let sql = """
        CREATE VIEW {analytics}.orders AS
        SELECT o.id AS order_id, o.platform, o.shop, o.external_id, co.customer AS customer_id, o.status,
               o.status NOT IN ('split', 'merged', 'cancelled') AS counted,
               o.exchange_for IS NOT NULL AS replacement,
               o.parent_id AS split_from, o.merged_into, o.exchange_for,
               o.currency, o.prices_include_tax, o.merchandise_minor, o.discount_minor, o.shipping_fee_minor AS shipping_minor,
               o.total_minor, inv.net_minor, inv.tax_minor, coalesce(ret.refunded_minor, 0)::bigint AS refunded_minor,
               o.placed_at, steps.paid_at, steps.allocated_at, steps.shipped_at, steps.delivered_at, steps.completed_at, steps.cancelled_at
        FROM {orders}.orders o
        LEFT JOIN {crm}.customer_orders co ON co.order_id = o.id
        LEFT JOIN LATERAL (
            SELECT sum(i.net_minor)::bigint AS net_minor, sum(i.tax_minor)::bigint AS tax_minor
            FROM {finance}.invoices i WHERE i.order_id = o.id AND i.kind = 'invoice' AND i.status = 'issued'
            HAVING count(*) > 0
        ) inv ON true
        LEFT JOIN LATERAL (
            SELECT sum(r.refund_minor) AS refunded_minor FROM {orders}.returns r WHERE r.order_id = o.id AND r.status = 'completed'
        ) ret ON true
        LEFT JOIN LATERAL (
            SELECT min(h.at) FILTER (WHERE h.to_status = 'paid') AS paid_at,
                   min(h.at) FILTER (WHERE h.to_status = 'allocated') AS allocated_at,
                   min(h.at) FILTER (WHERE h.to_status = 'shipped') AS shipped_at,
                   min(h.at) FILTER (WHERE h.to_status = 'delivered') AS delivered_at,
                   min(h.at) FILTER (WHERE h.to_status = 'completed') AS completed_at,
                   min(h.at) FILTER (WHERE h.to_status = 'cancelled') AS cancelled_at
            FROM {orders}.status_history h WHERE h.order_id = o.id
        ) steps ON true;
        COMMENT ON VIEW {analytics}.orders IS 'One row per order as the orders service holds it. An order split in parts or merged into another stays here with counted = false: its parts, or the order it went into, carry the sale, so sum only counted orders. Amounts are in minor units of the order''s own currency; never add two currencies.';
        COMMENT ON COLUMN {analytics}.orders.order_id IS 'The ERP''s order id.';
        COMMENT ON COLUMN {analytics}.orders.platform IS 'The platform the order came from (web, shopify, tmall...).';
        COMMENT ON COLUMN {analytics}.orders.shop IS 'The shop on that platform.';
        COMMENT ON COLUMN {analytics}.orders.external_id IS 'The platform''s own order number.';
        COMMENT ON COLUMN {analytics}.orders.customer_id IS 'The CRM customer profile the order belongs to (null until the CRM has seen it); see the customers view.';
        COMMENT ON COLUMN {analytics}.orders.status IS 'Current status: pending_payment, paid, allocated, partially_shipped, shipped, delivered, completed, cancelled, on_hold, split, merged, return_requested, partially_returned, returned.';
        COMMENT ON COLUMN {analytics}.orders.counted IS 'True unless the order was cancelled, split into parts or merged into another: the orders whose lines are sales.';
        COMMENT ON COLUMN {analytics}.orders.replacement IS 'True for an order sent in exchange for goods returned from another order (exchange_for).';
        COMMENT ON COLUMN {analytics}.orders.split_from IS 'For a part of a split order: the order it was split from.';
        COMMENT ON COLUMN {analytics}.orders.merged_into IS 'For an order merged with others: the order it went into.';
        COMMENT ON COLUMN {analytics}.orders.exchange_for IS 'For a replacement order: the order whose goods it replaces.';
        COMMENT ON COLUMN {analytics}.orders.currency IS 'ISO 4217 code of every amount of the order.';
        COMMENT ON COLUMN {analytics}.orders.prices_include_tax IS 'True when the platform''s prices include VAT (then total_minor includes it).';
        COMMENT ON COLUMN {analytics}.orders.merchandise_minor IS 'Sum of quantity times unit price over the lines, before discounts.';
        COMMENT ON COLUMN {analytics}.orders.discount_minor IS 'Discounts given on the order.';
        COMMENT ON COLUMN {analytics}.orders.shipping_minor IS 'Shipping fee charged to the customer.';
        COMMENT ON COLUMN {analytics}.orders.total_minor IS 'What the customer pays: merchandise minus discounts plus shipping.';
        COMMENT ON COLUMN {analytics}.orders.net_minor IS 'Net of VAT, from the order''s issued invoices (null until invoiced).';
        COMMENT ON COLUMN {analytics}.orders.tax_minor IS 'VAT on the order''s issued invoices (null until invoiced).';
        COMMENT ON COLUMN {analytics}.orders.refunded_minor IS 'Refunded on completed returns of the order.';
        COMMENT ON COLUMN {analytics}.orders.placed_at IS 'When the customer placed the order on the platform.';
        COMMENT ON COLUMN {analytics}.orders.paid_at IS 'When the order first became paid (null if never).';
        COMMENT ON COLUMN {analytics}.orders.allocated_at IS 'When stock was first allocated to it.';
        COMMENT ON COLUMN {analytics}.orders.shipped_at IS 'When it was first fully shipped.';
        COMMENT ON COLUMN {analytics}.orders.delivered_at IS 'When the carrier first reported it delivered.';
        COMMENT ON COLUMN {analytics}.orders.completed_at IS 'When it was completed.';
        COMMENT ON COLUMN {analytics}.orders.cancelled_at IS 'When it was cancelled.';

        CREATE VIEW {analytics}.order_lines AS
        SELECT l.order_id, l.line, o.platform, o.shop, o.status, o.status NOT IN ('split', 'merged', 'cancelled') AS counted,
               o.placed_at, o.currency, l.sku, coalesce(cs.product, os.product) AS product, p.category,
               l.quantity, l.unit_price_minor, l.discount_minor, l.total_minor, il.net_minor, il.tax_minor,
               CASE WHEN cost.currencies = 1
                    THEN round(cost.cost_minor * l.quantity::numeric / sum(l.quantity) OVER (PARTITION BY l.order_id, l.sku))::bigint END AS cost_minor,
               CASE WHEN cost.currencies = 1 THEN cost.currency END AS cost_currency,
               CASE WHEN cost.currencies = 1 AND cost.currency = o.currency AND il.net_minor IS NOT NULL
                    THEN il.net_minor - round(cost.cost_minor * l.quantity::numeric / sum(l.quantity) OVER (PARTITION BY l.order_id, l.sku))::bigint
               END AS margin_minor
        FROM {orders}.order_lines l
        JOIN {orders}.orders o ON o.id = l.order_id
        LEFT JOIN {catalog}.skus cs ON cs.code = l.sku
        LEFT JOIN {orders}.skus os ON os.code = l.sku
        LEFT JOIN {catalog}.products p ON p.code = coalesce(cs.product, os.product)
        LEFT JOIN LATERAL (
            SELECT sum(x.net_minor)::bigint AS net_minor, sum(x.tax_minor)::bigint AS tax_minor
            FROM {finance}.invoices i JOIN {finance}.invoice_lines x ON x.number = i.number
            WHERE i.order_id = l.order_id AND i.kind = 'invoice' AND i.status = 'issued' AND x.line = l.line AND x.sku = l.sku
            HAVING count(*) > 0
        ) il ON true
        LEFT JOIN LATERAL (
            SELECT sum(c.cost_minor) AS cost_minor, count(DISTINCT c.currency) AS currencies, min(c.currency) AS currency
            FROM {finance}.cost_lines c WHERE c.order_ref = l.order_id::text AND c.sku = l.sku
        ) cost ON true;
        COMMENT ON VIEW {analytics}.order_lines IS 'One row per order line, with its product and category, its VAT split from the invoice and its cost of goods from the lots shipped. Sum only counted lines (see orders.counted).';
        COMMENT ON COLUMN {analytics}.order_lines.order_id IS 'The order (see the orders view).';
        COMMENT ON COLUMN {analytics}.order_lines.line IS 'Line number within the order, from 1.';
        COMMENT ON COLUMN {analytics}.order_lines.platform IS 'The order''s platform.';
        COMMENT ON COLUMN {analytics}.order_lines.shop IS 'The order''s shop.';
        COMMENT ON COLUMN {analytics}.order_lines.status IS 'The order''s current status.';
        COMMENT ON COLUMN {analytics}.order_lines.counted IS 'True unless the order was cancelled, split or merged: the lines that are sales.';
        COMMENT ON COLUMN {analytics}.order_lines.placed_at IS 'When the order was placed.';
        COMMENT ON COLUMN {analytics}.order_lines.currency IS 'ISO 4217 code of the line''s amounts (the order''s currency).';
        COMMENT ON COLUMN {analytics}.order_lines.sku IS 'The SKU sold.';
        COMMENT ON COLUMN {analytics}.order_lines.product IS 'The product the SKU belongs to (null if the catalog does not know the SKU).';
        COMMENT ON COLUMN {analytics}.order_lines.category IS 'The product''s catalog category code (null if it has none).';
        COMMENT ON COLUMN {analytics}.order_lines.quantity IS 'Units ordered.';
        COMMENT ON COLUMN {analytics}.order_lines.unit_price_minor IS 'Price of one unit as the platform sold it.';
        COMMENT ON COLUMN {analytics}.order_lines.discount_minor IS 'Discount on the line.';
        COMMENT ON COLUMN {analytics}.order_lines.total_minor IS 'quantity * unit_price_minor - discount_minor: what the customer pays for the line (VAT included when the order''s prices include it).';
        COMMENT ON COLUMN {analytics}.order_lines.net_minor IS 'The line net of VAT, from the order''s issued invoice (null until invoiced).';
        COMMENT ON COLUMN {analytics}.order_lines.tax_minor IS 'VAT on the line, from the issued invoice (null until invoiced).';
        COMMENT ON COLUMN {analytics}.order_lines.cost_minor IS 'Cost of goods of the units shipped for the line, at their lots'' cost (null until shipped, or if the lots were bought in several currencies). Lines of one SKU in one order share its cost by quantity.';
        COMMENT ON COLUMN {analytics}.order_lines.cost_currency IS 'ISO 4217 code of cost_minor (the lots'' purchase currency, which may differ from the sale''s).';
        COMMENT ON COLUMN {analytics}.order_lines.margin_minor IS 'net_minor - cost_minor when both are known and in the same currency; null otherwise.';

        CREATE VIEW {analytics}.returns AS
        SELECT r.rma, r.order_id, o.platform, o.shop, o.currency, r.kind, r.status, r.reason,
               r.requested_at, r.inspected_at, r.closed_at, rl.line, rl.sku, rl.quantity, rl.sellable, rl.damaged,
               rl.refund_minor, r.status = 'completed' AS refunded
        FROM {orders}.returns r
        JOIN {orders}.return_lines rl ON rl.rma = r.rma
        JOIN {orders}.orders o ON o.id = r.order_id;
        COMMENT ON VIEW {analytics}.returns IS 'One row per returned line of a return (RMA). Refunds count once the return is completed.';
        COMMENT ON COLUMN {analytics}.returns.rma IS 'The return''s RMA number.';
        COMMENT ON COLUMN {analytics}.returns.order_id IS 'The order the goods came from.';
        COMMENT ON COLUMN {analytics}.returns.platform IS 'The order''s platform.';
        COMMENT ON COLUMN {analytics}.returns.shop IS 'The order''s shop.';
        COMMENT ON COLUMN {analytics}.returns.currency IS 'ISO 4217 code of refund_minor (the order''s currency).';
        COMMENT ON COLUMN {analytics}.returns.kind IS 'return (goods back and refund), refund_only, return_without_refund, or repair.';
        COMMENT ON COLUMN {analytics}.returns.status IS 'approved, inspected, completed or cancelled.';
        COMMENT ON COLUMN {analytics}.returns.reason IS 'Why the customer returned it, as recorded.';
        COMMENT ON COLUMN {analytics}.returns.requested_at IS 'When the return was approved.';
        COMMENT ON COLUMN {analytics}.returns.inspected_at IS 'When the goods were inspected (null before).';
        COMMENT ON COLUMN {analytics}.returns.closed_at IS 'When the return was completed or cancelled.';
        COMMENT ON COLUMN {analytics}.returns.line IS 'The order line returned.';
        COMMENT ON COLUMN {analytics}.returns.sku IS 'The SKU returned.';
        COMMENT ON COLUMN {analytics}.returns.quantity IS 'Units returned.';
        COMMENT ON COLUMN {analytics}.returns.sellable IS 'Units found sellable on inspection (back in stock).';
        COMMENT ON COLUMN {analytics}.returns.damaged IS 'Units found damaged on inspection (quarantined).';
        COMMENT ON COLUMN {analytics}.returns.refund_minor IS 'Refund for the line.';
        COMMENT ON COLUMN {analytics}.returns.refunded IS 'True once the return is completed (its refund made).';

        CREATE VIEW {analytics}.sales_daily AS
        WITH sold AS (
            SELECT (o.placed_at AT TIME ZONE 'UTC')::date AS day, o.platform, o.shop, l.sku, o.currency,
                   count(DISTINCT o.id) AS orders, sum(l.quantity) AS units, sum(l.quantity * l.unit_price_minor) AS gross_minor,
                   sum(l.discount_minor) AS discount_minor, sum(l.total_minor) AS revenue_minor
            FROM {orders}.orders o JOIN {orders}.order_lines l ON l.order_id = o.id
            WHERE o.status NOT IN ('split', 'merged', 'cancelled')
            GROUP BY 1, 2, 3, 4, 5
        ), back AS (
            SELECT (r.closed_at AT TIME ZONE 'UTC')::date AS day, o.platform, o.shop, rl.sku, o.currency,
                   sum(rl.quantity) AS returned_units, sum(rl.refund_minor) AS refunded_minor
            FROM {orders}.returns r JOIN {orders}.return_lines rl ON rl.rma = r.rma JOIN {orders}.orders o ON o.id = r.order_id
            WHERE r.status = 'completed'
            GROUP BY 1, 2, 3, 4, 5
        )
        SELECT day, platform, shop, sku, currency,
               coalesce(s.orders, 0)::bigint AS orders, coalesce(s.units, 0)::bigint AS units,
               coalesce(s.gross_minor, 0)::bigint AS gross_minor, coalesce(s.discount_minor, 0)::bigint AS discount_minor,
               coalesce(s.revenue_minor, 0)::bigint AS revenue_minor, coalesce(b.returned_units, 0)::bigint AS returned_units,
               coalesce(b.refunded_minor, 0)::bigint AS refunded_minor,
               (coalesce(s.revenue_minor, 0) - coalesce(b.refunded_minor, 0))::bigint AS net_minor
        FROM sold s FULL JOIN back b USING (day, platform, shop, sku, currency);
        COMMENT ON VIEW {analytics}.sales_daily IS 'Sales per UTC day, platform, shop, SKU and currency: counted orders by the day they were placed, completed returns by the day they closed.';
        COMMENT ON COLUMN {analytics}.sales_daily.day IS 'The UTC date.';
        COMMENT ON COLUMN {analytics}.sales_daily.platform IS 'The platform.';
        COMMENT ON COLUMN {analytics}.sales_daily.shop IS 'The shop.';
        COMMENT ON COLUMN {analytics}.sales_daily.sku IS 'The SKU.';
        COMMENT ON COLUMN {analytics}.sales_daily.currency IS 'ISO 4217 code of every amount of the row.';
        COMMENT ON COLUMN {analytics}.sales_daily.orders IS 'Counted orders placed that day with the SKU.';
        COMMENT ON COLUMN {analytics}.sales_daily.units IS 'Units of the SKU ordered that day.';
        COMMENT ON COLUMN {analytics}.sales_daily.gross_minor IS 'Units times unit price, before discounts.';
        COMMENT ON COLUMN {analytics}.sales_daily.discount_minor IS 'Line discounts.';
        COMMENT ON COLUMN {analytics}.sales_daily.revenue_minor IS 'Line totals (gross_minor - discount_minor), as the customers paid them.';
        COMMENT ON COLUMN {analytics}.sales_daily.returned_units IS 'Units of returns completed that day.';
        COMMENT ON COLUMN {analytics}.sales_daily.refunded_minor IS 'Refunds of returns completed that day.';
        COMMENT ON COLUMN {analytics}.sales_daily.net_minor IS 'revenue_minor - refunded_minor.';
        """
}
