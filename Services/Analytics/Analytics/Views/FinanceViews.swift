/// The views of the books: every journal line, the monthly profit and loss and cash flow,
/// and what is open with customers and suppliers by age.
enum FinanceViews {
    static let sql = """
        CREATE VIEW {analytics}.journal AS
        SELECT e.id AS entry_id, e.entry_date, e.description, e.source, split_part(e.source, ':', 1) AS source_kind,
               l.line, l.account, a.name AS account_name, a.type AS account_type, l.currency, l.debit_minor, l.credit_minor, l.memo, e.posted_at
        FROM {finance}.journal_entries e
        JOIN {finance}.journal_lines l ON l.entry_id = e.id
        JOIN {finance}.accounts a ON a.code = l.account;
        COMMENT ON VIEW {analytics}.journal IS 'Every line of every journal entry, with its account. Each entry balances in its own currency: its debits equal its credits.';
        COMMENT ON COLUMN {analytics}.journal.entry_id IS 'The journal entry.';
        COMMENT ON COLUMN {analytics}.journal.entry_date IS 'The business date the entry is booked on.';
        COMMENT ON COLUMN {analytics}.journal.description IS 'What the entry records.';
        COMMENT ON COLUMN {analytics}.journal.source IS 'What made it, unique per entry (invoice:INV-2026-000001, receipt:<message>, cogs:<message>...).';
        COMMENT ON COLUMN {analytics}.journal.source_kind IS 'The kind of source: invoice, void, receipt, payment, platform-payment, refund, amend-refund, cogs, return-cost, supplier-payment, adjustment.';
        COMMENT ON COLUMN {analytics}.journal.line IS 'Line number within the entry.';
        COMMENT ON COLUMN {analytics}.journal.account IS 'Account code of the chart of accounts.';
        COMMENT ON COLUMN {analytics}.journal.account_name IS 'The account''s name.';
        COMMENT ON COLUMN {analytics}.journal.account_type IS 'asset, liability, equity, revenue or expense.';
        COMMENT ON COLUMN {analytics}.journal.currency IS 'ISO 4217 code of the line''s amounts.';
        COMMENT ON COLUMN {analytics}.journal.debit_minor IS 'Debit (0 on a credit line).';
        COMMENT ON COLUMN {analytics}.journal.credit_minor IS 'Credit (0 on a debit line).';
        COMMENT ON COLUMN {analytics}.journal.memo IS 'The line''s memo, if any.';
        COMMENT ON COLUMN {analytics}.journal.posted_at IS 'When the entry was recorded.';

        CREATE VIEW {analytics}.pnl_monthly AS
        SELECT date_trunc('month', e.entry_date)::date AS month, l.currency,
               coalesce(sum(l.credit_minor - l.debit_minor) FILTER (WHERE a.type = 'revenue'), 0)::bigint AS revenue_minor,
               coalesce(sum(l.debit_minor - l.credit_minor) FILTER (WHERE a.code = '4900'), 0)::bigint AS returns_minor,
               coalesce(sum(l.debit_minor - l.credit_minor) FILTER (WHERE a.code = '5000'), 0)::bigint AS cost_of_goods_minor,
               (coalesce(sum(l.credit_minor - l.debit_minor) FILTER (WHERE a.type = 'revenue'), 0)
                - coalesce(sum(l.debit_minor - l.credit_minor) FILTER (WHERE a.code = '5000'), 0))::bigint AS gross_profit_minor,
               coalesce(sum(l.debit_minor - l.credit_minor) FILTER (WHERE a.type = 'expense'), 0)::bigint AS expenses_minor,
               (coalesce(sum(l.credit_minor - l.debit_minor) FILTER (WHERE a.type = 'revenue'), 0)
                - coalesce(sum(l.debit_minor - l.credit_minor) FILTER (WHERE a.type = 'expense'), 0))::bigint AS net_income_minor
        FROM {finance}.journal_entries e
        JOIN {finance}.journal_lines l ON l.entry_id = e.id
        JOIN {finance}.accounts a ON a.code = l.account
        WHERE a.type IN ('revenue', 'expense')
        GROUP BY 1, 2;
        COMMENT ON VIEW {analytics}.pnl_monthly IS 'Profit and loss per calendar month (of the entries'' dates) and currency, from the journal: the income statement of each month.';
        COMMENT ON COLUMN {analytics}.pnl_monthly.month IS 'First day of the month.';
        COMMENT ON COLUMN {analytics}.pnl_monthly.currency IS 'ISO 4217 code of every amount of the row.';
        COMMENT ON COLUMN {analytics}.pnl_monthly.revenue_minor IS 'Revenue net of VAT (sales and shipping), less returns and refunds (account 4900).';
        COMMENT ON COLUMN {analytics}.pnl_monthly.returns_minor IS 'Returns and refunds (account 4900), already taken off revenue_minor.';
        COMMENT ON COLUMN {analytics}.pnl_monthly.cost_of_goods_minor IS 'Cost of goods sold (account 5000), net of goods returned.';
        COMMENT ON COLUMN {analytics}.pnl_monthly.gross_profit_minor IS 'revenue_minor - cost_of_goods_minor.';
        COMMENT ON COLUMN {analytics}.pnl_monthly.expenses_minor IS 'Every expense, cost of goods included.';
        COMMENT ON COLUMN {analytics}.pnl_monthly.net_income_minor IS 'revenue_minor - expenses_minor.';

        CREATE VIEW {analytics}.cash_flow_monthly AS
        SELECT date_trunc('month', e.entry_date)::date AS month, l.currency, l.account, a.name AS account_name,
               split_part(e.source, ':', 1) AS kind,
               sum(l.debit_minor)::bigint AS cash_in_minor, sum(l.credit_minor)::bigint AS cash_out_minor,
               sum(l.debit_minor - l.credit_minor)::bigint AS net_minor
        FROM {finance}.journal_entries e
        JOIN {finance}.journal_lines l ON l.entry_id = e.id
        JOIN {finance}.accounts a ON a.code = l.account
        WHERE l.account IN ('1000', '1010')
        GROUP BY 1, 2, 3, 4, 5;
        COMMENT ON VIEW {analytics}.cash_flow_monthly IS 'Money in and out of the bank (1000) and the platform clearing account (1010, payouts due from platforms) per month, currency, account and kind of entry.';
        COMMENT ON COLUMN {analytics}.cash_flow_monthly.month IS 'First day of the month.';
        COMMENT ON COLUMN {analytics}.cash_flow_monthly.currency IS 'ISO 4217 code of every amount of the row.';
        COMMENT ON COLUMN {analytics}.cash_flow_monthly.account IS '1000 (cash at bank) or 1010 (platform clearing).';
        COMMENT ON COLUMN {analytics}.cash_flow_monthly.account_name IS 'The account''s name.';
        COMMENT ON COLUMN {analytics}.cash_flow_monthly.kind IS 'What moved the money: receipt, payment and platform-payment (customers), refund and amend-refund (back to customers), supplier-payment...';
        COMMENT ON COLUMN {analytics}.cash_flow_monthly.cash_in_minor IS 'Money in (debits of the account).';
        COMMENT ON COLUMN {analytics}.cash_flow_monthly.cash_out_minor IS 'Money out (credits of the account).';
        COMMENT ON COLUMN {analytics}.cash_flow_monthly.net_minor IS 'cash_in_minor - cash_out_minor.';

        CREATE VIEW {analytics}.ar_ageing AS
        SELECT o.document, o.order_id, o.party, o.currency, o.amount_minor, o.open_minor, o.opened_on, o.due_on,
               greatest((now() AT TIME ZONE 'UTC')::date - o.due_on, 0) AS days_overdue,
               CASE WHEN (now() AT TIME ZONE 'UTC')::date - o.due_on <= 0 THEN 'current'
                    WHEN (now() AT TIME ZONE 'UTC')::date - o.due_on <= 30 THEN '1-30'
                    WHEN (now() AT TIME ZONE 'UTC')::date - o.due_on <= 60 THEN '31-60'
                    WHEN (now() AT TIME ZONE 'UTC')::date - o.due_on <= 90 THEN '61-90'
                    ELSE '>90' END AS bucket
        FROM {finance}.open_items o WHERE o.kind = 'receivable' AND o.open_minor > 0;
        COMMENT ON VIEW {analytics}.ar_ageing IS 'Receivables still open today (invoices not fully paid), by how overdue they are; the same buckets as erpctl finance ageing.';
        COMMENT ON COLUMN {analytics}.ar_ageing.document IS 'The invoice number.';
        COMMENT ON COLUMN {analytics}.ar_ageing.order_id IS 'The order invoiced.';
        COMMENT ON COLUMN {analytics}.ar_ageing.party IS 'Who owes it, as on the invoice.';
        COMMENT ON COLUMN {analytics}.ar_ageing.currency IS 'ISO 4217 code of the amounts.';
        COMMENT ON COLUMN {analytics}.ar_ageing.amount_minor IS 'The invoice''s amount.';
        COMMENT ON COLUMN {analytics}.ar_ageing.open_minor IS 'What is still unpaid.';
        COMMENT ON COLUMN {analytics}.ar_ageing.opened_on IS 'The invoice date.';
        COMMENT ON COLUMN {analytics}.ar_ageing.due_on IS 'When payment is due.';
        COMMENT ON COLUMN {analytics}.ar_ageing.days_overdue IS 'Days past due today (UTC), 0 if not yet due.';
        COMMENT ON COLUMN {analytics}.ar_ageing.bucket IS 'current, 1-30, 31-60, 61-90 or >90 days overdue.';

        CREATE VIEW {analytics}.ap_ageing AS
        SELECT o.document, o.party, o.currency, o.amount_minor, o.open_minor, o.opened_on, o.due_on,
               greatest((now() AT TIME ZONE 'UTC')::date - o.due_on, 0) AS days_overdue,
               CASE WHEN (now() AT TIME ZONE 'UTC')::date - o.due_on <= 0 THEN 'current'
                    WHEN (now() AT TIME ZONE 'UTC')::date - o.due_on <= 30 THEN '1-30'
                    WHEN (now() AT TIME ZONE 'UTC')::date - o.due_on <= 60 THEN '31-60'
                    WHEN (now() AT TIME ZONE 'UTC')::date - o.due_on <= 90 THEN '61-90'
                    ELSE '>90' END AS bucket
        FROM {finance}.open_items o WHERE o.kind = 'payable' AND o.open_minor > 0;
        COMMENT ON VIEW {analytics}.ap_ageing IS 'Payables still open today (goods received from suppliers, not fully paid), by how overdue they are.';
        COMMENT ON COLUMN {analytics}.ap_ageing.document IS 'The purchase reference the goods came with.';
        COMMENT ON COLUMN {analytics}.ap_ageing.party IS 'The supplier, when known.';
        COMMENT ON COLUMN {analytics}.ap_ageing.currency IS 'ISO 4217 code of the amounts.';
        COMMENT ON COLUMN {analytics}.ap_ageing.amount_minor IS 'What the goods cost.';
        COMMENT ON COLUMN {analytics}.ap_ageing.open_minor IS 'What is still unpaid.';
        COMMENT ON COLUMN {analytics}.ap_ageing.opened_on IS 'When the goods were received.';
        COMMENT ON COLUMN {analytics}.ap_ageing.due_on IS 'When payment is due.';
        COMMENT ON COLUMN {analytics}.ap_ageing.days_overdue IS 'Days past due today (UTC), 0 if not yet due.';
        COMMENT ON COLUMN {analytics}.ap_ageing.bucket IS 'current, 1-30, 31-60, 61-90 or >90 days overdue.';
        """
}
