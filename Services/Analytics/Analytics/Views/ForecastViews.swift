/// The views of the market trend: the weekly demand forecast per SKU and what to reorder.
/// Migration 2 of the views: they read the job runner's forecasts (``ForecastJob``).
enum ForecastViews {
    static let grants = """
        -- As the database owner: open purchase requests are stock on order.
        RESET ROLE;
        GRANT SELECT ON {inventory}.purchase_requests TO {owner};
        SET LOCAL ROLE {owner};

        """

    static let sql = """
        CREATE VIEW {analytics}.forecast_weekly AS
        SELECT w.sku, w.week_start, round(w.units::numeric, 1) AS units, round(w.lower_80::numeric, 1) AS lower_80,
               round(w.upper_80::numeric, 1) AS upper_80, m.method, m.backtest_mase, m.history_days, m.computed_at
        FROM {analytics}.forecast_weeks w JOIN {analytics}.forecast_models m ON m.sku = w.sku;
        COMMENT ON VIEW {analytics}.forecast_weekly IS 'Demand forecast per SKU for the next eight whole weeks (Monday to Sunday, UTC), refreshed nightly by erp-analytics from the daily units of counted orders over the last year: Holt-Winters exponential smoothing with a weekly season, its weights chosen per SKU by a backtest on the last four weeks (a SKU with under six weeks of history: its mean day).';
        COMMENT ON COLUMN {analytics}.forecast_weekly.sku IS 'The SKU.';
        COMMENT ON COLUMN {analytics}.forecast_weekly.week_start IS 'The Monday the week starts.';
        COMMENT ON COLUMN {analytics}.forecast_weekly.units IS 'Expected units ordered in the week, on every platform.';
        COMMENT ON COLUMN {analytics}.forecast_weekly.lower_80 IS 'Lower end of the 80 % interval: 1 week in 10 is expected below it.';
        COMMENT ON COLUMN {analytics}.forecast_weekly.upper_80 IS 'Upper end of the 80 % interval: 1 week in 10 is expected above it.';
        COMMENT ON COLUMN {analytics}.forecast_weekly.method IS 'holt-winters, or mean (too little history to fit a season).';
        COMMENT ON COLUMN {analytics}.forecast_weekly.backtest_mase IS 'The model''s error on the held-out last four weeks, scaled by the error of repeating the same weekday of the week before (below 1: better than that); null without a backtest.';
        COMMENT ON COLUMN {analytics}.forecast_weekly.history_days IS 'Days of history the model was fitted on (from the SKU''s first sale of the year to yesterday).';
        COMMENT ON COLUMN {analytics}.forecast_weekly.computed_at IS 'When the forecast was made.';

        CREATE VIEW {analytics}.reorder_suggestions AS
        WITH shipped AS (
            SELECT sku, warehouse, -sum(quantity) AS units FROM {inventory}.movements
            WHERE kind = 'issue' AND occurred_at >= now() - interval '90 days' GROUP BY sku, warehouse
        ), shares AS (
            SELECT s.sku, s.warehouse, s.on_hand - s.reserved AS available,
                   CASE WHEN sum(coalesce(sh.units, 0)) OVER (PARTITION BY s.sku) > 0
                        THEN coalesce(sh.units, 0)::float8 / sum(coalesce(sh.units, 0)) OVER (PARTITION BY s.sku)
                        ELSE 1.0 / count(*) OVER (PARTITION BY s.sku) END AS share
            FROM {inventory}.stock s LEFT JOIN shipped sh ON sh.sku = s.sku AND sh.warehouse = s.warehouse
        ), leads AS (
            SELECT sh.*, coalesce(
                       (SELECT l.days FROM {analytics}.lead_times l WHERE l.sku = sh.sku AND l.warehouse = sh.warehouse),
                       (SELECT l.days FROM {analytics}.lead_times l WHERE l.sku = sh.sku AND l.warehouse = '*'),
                       (SELECT l.days FROM {analytics}.lead_times l WHERE l.sku = '*' AND l.warehouse = sh.warehouse),
                       (SELECT l.days FROM {analytics}.lead_times l WHERE l.sku = '*' AND l.warehouse = '*'), 14) AS lead_time_days
            FROM shares sh
        ), demand AS (
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
            SELECT sku, warehouse, sum(quantity - received_quantity) AS units
            FROM {inventory}.purchase_requests WHERE status = 'open' GROUP BY sku, warehouse
        ), figures AS (
            SELECT d.sku, d.warehouse, d.lead_time_days, d.share, d.method, d.available, coalesce(o.units, 0)::int AS on_order,
                   d.share * d.sku_demand AS demand, d.share * (d.sku_demand + 1.2816 * d.sigma * sqrt(d.lead_time_days)) AS upper
            FROM demand d LEFT JOIN ordered o ON o.sku = d.sku AND o.warehouse = d.warehouse
        )
        SELECT sku, warehouse, lead_time_days, round(share::numeric, 3) AS demand_share, round(demand::numeric, 1) AS demand_over_lead_time,
               round(upper::numeric, 1) AS upper_80_over_lead_time, available, on_order,
               greatest(0, ceil(upper) - available - on_order)::int AS suggested_quantity,
               ceil(upper) > available + on_order AS reorder, method AS forecast_method
        FROM figures;
        COMMENT ON VIEW {analytics}.reorder_suggestions IS 'Per SKU and warehouse, now: the forecast demand over the supplier lead time against what is available and on order, and how many units to order so that 9 lead times in 10 do not run out.';
        COMMENT ON COLUMN {analytics}.reorder_suggestions.sku IS 'The SKU.';
        COMMENT ON COLUMN {analytics}.reorder_suggestions.warehouse IS 'The warehouse code.';
        COMMENT ON COLUMN {analytics}.reorder_suggestions.lead_time_days IS 'Days from ordering to having the goods in the warehouse: erpctl analytics lead-time set (the SKU and warehouse''s own, else the SKU''s, else the warehouse''s, else the default, 14 unless set).';
        COMMENT ON COLUMN {analytics}.reorder_suggestions.demand_share IS 'The warehouse''s share of the SKU''s demand: its share of the SKU''s shipments in the last 90 days (equal shares without any).';
        COMMENT ON COLUMN {analytics}.reorder_suggestions.demand_over_lead_time IS 'Expected units ordered from the warehouse during the lead time (the daily forecast from today; beyond its eight weeks, at its average day).';
        COMMENT ON COLUMN {analytics}.reorder_suggestions.upper_80_over_lead_time IS 'Upper end of the 80 % interval of that demand (adds 1.28 times the model''s daily error times the square root of the lead time).';
        COMMENT ON COLUMN {analytics}.reorder_suggestions.available IS 'Units on hand less reserved, now.';
        COMMENT ON COLUMN {analytics}.reorder_suggestions.on_order IS 'Units of open purchase requests not yet received.';
        COMMENT ON COLUMN {analytics}.reorder_suggestions.suggested_quantity IS 'Units to order now: the upper demand over the lead time less available and on order, rounded up; 0 when enough is there.';
        COMMENT ON COLUMN {analytics}.reorder_suggestions.reorder IS 'True when suggested_quantity is above 0.';
        COMMENT ON COLUMN {analytics}.reorder_suggestions.forecast_method IS 'How the SKU''s demand was forecast (holt-winters or mean); null without a forecast (no sale in the last year): then demand is 0.';

        GRANT SELECT ON {analytics}.forecast_weekly, {analytics}.reorder_suggestions TO {analyst};
        """
}
