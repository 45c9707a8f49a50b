/// The view of the saved reports, so that the analysts' role can read a report's definition
/// on the replica and run it (migration 3 of the views).
enum ReportViews {
    static let sql = """
        CREATE VIEW {analytics}.saved_reports AS
        SELECT name, description,
               coalesce((SELECT string_agg((p->>'name') || ':' || (p->>'type'), ',' ORDER BY n) FROM jsonb_array_elements(parameters) WITH ORDINALITY AS e(p, n)), '')
                   AS parameters,
               sql, saved_by, saved_at
        FROM {analytics}.reports;
        COMMENT ON VIEW {analytics}.saved_reports IS 'Custom reports kept by erpctl report save: a query over these views with typed parameters, run by erpctl report run as erp_analyst on the replica.';
        COMMENT ON COLUMN {analytics}.saved_reports.name IS 'The report''s name (erpctl report run NAME).';
        COMMENT ON COLUMN {analytics}.saved_reports.description IS 'What it shows, as its author wrote.';
        COMMENT ON COLUMN {analytics}.saved_reports.parameters IS 'Its parameters in order, name:type separated by commas (types: date, text, integer, numeric, boolean); empty without any.';
        COMMENT ON COLUMN {analytics}.saved_reports.sql IS 'The query, with {{name}} where a parameter goes.';
        COMMENT ON COLUMN {analytics}.saved_reports.saved_by IS 'Who saved it last.';
        COMMENT ON COLUMN {analytics}.saved_reports.saved_at IS 'When it was saved last.';
        GRANT SELECT ON {analytics}.saved_reports TO {analyst};
        """
}
