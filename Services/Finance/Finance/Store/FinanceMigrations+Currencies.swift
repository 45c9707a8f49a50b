import Postgres

extension FinanceMigrations {
    static let lineCurrenciesAndReturnedGoods = PostgresMigration(
        version: 2, name: "line_currencies_returned_goods",
        sql: """
            -- Every journal line carries its currency, so that no balance adds two currencies.
            ALTER TABLE journal_lines ADD COLUMN currency text;
            UPDATE journal_lines l SET currency = e.currency FROM journal_entries e WHERE e.id = l.entry_id;
            ALTER TABLE journal_lines ALTER COLUMN currency SET NOT NULL;
            CREATE INDEX journal_lines_account_currency ON journal_lines (account, currency);

            -- Returned goods waiting for inspection, and what leaves the books without a sale.
            INSERT INTO accounts (code, name, type) VALUES
                ('1210', 'Returned goods awaiting inspection', 'asset'),
                ('5100', 'Inventory adjustments and write-offs', 'expense')
            ON CONFLICT (code) DO NOTHING;
            """)
}
