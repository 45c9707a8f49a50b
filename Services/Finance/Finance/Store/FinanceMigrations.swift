import Postgres

/// The finance schema. Journal entries must balance: a trigger checks every entry's debits
/// against its credits after each statement that inserts its lines, whatever code wrote it
/// (migration 7; migration 1 checked each line at commit); journal rows are never updated or deleted (a correction is a reversing entry).
/// Invoice numbers are gapless per series and year. Every migration is literal SQL, frozen
/// once shipped (`FrozenMigrationsTests`): accounts and rates added later come with new migrations.
public enum FinanceMigrations {
    public static var all: [PostgresMigration] {
        return [
            PostgresMigration(
                version: 1, name: "ledger",
                sql: """
                    CREATE TABLE accounts (
                        code text PRIMARY KEY,
                        name text NOT NULL,
                        type text NOT NULL CHECK (type IN ('asset', 'liability', 'equity', 'revenue', 'expense'))
                    );
                    INSERT INTO accounts (code, name, type) VALUES
                        ('1000', 'Cash at bank', 'asset'),
                        ('1010', 'Platform clearing (payouts due from platforms)', 'asset'),
                        ('1100', 'Accounts receivable', 'asset'),
                        ('1200', 'Inventory', 'asset'),
                        ('1300', 'Input VAT', 'asset'),
                        ('2000', 'Accounts payable', 'liability'),
                        ('2100', 'Output VAT', 'liability'),
                        ('3000', 'Owner''s equity', 'equity'),
                        ('3100', 'Retained earnings', 'equity'),
                        ('4000', 'Sales revenue', 'revenue'),
                        ('4100', 'Shipping revenue', 'revenue'),
                        ('4900', 'Sales returns and refunds', 'revenue'),
                        ('5000', 'Cost of goods sold', 'expense');

                    CREATE TABLE tax_rates (
                        category text PRIMARY KEY,
                        basis_points integer NOT NULL CHECK (basis_points BETWEEN 0 AND 10000)
                    );
                    INSERT INTO tax_rates (category, basis_points) VALUES ('exempt', 0), ('reduced', 900), ('services', 600), ('standard', 1300), ('zero', 0);

                    -- SKUs as the catalog publishes them: the tax category decides the VAT rate.
                    CREATE TABLE skus (
                        code text PRIMARY KEY,
                        title text NOT NULL,
                        tax_category text NOT NULL
                    );

                    CREATE TABLE journal_entries (
                        id bigserial PRIMARY KEY,
                        entry_date date NOT NULL,
                        description text NOT NULL,
                        -- What caused the entry (invoice:INV-2026-000001, payment:REF...): each business event posts once.
                        source text NOT NULL UNIQUE,
                        currency text NOT NULL,
                        posted_at timestamptz NOT NULL DEFAULT now()
                    );
                    CREATE INDEX journal_entries_date ON journal_entries (entry_date);

                    CREATE TABLE journal_lines (
                        entry_id bigint NOT NULL REFERENCES journal_entries (id),
                        line integer NOT NULL,
                        account text NOT NULL REFERENCES accounts (code),
                        debit_minor bigint NOT NULL CHECK (debit_minor >= 0),
                        credit_minor bigint NOT NULL CHECK (credit_minor >= 0),
                        memo text,
                        PRIMARY KEY (entry_id, line),
                        CONSTRAINT journal_lines_one_side CHECK ((debit_minor = 0) <> (credit_minor = 0))
                    );
                    CREATE INDEX journal_lines_account ON journal_lines (account);

                    -- search_path FROM CURRENT: the function finds journal_lines in this schema whoever commits.
                    CREATE FUNCTION journal_entry_balances() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
                    DECLARE
                        entry bigint := coalesce(NEW.entry_id, OLD.entry_id);
                        debits bigint;
                        credits bigint;
                    BEGIN
                        SELECT coalesce(sum(debit_minor), 0), coalesce(sum(credit_minor), 0) INTO debits, credits
                        FROM journal_lines WHERE entry_id = entry;
                        IF debits <> credits THEN
                            RAISE EXCEPTION 'journal entry % does not balance: debits %, credits %', entry, debits, credits
                                USING ERRCODE = '23514';
                        END IF;
                        RETURN NULL;
                    END $$;
                    CREATE CONSTRAINT TRIGGER journal_lines_balance AFTER INSERT ON journal_lines
                        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION journal_entry_balances();
                    -- The journal is append-only: a correction is a reversing entry.
                    CREATE FUNCTION journal_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        RAISE EXCEPTION 'the journal is append-only (% on %): post a reversing entry instead', TG_OP, TG_TABLE_NAME
                            USING ERRCODE = '23001';
                    END $$;
                    CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries
                        FOR EACH ROW EXECUTE FUNCTION journal_is_append_only();
                    CREATE TRIGGER journal_lines_append_only BEFORE UPDATE OR DELETE ON journal_lines
                        FOR EACH ROW EXECUTE FUNCTION journal_is_append_only();

                    CREATE TABLE invoice_series (
                        series text NOT NULL,
                        year integer NOT NULL,
                        last_number integer NOT NULL,
                        PRIMARY KEY (series, year)
                    );

                    CREATE TABLE invoices (
                        number text PRIMARY KEY,
                        kind text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
                        order_id bigint NOT NULL,
                        channel text NOT NULL,
                        customer jsonb,
                        currency text NOT NULL,
                        prices_include_tax boolean NOT NULL,
                        net_minor bigint NOT NULL,
                        tax_minor bigint NOT NULL,
                        gross_minor bigint NOT NULL,
                        status text NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'void')),
                        issued_on date NOT NULL,
                        due_on date NOT NULL,
                        corrects text REFERENCES invoices (number),
                        void_reason text,
                        document text NOT NULL,
                        CONSTRAINT invoices_adds_up CHECK (gross_minor = net_minor + tax_minor)
                    );
                    CREATE INDEX invoices_order ON invoices (order_id);

                    CREATE TABLE invoice_lines (
                        number text NOT NULL REFERENCES invoices (number),
                        line integer NOT NULL,
                        sku text,
                        description text NOT NULL,
                        quantity integer NOT NULL,
                        basis_points integer NOT NULL,
                        net_minor bigint NOT NULL,
                        tax_minor bigint NOT NULL,
                        gross_minor bigint NOT NULL,
                        PRIMARY KEY (number, line),
                        CONSTRAINT invoice_lines_adds_up CHECK (gross_minor = net_minor + tax_minor)
                    );

                    -- Receivables and payables: what is still owed, per document.
                    CREATE TABLE open_items (
                        id bigserial PRIMARY KEY,
                        kind text NOT NULL CHECK (kind IN ('receivable', 'payable')),
                        document text NOT NULL,
                        order_id bigint,
                        party text,
                        currency text NOT NULL,
                        amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
                        open_minor bigint NOT NULL,
                        opened_on date NOT NULL,
                        due_on date NOT NULL,
                        UNIQUE (kind, document),
                        CONSTRAINT open_items_within_amount CHECK (open_minor >= 0 AND open_minor <= amount_minor)
                    );
                    CREATE INDEX open_items_order ON open_items (order_id) WHERE kind = 'receivable';

                    -- What each shipment cost, at the FIFO lot cost inventory reported.
                    CREATE TABLE cost_lines (
                        id bigserial PRIMARY KEY,
                        order_ref text NOT NULL,
                        sku text NOT NULL,
                        quantity integer NOT NULL,
                        cost_minor bigint NOT NULL,
                        currency text NOT NULL,
                        entry_id bigint NOT NULL REFERENCES journal_entries (id)
                    );
                    CREATE INDEX cost_lines_order ON cost_lines (order_ref);
                    """),
            lineCurrenciesAndReturnedGoods,
            freeReplacements,
            purchasingAndManualEntries,
            datedRates,
            settlements,
            balanceCheckPerStatement,
            balanceCheckByKey,
        ]
    }
}
