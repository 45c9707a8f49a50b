/// Migration 7 of the views: the daily sales without the SKU, for the period tables of the
/// sales analysis (a few rows a day instead of one per SKU).
enum SalesTotalsView {
    static let sql = """
        CREATE VIEW {analytics}.sales_daily_totals AS
        SELECT day, platform, shop, currency, orders, units, gross_minor, discount_minor, revenue_minor, returned_units, refunded_minor,
               (revenue_minor - refunded_minor)::bigint AS net_minor
        FROM {analytics}.sales_day_totals;
        COMMENT ON VIEW {analytics}.sales_daily_totals IS 'sales_daily added up over the SKUs, per UTC day, platform, shop and currency, with the counted orders placed that day (an order of several SKUs once). Kept by erp-analytics with sales_daily.';
        COMMENT ON COLUMN {analytics}.sales_daily_totals.day IS 'The UTC date.';
        COMMENT ON COLUMN {analytics}.sales_daily_totals.platform IS 'The platform.';
        COMMENT ON COLUMN {analytics}.sales_daily_totals.shop IS 'The shop.';
        COMMENT ON COLUMN {analytics}.sales_daily_totals.currency IS 'ISO 4217 code of every amount of the row.';
        COMMENT ON COLUMN {analytics}.sales_daily_totals.orders IS 'Counted orders placed that day.';
        COMMENT ON COLUMN {analytics}.sales_daily_totals.units IS 'Units ordered that day.';
        COMMENT ON COLUMN {analytics}.sales_daily_totals.gross_minor IS 'Units times unit price, before discounts.';
        COMMENT ON COLUMN {analytics}.sales_daily_totals.discount_minor IS 'Line discounts.';
        COMMENT ON COLUMN {analytics}.sales_daily_totals.revenue_minor IS 'Line totals, as the customers paid them.';
        COMMENT ON COLUMN {analytics}.sales_daily_totals.returned_units IS 'Units of returns completed that day.';
        COMMENT ON COLUMN {analytics}.sales_daily_totals.refunded_minor IS 'Refunds of returns completed that day.';
        COMMENT ON COLUMN {analytics}.sales_daily_totals.net_minor IS 'revenue_minor - refunded_minor.';
        GRANT SELECT ON {analytics}.sales_daily_totals TO {analyst};
        """
}
