import Postgres

extension FinanceMigrations {
    /// The balance check runs once per statement that inserts journal lines instead of once
    /// per line at commit: every entry the statement touched is summed in one grouped query
    /// over the statement's new rows (a transition table). An entry's lines are always
    /// inserted by one statement (`Journal.post`), so an entry that does not balance is
    /// refused at that statement, whatever code wrote it; it cost a query and a PL/pgSQL call
    /// per line (about six per order end to end) and now costs one per entry.
    static let balanceCheckPerStatement = PostgresMigration(
        version: 7, name: "journal_balance_per_statement",
        sql: """
            DROP TRIGGER journal_lines_balance ON journal_lines;
            DROP FUNCTION journal_entry_balances();
            CREATE FUNCTION journal_entries_balance() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
            DECLARE
                unbalanced record;
            BEGIN
                SELECT l.entry_id, sum(l.debit_minor) AS debits, sum(l.credit_minor) AS credits INTO unbalanced
                FROM journal_lines l
                WHERE l.entry_id IN (SELECT DISTINCT entry_id FROM added)
                GROUP BY l.entry_id
                HAVING sum(l.debit_minor) <> sum(l.credit_minor)
                ORDER BY l.entry_id
                LIMIT 1;
                IF FOUND THEN
                    RAISE EXCEPTION 'journal entry % does not balance: debits %, credits %',
                        unbalanced.entry_id, unbalanced.debits, unbalanced.credits
                        USING ERRCODE = '23514';
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER journal_lines_balance AFTER INSERT ON journal_lines
                REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION journal_entries_balance();
            """)

    /// The balance check of version 7 ran in a plan PL/pgSQL keeps for the whole session (the
    /// query has no parameters): one made while `journal_lines` was nearly empty did not use its
    /// key, and a statement then took over a second once the table had grown (seen in
    /// `erp-bench fulfilment`, which starts from an empty schema: 13 orders/s instead of about
    /// 110). Each entry's lines are now summed through the primary key (`entry_id` first), and
    /// the function plans without sequential scans, so that the plan it keeps reads the table
    /// by key however small the table was when it was made (the statement's own new rows are
    /// still read whole: they have no index).
    static let balanceCheckByKey = PostgresMigration(
        version: 8, name: "journal_balance_by_key",
        sql: """
            CREATE OR REPLACE FUNCTION journal_entries_balance() RETURNS trigger LANGUAGE plpgsql
                SET search_path FROM CURRENT SET enable_seqscan = off AS $$
            DECLARE
                unbalanced record;
            BEGIN
                SELECT entry.entry_id, sums.debits, sums.credits INTO unbalanced
                FROM (SELECT DISTINCT entry_id FROM added) entry
                CROSS JOIN LATERAL (
                    SELECT sum(l.debit_minor) AS debits, sum(l.credit_minor) AS credits
                    FROM journal_lines l WHERE l.entry_id = entry.entry_id
                ) sums
                WHERE sums.debits <> sums.credits
                ORDER BY entry.entry_id
                LIMIT 1;
                IF FOUND THEN
                    RAISE EXCEPTION 'journal entry % does not balance: debits %, credits %',
                        unbalanced.entry_id, unbalanced.debits, unbalanced.credits
                        USING ERRCODE = '23514';
                END IF;
                RETURN NULL;
            END $$;
            """)
}
