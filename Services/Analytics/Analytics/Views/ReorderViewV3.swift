/// Migration 8 of the views: `reorder_suggestions` with the same columns, counting what
/// purchasing has ordered. Stock on order is the unreceived rest of every approved or sent
/// purchase-order line (a partly received order counts what is still to come), plus the open
/// purchase requests on no order or on a draft (one on an order closed short is answered).
/// The lead time falls back to the preferred supplier's lead time for the SKU before the
/// warehouse's and the general defaults.
enum ReorderViewV3 {
    static let grants = """
        -- As the database owner: purchase orders and the suppliers' lead times.
        RESET ROLE;
        GRANT SELECT ON {inventory}.purchase_orders, {inventory}.purchase_order_lines, {inventory}.supplier_items, {inventory}.suppliers
            TO {owner};
        SET LOCAL ROLE {owner};

        """

    static let sql = """
        CREATE OR REPLACE VIEW {analytics}.reorder_suggestions AS
        WITH shipped AS MATERIALIZED (
            SELECT sku, warehouse, -sum(quantity) AS units FROM {inventory}.movements
            WHERE kind = 'issue' AND occurred_at >= now() - interval '90 days' GROUP BY sku, warehouse
        ), shares AS MATERIALIZED (
            SELECT s.sku, s.warehouse, s.on_hand - s.reserved AS available,
                   CASE WHEN sum(coalesce(sh.units, 0)) OVER (PARTITION BY s.sku) > 0
                        THEN coalesce(sh.units, 0)::float8 / sum(coalesce(sh.units, 0)) OVER (PARTITION BY s.sku)
                        ELSE 1.0 / count(*) OVER (PARTITION BY s.sku) END AS share
            FROM {inventory}.stock s LEFT JOIN shipped sh ON sh.sku = s.sku AND sh.warehouse = s.warehouse
        ), supplier_leads AS MATERIALIZED (
            SELECT i.sku, i.lead_time_days FROM {inventory}.supplier_items i JOIN {inventory}.suppliers s ON s.code = i.supplier
            WHERE i.preferred AND s.active
        ), leads AS MATERIALIZED (
            SELECT sh.*,
                   coalesce(own.days, sku_any.days, supplier.lead_time_days, warehouse_any.days, any_any.days, 14) AS lead_time_days
            FROM shares sh
            LEFT JOIN {analytics}.lead_times own ON own.sku = sh.sku AND own.warehouse = sh.warehouse
            LEFT JOIN {analytics}.lead_times sku_any ON sku_any.sku = sh.sku AND sku_any.warehouse = '*'
            LEFT JOIN supplier_leads supplier ON supplier.sku = sh.sku
            LEFT JOIN {analytics}.lead_times warehouse_any ON warehouse_any.sku = '*' AND warehouse_any.warehouse = sh.warehouse
            LEFT JOIN {analytics}.lead_times any_any ON any_any.sku = '*' AND any_any.warehouse = '*'
        ), demand AS MATERIALIZED (
            SELECT le.*, m.method, coalesce(m.sigma, 0) AS sigma,
                   coalesce(f.units, 0) + greatest(0, le.lead_time_days - coalesce(f.days, 0)) * coalesce(f.average, 0) AS sku_demand
            FROM leads le
            LEFT JOIN {analytics}.forecast_models m ON m.sku = le.sku
            LEFT JOIN LATERAL (
                SELECT sum(fd.units) FILTER (WHERE fd.day < (now() AT TIME ZONE 'UTC')::date + le.lead_time_days) AS units,
                       count(*) FILTER (WHERE fd.day < (now() AT TIME ZONE 'UTC')::date + le.lead_time_days) AS days,
                       avg(fd.units) AS average
                FROM {analytics}.forecast_days fd WHERE fd.sku = le.sku AND fd.day >= (now() AT TIME ZONE 'UTC')::date
            ) f ON true
        ), ordered AS (
            SELECT sku, warehouse, sum(units) AS units FROM (
                SELECT l.sku, o.warehouse, greatest(0, l.quantity - l.received_quantity) AS units
                FROM {inventory}.purchase_order_lines l JOIN {inventory}.purchase_orders o ON o.id = l.order_id
                WHERE o.status IN ('approved', 'sent', 'partially_received')
                UNION ALL
                SELECT r.sku, r.warehouse, greatest(0, r.quantity - r.received_quantity)
                FROM {inventory}.purchase_requests r LEFT JOIN {inventory}.purchase_orders o ON o.id = r.purchase_order
                WHERE r.status = 'open' AND (o.id IS NULL OR o.status = 'draft')
            ) open_units GROUP BY sku, warehouse
        ), figures AS MATERIALIZED (
            SELECT d.sku, d.warehouse, d.lead_time_days, d.share, d.method, d.available, coalesce(o.units, 0)::int AS on_order,
                   d.share * d.sku_demand AS demand, d.share * (d.sku_demand + 1.2816 * d.sigma * sqrt(d.lead_time_days)) AS upper
            FROM demand d LEFT JOIN ordered o ON o.sku = d.sku AND o.warehouse = d.warehouse
        )
        SELECT sku, warehouse, lead_time_days, round(share::numeric, 3) AS demand_share, round(demand::numeric, 1) AS demand_over_lead_time,
               round(upper::numeric, 1) AS upper_80_over_lead_time, available, on_order,
               greatest(0, ceil(upper) - available - on_order)::int AS suggested_quantity,
               ceil(upper) > available + on_order AS reorder, method AS forecast_method
        FROM figures;
        COMMENT ON COLUMN {analytics}.reorder_suggestions.lead_time_days IS 'Days from ordering to having the goods in the warehouse: erpctl analytics lead-time set for the SKU and warehouse, else for the SKU, else the preferred active supplier''s lead time for the SKU (erpctl purchasing), else the warehouse''s, else the default (14 unless set).';
        COMMENT ON COLUMN {analytics}.reorder_suggestions.on_order IS 'Units ordered and not yet received: the rest of every approved or sent purchase-order line into the warehouse (a partly received order counts what is still to come), plus open purchase requests that no such order covers.';
        """
}
