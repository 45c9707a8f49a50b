/// The views of customers: one row per CRM profile with its orders, lifetime value, RFM
/// scores and segment, and monthly retention cohorts. No name, e-mail or address: an
/// analyst counts customers, the CRM knows who they are.
enum CustomerViews {
    static let sql = """
        CREATE VIEW {analytics}.customers AS
        WITH counted AS (
            SELECT co.customer, o.currency, o.placed_at, coalesce(o.parent_id, o.id) AS purchase,
                   o.total_minor - coalesce((SELECT sum(r.refund_minor) FROM {orders}.returns r WHERE r.order_id = o.id AND r.status = 'completed'), 0)
                       AS value_minor
            FROM {crm}.customer_orders co JOIN {orders}.orders o ON o.id = co.order_id
            WHERE o.status NOT IN ('cancelled', 'split', 'merged')
        ), per_currency AS (
            SELECT customer, currency, count(DISTINCT purchase) AS orders, sum(value_minor) AS value_minor, max(placed_at) AS last_at
            FROM counted GROUP BY customer, currency
        ), main AS (
            SELECT DISTINCT ON (customer) customer, currency, orders, value_minor
            FROM per_currency ORDER BY customer, orders DESC, last_at DESC
        ), overall AS (
            SELECT customer, count(DISTINCT purchase) AS orders, min(placed_at) AS first_order_at, max(placed_at) AS last_order_at
            FROM counted GROUP BY customer
        )
        SELECT c.id AS customer_id, c.created_at, c.language, c.forgotten_at IS NOT NULL AS forgotten,
               ov.first_order_at, ov.last_order_at, coalesce(ov.orders, 0)::bigint AS orders,
               m.currency, coalesce(m.value_minor, 0)::bigint AS lifetime_value_minor,
               (coalesce(ov.orders, 0) - coalesce(m.orders, 0))::bigint AS other_currency_orders,
               r.recency_days, r.frequency, r.monetary_minor, r.currency AS monetary_currency, r.r, r.f, r.m, r.segment
        FROM {crm}.customers c
        LEFT JOIN overall ov ON ov.customer = c.id
        LEFT JOIN main m ON m.customer = c.id
        LEFT JOIN {crm}.customer_rfm r ON r.customer = c.id
        WHERE c.merged_into IS NULL;
        COMMENT ON VIEW {analytics}.customers IS 'One row per CRM customer profile (a profile merged into another is left out: the survivor has its orders), with the orders the CRM linked to it, as the orders service holds them: they count unless cancelled, split or merged. No personal data.';
        COMMENT ON COLUMN {analytics}.customers.customer_id IS 'The CRM profile id.';
        COMMENT ON COLUMN {analytics}.customers.created_at IS 'When the CRM first saw the customer.';
        COMMENT ON COLUMN {analytics}.customers.language IS 'The customer''s language, when known.';
        COMMENT ON COLUMN {analytics}.customers.forgotten IS 'True when the customer''s personal data was erased on request (the orders stay, anonymous).';
        COMMENT ON COLUMN {analytics}.customers.first_order_at IS 'When the first counted order was placed (null without orders).';
        COMMENT ON COLUMN {analytics}.customers.last_order_at IS 'When the last counted order was placed.';
        COMMENT ON COLUMN {analytics}.customers.orders IS 'Purchases: counted orders in every currency, the parts of a split order once.';
        COMMENT ON COLUMN {analytics}.customers.currency IS 'The currency most of the customer''s orders are in (ties: the latest order''s); the currency of lifetime_value_minor.';
        COMMENT ON COLUMN {analytics}.customers.lifetime_value_minor IS 'Totals of the counted orders in that currency, less refunds. Orders in other currencies are not added (see other_currency_orders).';
        COMMENT ON COLUMN {analytics}.customers.other_currency_orders IS 'Purchases in currencies other than currency, left out of lifetime_value_minor.';
        COMMENT ON COLUMN {analytics}.customers.recency_days IS 'Days since the last order at the last nightly RFM refresh (null before one).';
        COMMENT ON COLUMN {analytics}.customers.frequency IS 'Orders counted by the RFM refresh.';
        COMMENT ON COLUMN {analytics}.customers.monetary_minor IS 'Spend counted by the RFM refresh, in monetary_currency.';
        COMMENT ON COLUMN {analytics}.customers.monetary_currency IS 'ISO 4217 code of monetary_minor.';
        COMMENT ON COLUMN {analytics}.customers.r IS 'Recency score, 1 (long ago) to 5 (recent).';
        COMMENT ON COLUMN {analytics}.customers.f IS 'Frequency score, 1 to 5.';
        COMMENT ON COLUMN {analytics}.customers.m IS 'Monetary score, 1 to 5.';
        COMMENT ON COLUMN {analytics}.customers.segment IS 'The RFM segment (champions, loyal, at_risk...), null before the first refresh.';

        CREATE VIEW {analytics}.cohorts_monthly AS
        WITH counted AS (
            SELECT co.customer, date_trunc('month', o.placed_at AT TIME ZONE 'UTC')::date AS month
            FROM {crm}.customer_orders co JOIN {orders}.orders o ON o.id = co.order_id JOIN {crm}.customers c ON c.id = co.customer
            WHERE o.status NOT IN ('cancelled', 'split', 'merged') AND c.merged_into IS NULL
        ), firsts AS (
            SELECT customer, min(month) AS cohort FROM counted GROUP BY customer
        ), sizes AS (
            SELECT cohort, count(*) AS customers FROM firsts GROUP BY cohort
        )
        SELECT f.cohort AS cohort_month,
               ((extract(year FROM a.month) - extract(year FROM f.cohort)) * 12 + extract(month FROM a.month) - extract(month FROM f.cohort))::int
                   AS months_since_first,
               s.customers AS cohort_customers, count(DISTINCT a.customer) AS active_customers,
               round(100.0 * count(DISTINCT a.customer) / s.customers, 1) AS retention_percent
        FROM firsts f JOIN counted a ON a.customer = f.customer JOIN sizes s ON s.cohort = f.cohort
        GROUP BY f.cohort, a.month, s.customers;
        COMMENT ON VIEW {analytics}.cohorts_monthly IS 'Retention by cohort: customers grouped by the UTC month of their first counted order, and how many of them ordered again in each later month.';
        COMMENT ON COLUMN {analytics}.cohorts_monthly.cohort_month IS 'First day of the month of the cohort''s first orders.';
        COMMENT ON COLUMN {analytics}.cohorts_monthly.months_since_first IS '0 for the cohort''s own month, 1 for the next...';
        COMMENT ON COLUMN {analytics}.cohorts_monthly.cohort_customers IS 'Customers in the cohort.';
        COMMENT ON COLUMN {analytics}.cohorts_monthly.active_customers IS 'Of them, those who placed a counted order in that month.';
        COMMENT ON COLUMN {analytics}.cohorts_monthly.retention_percent IS '100 * active_customers / cohort_customers.';
        """
}
