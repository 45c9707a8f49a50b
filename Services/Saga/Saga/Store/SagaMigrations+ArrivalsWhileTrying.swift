import Postgres

extension SagaMigrations {
    /// Stock that arrives while a released backorder is being tried releases nothing (the
    /// order is not at the head of a free queue): it is noted, so that a try that then fails
    /// for want of stock (it reserved before the goods came) is released again at once.
    static let arrivalsWhileTrying = PostgresMigration(
        version: 9, name: "backorder_arrivals_while_trying",
        sql: """
            ALTER TABLE backorders ADD COLUMN arrived_while_trying boolean NOT NULL DEFAULT false;
            """)
}
