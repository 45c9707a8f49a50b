/// The views of stock: daily levels (closing snapshots taken by erp-analytics, and today's
/// live level), every movement, and the health of each SKU in each warehouse.
enum InventoryViews {
    static let sql = """
        CREATE VIEW {analytics}.stock_daily AS
        SELECT day, sku, warehouse, on_hand, reserved, available, value_minor, value_currency, false AS live
        FROM {analytics}.stock_snapshots
        UNION ALL
        SELECT (now() AT TIME ZONE 'UTC')::date, s.sku, s.warehouse, s.on_hand, s.reserved, s.on_hand - s.reserved,
               v.value_minor, v.value_currency, true
        FROM {inventory}.stock s
        LEFT JOIN LATERAL (
            SELECT CASE WHEN count(DISTINCT l.currency) = 1 THEN sum(l.on_hand::bigint * l.unit_cost_minor)::bigint END AS value_minor,
                   CASE WHEN count(DISTINCT l.currency) = 1 THEN min(l.currency) END AS value_currency
            FROM {inventory}.lots l WHERE l.sku = s.sku AND l.warehouse = s.warehouse AND l.on_hand > 0
        ) v ON true
        WHERE NOT EXISTS (SELECT 1 FROM {analytics}.stock_snapshots x WHERE x.day = (now() AT TIME ZONE 'UTC')::date);
        COMMENT ON VIEW {analytics}.stock_daily IS 'Stock per UTC day, SKU and warehouse: the closing level of each past day (taken by erp-analytics when the day ends), and today''s live level (live = true).';
        COMMENT ON COLUMN {analytics}.stock_daily.day IS 'The UTC date.';
        COMMENT ON COLUMN {analytics}.stock_daily.sku IS 'The SKU.';
        COMMENT ON COLUMN {analytics}.stock_daily.warehouse IS 'The warehouse code.';
        COMMENT ON COLUMN {analytics}.stock_daily.on_hand IS 'Units in the warehouse.';
        COMMENT ON COLUMN {analytics}.stock_daily.reserved IS 'Units of it reserved for orders not yet shipped.';
        COMMENT ON COLUMN {analytics}.stock_daily.available IS 'on_hand - reserved: units that can still be sold.';
        COMMENT ON COLUMN {analytics}.stock_daily.value_minor IS 'Units on hand at their lots'' purchase cost (null when the lots were bought in several currencies or none is on hand).';
        COMMENT ON COLUMN {analytics}.stock_daily.value_currency IS 'ISO 4217 code of value_minor.';
        COMMENT ON COLUMN {analytics}.stock_daily.live IS 'True for today''s row, read from the inventory as it is now; false for a closing snapshot.';

        CREATE VIEW {analytics}.stock_movements AS
        SELECT m.id AS movement_id, m.occurred_at, m.kind, CASE WHEN m.kind IN ('reservation', 'release') THEN 'reserved' ELSE 'on_hand' END AS changes,
               m.sku, coalesce(cs.product, m.sku) AS product, m.warehouse, m.lot, m.quantity, m.reference
        FROM {inventory}.movements m LEFT JOIN {catalog}.skus cs ON cs.code = m.sku;
        COMMENT ON VIEW {analytics}.stock_movements IS 'Every stock movement the inventory recorded, never changed after: receipts, shipments (issue), returns, adjustments, transfers, quarantine, reservations and their release.';
        COMMENT ON COLUMN {analytics}.stock_movements.movement_id IS 'The movement''s id, increasing in the order they were recorded.';
        COMMENT ON COLUMN {analytics}.stock_movements.occurred_at IS 'When it happened.';
        COMMENT ON COLUMN {analytics}.stock_movements.kind IS 'receipt, issue, return, adjustment, transfer_out, transfer_in, quarantine, reservation or release.';
        COMMENT ON COLUMN {analytics}.stock_movements.changes IS 'on_hand or reserved: the figure the movement changes.';
        COMMENT ON COLUMN {analytics}.stock_movements.sku IS 'The SKU.';
        COMMENT ON COLUMN {analytics}.stock_movements.product IS 'Its product (the SKU itself if the catalog does not know it).';
        COMMENT ON COLUMN {analytics}.stock_movements.warehouse IS 'The warehouse code.';
        COMMENT ON COLUMN {analytics}.stock_movements.lot IS 'The lot, when the movement is of one.';
        COMMENT ON COLUMN {analytics}.stock_movements.quantity IS 'Signed change in units: positive adds, negative removes (an issue is negative).';
        COMMENT ON COLUMN {analytics}.stock_movements.reference IS 'What caused it: the order id, purchase reference, transfer id or RMA.';

        CREATE VIEW {analytics}.inventory_health AS
        WITH moved AS (
            SELECT sku, warehouse,
                   coalesce(-sum(quantity) FILTER (WHERE kind = 'issue' AND occurred_at >= now() - interval '28 days'), 0)::bigint AS units_28d,
                   coalesce(-sum(quantity) FILTER (WHERE kind = 'issue' AND occurred_at >= now() - interval '90 days'), 0)::bigint AS units_90d,
                   max(occurred_at) FILTER (WHERE kind = 'issue') AS last_shipped_at,
                   min(occurred_at) FILTER (WHERE kind IN ('receipt', 'transfer_in')) AS first_received_at
            FROM {inventory}.movements WHERE kind IN ('issue', 'receipt', 'transfer_in') GROUP BY sku, warehouse
        ), days AS (
            SELECT sku, warehouse, count(*) FILTER (WHERE available <= 0) AS stock_out_days, avg(on_hand) AS average_on_hand
            FROM {analytics}.stock_snapshots WHERE day > (now() AT TIME ZONE 'UTC')::date - 28 GROUP BY sku, warehouse
        ), health AS (
            SELECT s.sku, coalesce(cs.product, s.sku) AS product, s.warehouse, s.on_hand, s.reserved, s.on_hand - s.reserved AS available,
                   coalesce(m.units_28d, 0) AS units_28d, coalesce(m.units_90d, 0) AS units_90d,
                   coalesce(d.average_on_hand, s.on_hand) AS average_on_hand, coalesce(d.stock_out_days, 0) AS stock_out_days,
                   m.last_shipped_at, m.first_received_at
            FROM {inventory}.stock s
            LEFT JOIN moved m ON m.sku = s.sku AND m.warehouse = s.warehouse
            LEFT JOIN days d ON d.sku = s.sku AND d.warehouse = s.warehouse
            LEFT JOIN {catalog}.skus cs ON cs.code = s.sku
        )
        SELECT sku, product, warehouse, on_hand, reserved, available, units_28d AS units_shipped_28d, units_90d AS units_shipped_90d,
               round(units_28d / 28.0, 2) AS daily_demand,
               CASE WHEN units_28d > 0 THEN round(available / (units_28d / 28.0), 1) END AS days_of_cover,
               CASE WHEN average_on_hand > 0 THEN round(units_90d / average_on_hand * 365.0 / 90, 2) END AS turnover_per_year,
               stock_out_days::int AS stock_out_days_28d, last_shipped_at, first_received_at,
               on_hand > 0 AND units_90d = 0 AND first_received_at < now() - interval '90 days' AS dead,
               on_hand > 0 AND NOT (units_90d = 0 AND coalesce(first_received_at < now() - interval '90 days', false))
                   AND ((units_28d = 0 AND coalesce(first_received_at < now() - interval '28 days', false))
                        OR (units_28d > 0 AND available / (units_28d / 28.0) > 90)) AS slow
        FROM health;
        COMMENT ON VIEW {analytics}.inventory_health IS 'Per SKU and warehouse, now: stock, demand over the last 28 and 90 days (units shipped), days of cover, turnover, stock-out days, and whether the stock is slow or dead.';
        COMMENT ON COLUMN {analytics}.inventory_health.sku IS 'The SKU.';
        COMMENT ON COLUMN {analytics}.inventory_health.product IS 'Its product (the SKU itself if the catalog does not know it).';
        COMMENT ON COLUMN {analytics}.inventory_health.warehouse IS 'The warehouse code.';
        COMMENT ON COLUMN {analytics}.inventory_health.on_hand IS 'Units in the warehouse now.';
        COMMENT ON COLUMN {analytics}.inventory_health.reserved IS 'Units of it reserved for orders.';
        COMMENT ON COLUMN {analytics}.inventory_health.available IS 'on_hand - reserved.';
        COMMENT ON COLUMN {analytics}.inventory_health.units_shipped_28d IS 'Units shipped from the warehouse in the last 28 days.';
        COMMENT ON COLUMN {analytics}.inventory_health.units_shipped_90d IS 'Units shipped from the warehouse in the last 90 days.';
        COMMENT ON COLUMN {analytics}.inventory_health.daily_demand IS 'units_shipped_28d / 28.';
        COMMENT ON COLUMN {analytics}.inventory_health.days_of_cover IS 'available / daily_demand: days the available stock lasts at the recent pace (null without demand).';
        COMMENT ON COLUMN {analytics}.inventory_health.turnover_per_year IS 'Units shipped in 90 days over the average units on hand (daily snapshots of the last 28 days, else now), per year.';
        COMMENT ON COLUMN {analytics}.inventory_health.stock_out_days_28d IS 'Days of the last 28 that closed with nothing available.';
        COMMENT ON COLUMN {analytics}.inventory_health.last_shipped_at IS 'The last shipment of the SKU from the warehouse.';
        COMMENT ON COLUMN {analytics}.inventory_health.first_received_at IS 'The first receipt (or transfer in) of the SKU in the warehouse.';
        COMMENT ON COLUMN {analytics}.inventory_health.dead IS 'Dead stock: units on hand, nothing shipped in 90 days, first received more than 90 days ago.';
        COMMENT ON COLUMN {analytics}.inventory_health.slow IS 'Slow stock (and not dead): nothing shipped in 28 days though received earlier, or more than 90 days of cover.';
        """
}
