import Postgres

/// The tables of the analytics job runner (erp-analytics) in the `analytics` schema:
/// what it materialises because a plain view would be too slow. Analysts never read
/// them directly, only through the views (``AnalyticsViewMigrations``).
public enum AnalyticsMigrations {
    public static let all: [PostgresMigration] = [
        PostgresMigration(
            version: 1, name: "stock_snapshots",
            sql: """
                -- The closing stock of each UTC day per SKU and warehouse, taken when the day ends.
                CREATE TABLE stock_snapshots (
                    day date NOT NULL,
                    sku text NOT NULL,
                    warehouse text NOT NULL,
                    on_hand integer NOT NULL,
                    reserved integer NOT NULL,
                    available integer NOT NULL,
                    value_minor bigint,
                    value_currency text,
                    taken_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (day, sku, warehouse)
                );
                CREATE INDEX stock_snapshots_sku ON stock_snapshots (sku, warehouse, day);
                """),
        PostgresMigration(
            version: 2, name: "jobs_forecasts_lead_times",
            sql: """
                -- When each job runs next (one instance takes it: FOR UPDATE SKIP LOCKED), and how its last run went.
                CREATE TABLE jobs (
                    name text PRIMARY KEY CHECK (name IN ('stock-snapshot', 'forecast')),
                    due_at timestamptz NOT NULL,
                    runs integer NOT NULL DEFAULT 0,
                    last_started_at timestamptz,
                    last_finished_at timestamptz,
                    last_summary text,
                    last_error text
                );
                INSERT INTO jobs (name, due_at) VALUES ('stock-snapshot', now()), ('forecast', now());

                -- The model fitted per SKU by the last forecast run.
                CREATE TABLE forecast_models (
                    sku text PRIMARY KEY,
                    method text NOT NULL CHECK (method IN ('holt-winters', 'mean')),
                    alpha double precision, beta double precision, gamma double precision, phi double precision,
                    sigma double precision NOT NULL,
                    backtest_mase double precision,
                    history_days integer NOT NULL,
                    history_units bigint NOT NULL,
                    computed_at timestamptz NOT NULL
                );
                -- Expected units per SKU and day, from the day of the run.
                CREATE TABLE forecast_days (
                    sku text NOT NULL,
                    day date NOT NULL,
                    units double precision NOT NULL CHECK (units >= 0),
                    PRIMARY KEY (sku, day)
                );
                -- Expected units per SKU and whole week (from a Monday) with the 80 % interval.
                CREATE TABLE forecast_weeks (
                    sku text NOT NULL,
                    week_start date NOT NULL CHECK (extract(isodow FROM week_start) = 1),
                    units double precision NOT NULL CHECK (units >= 0),
                    lower_80 double precision NOT NULL CHECK (lower_80 >= 0 AND lower_80 <= units),
                    upper_80 double precision NOT NULL CHECK (upper_80 >= units),
                    PRIMARY KEY (sku, week_start)
                );
                -- Supplier lead times in days; '*' is any SKU or any warehouse.
                CREATE TABLE lead_times (
                    sku text NOT NULL,
                    warehouse text NOT NULL,
                    days integer NOT NULL CHECK (days BETWEEN 1 AND 365),
                    set_by text NOT NULL,
                    set_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (sku, warehouse)
                );
                INSERT INTO lead_times (sku, warehouse, days, set_by) VALUES ('*', '*', 14, 'default');
                """),
        PostgresMigration(
            version: 3, name: "saved_reports",
            sql: """
                -- Custom reports: a query over the views, its parameters ([{"name": "from", "type": "date"}]).
                CREATE TABLE reports (
                    name text PRIMARY KEY CHECK (name ~ '^[a-z0-9_-]{1,64}$'),
                    sql text NOT NULL CHECK (length(sql) BETWEEN 1 AND 100000),
                    parameters jsonb NOT NULL DEFAULT '[]',
                    description text NOT NULL DEFAULT '',
                    saved_by text NOT NULL,
                    saved_at timestamptz NOT NULL DEFAULT now()
                );
                """),
        PostgresMigration(
            version: 4, name: "sales_days_refresh",
            sql: """
                -- Daily sales as sales_daily shows them, kept by the refresh job: only the days whose
                -- orders or returns changed since its last run are computed again.
                CREATE TABLE sales_days (
                    day date NOT NULL,
                    platform text NOT NULL,
                    shop text NOT NULL,
                    sku text NOT NULL,
                    currency text NOT NULL,
                    orders bigint NOT NULL,
                    units bigint NOT NULL,
                    gross_minor bigint NOT NULL,
                    discount_minor bigint NOT NULL,
                    revenue_minor bigint NOT NULL,
                    returned_units bigint NOT NULL,
                    refunded_minor bigint NOT NULL,
                    PRIMARY KEY (day, platform, shop, sku, currency)
                );
                CREATE INDEX sales_days_sku ON sales_days (sku, day);
                -- What each refresh has taken in: changes up to this time.
                CREATE TABLE refreshes (
                    what text PRIMARY KEY,
                    up_to timestamptz NOT NULL,
                    days integer NOT NULL,
                    refreshed_at timestamptz NOT NULL
                );
                ALTER TABLE jobs DROP CONSTRAINT jobs_name_check;
                ALTER TABLE jobs ADD CONSTRAINT jobs_name_check CHECK (name IN ('stock-snapshot', 'forecast', 'refresh'));
                INSERT INTO jobs (name, due_at) VALUES ('refresh', now());
                """),
        PostgresMigration(
            version: 5, name: "customer_values_journal_months",
            sql: """
                -- Per customer and currency, what the customers view shows, kept by the refresh job for
                -- the customers whose orders changed (purchases: counted orders, a split order's parts once).
                CREATE TABLE customer_values (
                    customer bigint NOT NULL,
                    currency text NOT NULL,
                    purchases bigint NOT NULL,
                    value_minor bigint NOT NULL,
                    first_order_at timestamptz NOT NULL,
                    last_order_at timestamptz NOT NULL,
                    PRIMARY KEY (customer, currency)
                );
                -- The UTC months a customer placed a counted order in, with the month of their first (the cohort).
                CREATE TABLE customer_months (
                    customer bigint NOT NULL,
                    month date NOT NULL,
                    cohort date NOT NULL,
                    PRIMARY KEY (customer, month)
                );
                CREATE INDEX customer_months_cohort ON customer_months (cohort, month);
                -- Journal lines summed per month, currency, account and kind of entry, kept by the refresh
                -- job from the entries it has not taken in yet (the journal only grows).
                CREATE TABLE journal_months (
                    month date NOT NULL,
                    currency text NOT NULL,
                    account text NOT NULL,
                    kind text NOT NULL,
                    debit_minor bigint NOT NULL,
                    credit_minor bigint NOT NULL,
                    PRIMARY KEY (month, currency, account, kind)
                );
                ALTER TABLE refreshes ADD COLUMN up_to_entry bigint;
                """),
        PostgresMigration(
            version: 6, name: "sales_day_totals",
            sql: """
                -- Daily sales without the SKU (what sales_daily_totals shows), kept with sales_days.
                CREATE TABLE sales_day_totals (
                    day date NOT NULL,
                    platform text NOT NULL,
                    shop text NOT NULL,
                    currency text NOT NULL,
                    orders bigint NOT NULL,
                    units bigint NOT NULL,
                    gross_minor bigint NOT NULL,
                    discount_minor bigint NOT NULL,
                    revenue_minor bigint NOT NULL,
                    returned_units bigint NOT NULL,
                    refunded_minor bigint NOT NULL,
                    PRIMARY KEY (day, platform, shop, currency)
                );
                """),
        PostgresMigration(
            version: 7, name: "cash_flow_months",
            sql: """
                -- Money into and out of the cash, bank and clearing accounts (1000-1099) per month,
                -- currency and what it was for (the other side of each entry, as finance's cash-flow
                -- statement sorts it), kept by the refresh job beside journal_months, from its own
                -- watermark (refreshes 'cash_flows'), so that it starts from the first entry.
                CREATE TABLE cash_flow_months (
                    month date NOT NULL,
                    currency text NOT NULL,
                    category text NOT NULL,
                    cash_in_minor bigint NOT NULL,
                    cash_out_minor bigint NOT NULL,
                    PRIMARY KEY (month, currency, category)
                );
                """),
        PostgresMigration(
            version: 8, name: "currencies",
            sql: """
                -- The currencies the system accepts, their minor-unit digits and which one is the
                -- base currency that finance's exchange rates convert into: written by erpctl migrate
                -- from the code's own table and ERP_BASE_CURRENCY (the views' base-currency columns).
                CREATE TABLE currencies (
                    code text PRIMARY KEY,
                    minor_unit_digits integer NOT NULL CHECK (minor_unit_digits BETWEEN 0 AND 4),
                    base boolean NOT NULL DEFAULT false
                );
                CREATE UNIQUE INDEX currencies_one_base ON currencies (base) WHERE base;
                """),
    ]
}
