/// Migration 5 of the views: the same columns, read from what the refresh job keeps instead
/// of adding up a million orders or journal lines at every query. `customers` and
/// `cohorts_monthly` read `customer_values` and `customer_months`; `pnl_monthly` and
/// `cash_flow_monthly` read `journal_months` (at most a minute or two behind).
enum KeptViews {
    static let sql = """
        CREATE OR REPLACE VIEW {analytics}.customers AS
        WITH main AS (
            SELECT DISTINCT ON (customer) customer, currency, purchases, value_minor
            FROM {analytics}.customer_values ORDER BY customer, purchases DESC, last_order_at DESC
        ), overall AS (
            SELECT customer, sum(purchases) AS orders, min(first_order_at) AS first_order_at, max(last_order_at) AS last_order_at
            FROM {analytics}.customer_values GROUP BY customer
        )
        SELECT c.id AS customer_id, c.created_at, c.language, c.forgotten_at IS NOT NULL AS forgotten,
               ov.first_order_at, ov.last_order_at, coalesce(ov.orders, 0)::bigint AS orders,
               m.currency, coalesce(m.value_minor, 0)::bigint AS lifetime_value_minor,
               (coalesce(ov.orders, 0) - coalesce(m.purchases, 0))::bigint AS other_currency_orders,
               r.recency_days, r.frequency, r.monetary_minor, r.currency AS monetary_currency, r.r, r.f, r.m, r.segment
        FROM {crm}.customers c
        LEFT JOIN overall ov ON ov.customer = c.id
        LEFT JOIN main m ON m.customer = c.id
        LEFT JOIN {crm}.customer_rfm r ON r.customer = c.id
        WHERE c.merged_into IS NULL;
        COMMENT ON VIEW {analytics}.customers IS 'One row per CRM customer profile (a profile merged into another is left out: the survivor has its orders), with the orders the CRM linked to it, as the orders service holds them: they count unless cancelled, split or merged. No personal data. Kept by erp-analytics, which takes in the customers whose orders changed every minute.';

        CREATE OR REPLACE VIEW {analytics}.cohorts_monthly AS
        WITH active AS (
            SELECT cm.cohort, cm.month, count(*) AS customers
            FROM {analytics}.customer_months cm JOIN {crm}.customers c ON c.id = cm.customer
            WHERE c.merged_into IS NULL GROUP BY cm.cohort, cm.month
        )
        SELECT a.cohort AS cohort_month,
               ((extract(year FROM a.month) - extract(year FROM a.cohort)) * 12 + extract(month FROM a.month) - extract(month FROM a.cohort))::int
                   AS months_since_first,
               s.customers AS cohort_customers, a.customers AS active_customers,
               round(100.0 * a.customers / s.customers, 1) AS retention_percent
        FROM active a JOIN active s ON s.cohort = a.cohort AND s.month = a.cohort;
        COMMENT ON VIEW {analytics}.cohorts_monthly IS 'Retention by cohort: customers grouped by the UTC month of their first counted order, and how many of them ordered again in each later month. Kept by erp-analytics every minute.';

        CREATE OR REPLACE VIEW {analytics}.pnl_monthly AS
        SELECT j.month, j.currency,
               coalesce(sum(j.credit_minor - j.debit_minor) FILTER (WHERE a.type = 'revenue'), 0)::bigint AS revenue_minor,
               coalesce(sum(j.debit_minor - j.credit_minor) FILTER (WHERE a.code = '4900'), 0)::bigint AS returns_minor,
               coalesce(sum(j.debit_minor - j.credit_minor) FILTER (WHERE a.code = '5000'), 0)::bigint AS cost_of_goods_minor,
               (coalesce(sum(j.credit_minor - j.debit_minor) FILTER (WHERE a.type = 'revenue'), 0)
                - coalesce(sum(j.debit_minor - j.credit_minor) FILTER (WHERE a.code = '5000'), 0))::bigint AS gross_profit_minor,
               coalesce(sum(j.debit_minor - j.credit_minor) FILTER (WHERE a.type = 'expense'), 0)::bigint AS expenses_minor,
               (coalesce(sum(j.credit_minor - j.debit_minor) FILTER (WHERE a.type = 'revenue'), 0)
                - coalesce(sum(j.debit_minor - j.credit_minor) FILTER (WHERE a.type = 'expense'), 0))::bigint AS net_income_minor
        FROM {analytics}.journal_months j JOIN {finance}.accounts a ON a.code = j.account
        WHERE a.type IN ('revenue', 'expense')
        GROUP BY 1, 2;
        COMMENT ON VIEW {analytics}.pnl_monthly IS 'Profit and loss per calendar month (of the entries'' dates) and currency, from the journal: the income statement of each month. Kept by erp-analytics, which adds the journal''s new entries every minute (those posted at least a minute before).';

        CREATE OR REPLACE VIEW {analytics}.cash_flow_monthly AS
        SELECT j.month, j.currency, j.account, a.name AS account_name, j.kind,
               sum(j.debit_minor)::bigint AS cash_in_minor, sum(j.credit_minor)::bigint AS cash_out_minor,
               sum(j.debit_minor - j.credit_minor)::bigint AS net_minor
        FROM {analytics}.journal_months j JOIN {finance}.accounts a ON a.code = j.account
        WHERE j.account IN ('1000', '1010')
        GROUP BY 1, 2, 3, 4, 5;
        COMMENT ON VIEW {analytics}.cash_flow_monthly IS 'Money in and out of the bank (1000) and the platform clearing account (1010, payouts due from platforms) per month, currency, account and kind of entry. Kept by erp-analytics with the monthly P&L.';
        """
}
