import Postgres

extension CRMMigrations {
    /// The same message delivered again is quarantined once (``Ingest/QuarantineStore/keep(_:rejection:in:)``
    /// looks it up by its message id).
    static let quarantineOnce = PostgresMigration(
        version: 14, name: "quarantine_once",
        sql: """
            CREATE INDEX quarantine_message_id ON quarantine (message_id_bytes) WHERE message_id_bytes IS NOT NULL;
            """)
}
