/// Migration 10 of the views: finance's dated exchange rates (`erpctl finance rates set`) and
/// the daily sales converted into the base currency with them. The one place where amounts of
/// different currencies may be added: each row is converted at the rate in force on its own day,
/// and a row without such a rate has no base amount (never a silent 1).
enum BaseCurrencyViews {
    static let grants = """
        -- As the database owner: the exchange rates.
        RESET ROLE;
        GRANT SELECT ON {finance}.exchange_rates TO {owner};
        SET LOCAL ROLE {owner};

        """

    static let sql = """
        CREATE VIEW {analytics}.exchange_rates AS
        SELECT r.currency, b.code AS base_currency, r.effective_on,
               (lead(r.effective_on) OVER (PARTITION BY r.currency ORDER BY r.effective_on) - 1) AS valid_until, r.rate
        FROM {finance}.exchange_rates r CROSS JOIN (SELECT code FROM {analytics}.currencies WHERE base) b;
        COMMENT ON VIEW {analytics}.exchange_rates IS 'Exchange rates into the base currency (ERP_BASE_CURRENCY when erpctl migrate last ran) by the day each takes effect, as set with erpctl finance rates set: a rate holds from its day until the day before the next one.';
        COMMENT ON COLUMN {analytics}.exchange_rates.currency IS 'ISO 4217 code of the currency converted.';
        COMMENT ON COLUMN {analytics}.exchange_rates.base_currency IS 'ISO 4217 code of the base currency it converts into.';
        COMMENT ON COLUMN {analytics}.exchange_rates.effective_on IS 'First day the rate holds.';
        COMMENT ON COLUMN {analytics}.exchange_rates.valid_until IS 'Last day the rate holds (the day before the next rate of the currency); null while it is the latest.';
        COMMENT ON COLUMN {analytics}.exchange_rates.rate IS 'Units of the base currency one unit of the currency is worth (7.12: one USD is 7.12 CNY).';

        CREATE VIEW {analytics}.sales_daily_base AS
        SELECT s.day, s.platform, s.shop, s.sku, s.currency, s.revenue_minor, s.refunded_minor, s.net_minor,
               b.code AS base_currency, x.rate, x.effective_on AS rate_effective_on,
               round(s.revenue_minor * x.rate * power(10::numeric, b.minor_unit_digits - c.minor_unit_digits))::bigint AS revenue_base_minor,
               round(s.refunded_minor * x.rate * power(10::numeric, b.minor_unit_digits - c.minor_unit_digits))::bigint AS refunded_base_minor,
               round(s.net_minor * x.rate * power(10::numeric, b.minor_unit_digits - c.minor_unit_digits))::bigint AS net_base_minor
        FROM {analytics}.sales_daily s
        CROSS JOIN (SELECT code, minor_unit_digits FROM {analytics}.currencies WHERE base) b
        LEFT JOIN {analytics}.currencies c ON c.code = s.currency
        LEFT JOIN LATERAL (
            SELECT 1::numeric AS rate, NULL::date AS effective_on WHERE s.currency = b.code
            UNION ALL
            (SELECT r.rate, r.effective_on FROM {finance}.exchange_rates r
             WHERE s.currency <> b.code AND r.currency = s.currency AND r.effective_on <= s.day ORDER BY r.effective_on DESC LIMIT 1)
        ) x ON true;
        COMMENT ON VIEW {analytics}.sales_daily_base IS 'sales_daily with its money also in the base currency, each row converted at the exchange rate in force on its day (exchange_rates): the view to add sales of several currencies together. A row whose currency has no rate on or before its day has null base amounts (erpctl finance rates set --currency C --rate R --date D gives it one).';
        COMMENT ON COLUMN {analytics}.sales_daily_base.day IS 'UTC day of the sales (orders by the day placed, returns by the day closed).';
        COMMENT ON COLUMN {analytics}.sales_daily_base.platform IS 'Platform the orders came from.';
        COMMENT ON COLUMN {analytics}.sales_daily_base.shop IS 'Shop on that platform.';
        COMMENT ON COLUMN {analytics}.sales_daily_base.sku IS 'The SKU.';
        COMMENT ON COLUMN {analytics}.sales_daily_base.currency IS 'ISO 4217 code of the sale''s own amounts.';
        COMMENT ON COLUMN {analytics}.sales_daily_base.revenue_minor IS 'Revenue in the sale''s currency, minor units (as sales_daily).';
        COMMENT ON COLUMN {analytics}.sales_daily_base.refunded_minor IS 'Refunded in the sale''s currency, minor units (as sales_daily).';
        COMMENT ON COLUMN {analytics}.sales_daily_base.net_minor IS 'Revenue less refunds in the sale''s currency, minor units (as sales_daily).';
        COMMENT ON COLUMN {analytics}.sales_daily_base.base_currency IS 'ISO 4217 code of the base currency (ERP_BASE_CURRENCY when erpctl migrate last ran).';
        COMMENT ON COLUMN {analytics}.sales_daily_base.rate IS 'Units of the base currency per unit of the sale''s currency used (1 for the base currency itself); null without a rate.';
        COMMENT ON COLUMN {analytics}.sales_daily_base.rate_effective_on IS 'The day the rate used took effect; null for the base currency itself or without a rate.';
        COMMENT ON COLUMN {analytics}.sales_daily_base.revenue_base_minor IS 'Revenue in the base currency, minor units, rounded half away from zero; null without a rate.';
        COMMENT ON COLUMN {analytics}.sales_daily_base.refunded_base_minor IS 'Refunds in the base currency, minor units, rounded half away from zero; null without a rate.';
        COMMENT ON COLUMN {analytics}.sales_daily_base.net_base_minor IS 'Net sales in the base currency, minor units, converted on their own (so it may differ by one minor unit from revenue less refunds); null without a rate.';
        GRANT SELECT ON {analytics}.exchange_rates, {analytics}.sales_daily_base TO {analyst};
        """
}
