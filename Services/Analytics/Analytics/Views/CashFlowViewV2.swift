/// Migration 9 of the views: `cash_flow_monthly_v2`, the monthly cash-flow statement as
/// finance draws it (direct method): money into and out of every cash, bank and clearing
/// account (1000-1099) by what it was for, a move between two of them being no flow.
/// `cash_flow_monthly` (per account and kind of entry) stays as it was.
enum CashFlowViewV2 {
    static let sql = """
        CREATE VIEW {analytics}.cash_flow_monthly_v2 AS
        SELECT month, currency, category, cash_in_minor, cash_out_minor, cash_in_minor - cash_out_minor AS net_minor
        FROM {analytics}.cash_flow_months;
        COMMENT ON VIEW {analytics}.cash_flow_monthly_v2 IS 'The cash-flow statement per calendar month (of the entries'' dates) and currency, direct method, as erpctl finance cash-flow draws it: money into and out of the cash, bank and platform clearing accounts (asset accounts 1000-1099) by what it was for, the other side of each entry. A payout from platform clearing to the bank moves cash between two of them and is no flow. Kept by erp-analytics with the monthly P&L.';
        COMMENT ON COLUMN {analytics}.cash_flow_monthly_v2.month IS 'First day of the calendar month of the entries.';
        COMMENT ON COLUMN {analytics}.cash_flow_monthly_v2.currency IS 'ISO 4217 currency code of the amounts.';
        COMMENT ON COLUMN {analytics}.cash_flow_monthly_v2.category IS 'What the money was for: receipts from customers, payments to suppliers, VAT, platform fees, expenses, owner''s equity, or other (ACCOUNT).';
        COMMENT ON COLUMN {analytics}.cash_flow_monthly_v2.cash_in_minor IS 'Money in, minor units: the sum over the month''s entries whose amount in this category came in.';
        COMMENT ON COLUMN {analytics}.cash_flow_monthly_v2.cash_out_minor IS 'Money out, minor units, as a positive number.';
        COMMENT ON COLUMN {analytics}.cash_flow_monthly_v2.net_minor IS 'cash_in_minor less cash_out_minor; over every category, the change in the cash accounts'' balance in the month.';
        GRANT SELECT ON {analytics}.cash_flow_monthly_v2 TO {analyst};
        """
}
