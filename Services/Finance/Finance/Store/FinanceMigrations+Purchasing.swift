import Postgres

extension FinanceMigrations {
    /// Supplier bills matched three ways (purchase order, receipts, bill): a receipt against a
    /// purchase order books goods received not invoiced (2050) at the order's price; the bill
    /// clears it, books its VAT and the difference from the order's prices (5300), and opens
    /// the payable to its supplier. Manual journal entries and expenses, and their reversals.
    static let purchasingAndManualEntries = PostgresMigration(
        version: 4, name: "supplier_bills_manual_entries",
        sql: """
            INSERT INTO accounts (code, name, type) VALUES
                ('2050', 'Goods received not invoiced', 'liability'),
                ('5300', 'Purchase price variance', 'expense'),
                ('6100', 'Operating expenses', 'expense'),
                ('6200', 'Platform fees', 'expense')
            ON CONFLICT (code) DO NOTHING;

            -- Purchase orders as purchasing sent them (purchasing.po.sent.v1).
            CREATE TABLE purchase_orders (
                number text PRIMARY KEY,
                supplier text NOT NULL,
                currency text NOT NULL,
                payment_terms_days integer,
                sent_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE purchase_order_lines (
                po text NOT NULL REFERENCES purchase_orders (number),
                line integer NOT NULL,
                sku text NOT NULL,
                quantity integer NOT NULL,
                unit_price_minor bigint NOT NULL,
                PRIMARY KEY (po, line)
            );
            -- What was received on each line (inventory.stock.received.v1 naming the order).
            CREATE TABLE purchase_receipts (
                id bigserial PRIMARY KEY,
                po text NOT NULL,
                line integer NOT NULL,
                supplier text NOT NULL,
                sku text NOT NULL,
                quantity integer NOT NULL CHECK (quantity > 0),
                unit_cost_minor bigint NOT NULL,
                currency text NOT NULL,
                received_on date NOT NULL,
                -- The receipt's entry (none for goods that cost nothing); the event that told it, once.
                entry_id bigint REFERENCES journal_entries (id),
                source text NOT NULL UNIQUE
            );
            CREATE INDEX purchase_receipts_line ON purchase_receipts (po, line);

            CREATE TABLE supplier_bills (
                id bigserial PRIMARY KEY,
                supplier text NOT NULL,
                number text NOT NULL,
                po text NOT NULL,
                -- The payable's document: SUPPLIER/NUMBER.
                document text NOT NULL UNIQUE,
                currency text NOT NULL,
                net_minor bigint NOT NULL,
                tax_minor bigint NOT NULL,
                gross_minor bigint NOT NULL,
                bill_date date NOT NULL,
                due_on date NOT NULL,
                status text NOT NULL CHECK (status IN ('held', 'booked', 'rejected')),
                hold_reasons text[],
                decision_note text,
                entry_id bigint REFERENCES journal_entries (id),
                recorded_at timestamptz NOT NULL DEFAULT now(),
                UNIQUE (supplier, number),
                CONSTRAINT supplier_bills_adds_up CHECK (gross_minor = net_minor + tax_minor),
                CONSTRAINT supplier_bills_booked_have_entry CHECK ((status = 'booked') = (entry_id IS NOT NULL))
            );
            CREATE INDEX supplier_bills_po ON supplier_bills (po);
            CREATE TABLE supplier_bill_lines (
                bill_id bigint NOT NULL REFERENCES supplier_bills (id),
                po_line integer NOT NULL,
                sku text NOT NULL,
                quantity integer NOT NULL CHECK (quantity > 0),
                unit_price_minor bigint NOT NULL,
                basis_points integer NOT NULL,
                PRIMARY KEY (bill_id, po_line)
            );

            -- Entries people posted (journal entries, expenses): only these are reversed by hand.
            CREATE TABLE manual_entries (
                entry_id bigint PRIMARY KEY REFERENCES journal_entries (id),
                kind text NOT NULL CHECK (kind IN ('journal', 'expense')),
                reference text NOT NULL,
                party text,
                -- An expense on account: its payable's document.
                document text,
                reversed_by bigint REFERENCES journal_entries (id),
                reversal_reason text
            );
            CREATE UNIQUE INDEX manual_entries_reference ON manual_entries (kind, reference);
            """)
}
