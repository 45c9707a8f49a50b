import Postgres

extension SagaMigrations {
    /// A status change of an order no saga waited for yet: a merged or split order paid (or
    /// cancelled) before the merge's or split's saga ended and started its fulfilment. It is
    /// handed to the order's fulfilment when that starts; kept a week at most.
    static let unclaimedOrderEvents = PostgresMigration(
        version: 10, name: "unclaimed_order_events",
        sql: """
            CREATE TABLE unclaimed_order_events (
                id bigserial PRIMARY KEY,
                order_id bigint NOT NULL,
                payload bytea NOT NULL,
                at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX unclaimed_order_events_order ON unclaimed_order_events (order_id, id);
            """)
}
