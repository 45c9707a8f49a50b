import Postgres

extension CRMMigrations {
    /// Customer service tickets with their deadlines (persisted: a timer fires the breaches,
    /// several instances share it), their messages and their status history.
    static let tickets = PostgresMigration(
        version: 3, name: "tickets",
        sql: """
            CREATE TABLE tickets (
                id bigserial PRIMARY KEY,
                customer bigint NOT NULL REFERENCES customers (id),
                kind text NOT NULL CHECK (kind IN ('enquiry', 'complaint', 'suggestion', 'repair', 'resend')),
                subject text NOT NULL CHECK (subject <> ''),
                order_id bigint,
                priority text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
                status text NOT NULL CHECK (status IN ('open', 'in_progress', 'waiting_customer', 'resolved', 'closed')),
                assignee text,
                opened_at timestamptz NOT NULL,
                first_response_due timestamptz NOT NULL,
                resolution_due timestamptz NOT NULL,
                first_response_at timestamptz,
                resolved_at timestamptz,
                closed_at timestamptz,
                first_response_breached_at timestamptz,
                resolution_breached_at timestamptz,
                updated_at timestamptz NOT NULL DEFAULT now(),
                CONSTRAINT tickets_deadlines_in_order CHECK (first_response_due <= resolution_due)
            );
            CREATE INDEX tickets_customer ON tickets (customer, opened_at DESC);
            CREATE INDEX tickets_assignee ON tickets (assignee) WHERE status NOT IN ('resolved', 'closed');
            CREATE INDEX tickets_first_response_due ON tickets (first_response_due)
                WHERE first_response_at IS NULL AND first_response_breached_at IS NULL AND status IN ('open', 'in_progress');
            CREATE INDEX tickets_resolution_due ON tickets (resolution_due)
                WHERE resolution_breached_at IS NULL AND status IN ('open', 'in_progress');

            CREATE TABLE ticket_messages (
                id bigserial PRIMARY KEY,
                ticket bigint NOT NULL REFERENCES tickets (id),
                at timestamptz NOT NULL,
                direction text NOT NULL CHECK (direction IN ('in', 'out')),
                author text NOT NULL,
                body text NOT NULL CHECK (body <> '')
            );
            CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket, id);

            CREATE TABLE ticket_history (
                id bigserial PRIMARY KEY,
                ticket bigint NOT NULL REFERENCES tickets (id),
                at timestamptz NOT NULL,
                from_status text,
                to_status text NOT NULL,
                actor text NOT NULL,
                note text
            );
            CREATE INDEX ticket_history_ticket ON ticket_history (ticket, id);
            """)
}
