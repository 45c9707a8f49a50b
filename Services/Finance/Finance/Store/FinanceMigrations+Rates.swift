import Postgres

extension FinanceMigrations {
    /// Tax rates by category with the day they take effect (an invoice uses the rate in force
    /// on its date; the rates of migration 1 are in force from the beginning), and exchange
    /// rates by day for reports converted into the base currency.
    static let datedRates = PostgresMigration(
        version: 5, name: "dated_tax_and_exchange_rates",
        sql: """
            CREATE TABLE tax_rate_periods (
                category text NOT NULL,
                effective_from date NOT NULL,
                basis_points integer NOT NULL CHECK (basis_points BETWEEN 0 AND 10000),
                set_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (category, effective_from)
            );
            INSERT INTO tax_rate_periods (category, effective_from, basis_points)
                SELECT category, DATE '1900-01-01', basis_points FROM tax_rates;

            -- Units of the base currency one unit of `currency` is worth, from `effective_on` on.
            CREATE TABLE exchange_rates (
                currency text NOT NULL,
                effective_on date NOT NULL,
                rate numeric(24, 10) NOT NULL CHECK (rate > 0),
                set_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (currency, effective_on)
            );
            """)
}
