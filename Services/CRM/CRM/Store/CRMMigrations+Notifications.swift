import Postgres

extension CRMMigrations {
    /// Notifications: rules (which event, on what condition, to whom, by which channel, with
    /// which template), templates per locale (Mustache), and every notification made, one
    /// per rule and event (`UNIQUE (rule_id, event_id)`: a redelivered event makes none twice),
    /// with its attempts. The shipped rules and their English templates are seeded here; an
    /// operator changes them with `erpctl crm rules` and `erpctl crm templates`.
    static let notifications = PostgresMigration(
        version: 10, name: "notifications",
        sql: """
            CREATE TABLE notification_templates (
                name text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
                locale text NOT NULL CHECK (locale ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$'),
                event text NOT NULL,
                subject text NOT NULL CHECK (subject <> ''),
                text_body text NOT NULL CHECK (text_body <> ''),
                html_body text,
                updated_at timestamptz NOT NULL DEFAULT now(),
                updated_by text NOT NULL DEFAULT 'shipped',
                PRIMARY KEY (name, locale)
            );

            CREATE TABLE notification_rules (
                id bigserial PRIMARY KEY,
                name text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
                event text NOT NULL,
                condition jsonb NOT NULL DEFAULT '{}',
                audience text NOT NULL CHECK (audience IN ('customer', 'team')),
                -- A team rule's addresses (email) or channel names (webhook); empty: ERP_CRM_TEAM_ADDRESS.
                addresses text[] NOT NULL DEFAULT '{}',
                channel text NOT NULL CHECK (channel IN ('email', 'webhook')),
                template text NOT NULL,
                purpose text NOT NULL CHECK (purpose IN ('transactional', 'marketing')),
                enabled boolean NOT NULL DEFAULT true,
                created_at timestamptz NOT NULL DEFAULT now(),
                created_by text NOT NULL DEFAULT 'shipped',
                disabled_at timestamptz,
                disabled_by text
            );
            CREATE INDEX notification_rules_event ON notification_rules (event) WHERE enabled;

            CREATE TABLE notifications (
                id bigserial PRIMARY KEY,
                rule_id bigint NOT NULL REFERENCES notification_rules (id),
                event_id uuid NOT NULL,
                event_type text NOT NULL,
                occurred_at timestamptz NOT NULL,
                payload jsonb NOT NULL,
                order_id bigint,
                customer bigint,
                status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'suppressed')),
                attempts int NOT NULL DEFAULT 0,
                next_attempt_at timestamptz NOT NULL DEFAULT now(),
                lease_until timestamptz,
                recipient text,
                subject text,
                last_error text,
                created_at timestamptz NOT NULL DEFAULT now(),
                sent_at timestamptz,
                UNIQUE (rule_id, event_id)
            );
            CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status IN ('pending', 'sending');
            CREATE INDEX notifications_customer ON notifications (customer, created_at DESC) WHERE customer IS NOT NULL;
            CREATE INDEX notifications_failed ON notifications (id) WHERE status = 'failed';

            INSERT INTO notification_templates (name, locale, event, subject, text_body, html_body) VALUES
            ('order_received', 'en', 'orders.order.placed.v1',
             'We received your order {{snapshot.external_id}}',
             E'Hello {{customer.name}},\\n\\nthank you for your order {{snapshot.external_id}} at {{snapshot.shop}}.\\n\\n{{#snapshot.lines}}{{quantity}} x {{sku}}: {{total.text}}\\n{{/snapshot.lines}}\\nTotal: {{snapshot.total.text}}\\n',
             '<p>Hello {{customer.name}},</p><p>thank you for your order <b>{{snapshot.external_id}}</b> at {{snapshot.shop}}.</p><ul>{{#snapshot.lines}}<li>{{quantity}} &times; {{sku}}: {{total.text}}</li>{{/snapshot.lines}}</ul><p>Total: <b>{{snapshot.total.text}}</b></p>'),
            ('order_paid', 'en', 'orders.order.status_changed.v1',
             'Payment received for order {{order}}',
             E'Hello {{customer.name}},\\n\\nwe received your payment of {{total.text}} for order {{order}}. We are preparing it now.\\n', NULL),
            ('order_shipped', 'en', 'orders.order.shipment_recorded.v1',
             'Order {{order}} is on its way',
             E'Hello {{customer.name}},\\n\\nyour order {{order}} left our warehouse with {{carrier}}, tracking number {{tracking_number}}.\\nFollow it here: {{tracking_link}}\\n',
             '<p>Hello {{customer.name}},</p><p>your order {{order}} left our warehouse with {{carrier}}, tracking number <b>{{tracking_number}}</b>.</p><p><a href="{{tracking_link}}">Follow your parcel</a></p>'),
            ('order_delivered', 'en', 'orders.order.status_changed.v1',
             'Order {{order}} was delivered',
             E'Hello {{customer.name}},\\n\\nyour order {{order}} was delivered. We hope you enjoy it.\\n', NULL),
            ('order_cancelled', 'en', 'orders.order.status_changed.v1',
             'Order {{order}} was cancelled',
             E'Hello {{customer.name}},\\n\\nyour order {{order}} was cancelled: {{reason}}.\\nAny payment will be refunded.\\n', NULL),
            ('return_approved', 'en', 'orders.return.requested.v1',
             'Your return {{rma}} is approved',
             E'Hello {{customer.name}},\\n\\nyour return {{rma}} for order {{order}} is approved. Please send the goods back quoting {{rma}}.\\n', NULL),
            ('refunded', 'en', 'finance.refund.recorded.v1',
             'We refunded {{amount.text}} on order {{order}}',
             E'Hello {{customer.name}},\\n\\nwe refunded {{amount.text}} on order {{order}} (credit note {{credit_note}}).\\n', NULL),
            ('invoice_issued', 'en', 'finance.invoice.issued.v1',
             'Your invoice {{number}}',
             E'Hello {{customer.name}},\\n\\nplease find attached invoice {{number}} for order {{order}}: {{gross.text}}, of which tax {{tax.text}}.\\n',
             '<p>Hello {{customer.name}},</p><p>please find attached invoice <b>{{number}}</b> for order {{order}}: {{gross.text}}, of which tax {{tax.text}}.</p>'),
            ('ticket_reply', 'en', 'crm.ticket.replied.v1',
             'Re: your request {{ticket}}',
             E'Hello {{customer.name}},\\n\\n{{body}}\\n\\n{{author}}\\n', NULL),
            ('survey_invitation', 'en', 'crm.survey.invited.v1',
             'How was your order {{order}}?',
             E'Hello {{customer.name}},\\n\\nhow happy are you with order {{order}}? Answer in one minute with your code {{token}}.\\n', NULL),
            ('stock_low', 'en', 'inventory.stock.low.v1',
             'Stock low: {{sku}} in {{warehouse}}',
             E'{{sku}} in {{warehouse}}: {{available}} available, the minimum is {{minimum}}.\\n', NULL),
            ('purchase_request_opened', 'en', 'inventory.purchase_request.opened.v1',
             'Purchase request {{request}}: {{quantity}} x {{sku}}',
             E'Purchase request {{request}} was opened: {{quantity}} x {{sku}} for {{warehouse}}.\\n', NULL),
            ('order_on_hold', 'en', 'orders.order.status_changed.v1',
             'Order {{order}} is on hold',
             E'Order {{order}} went on hold: {{reason}} ({{actor}}).\\n', NULL),
            ('order_late', 'en', 'orders.order.ship_late.v1',
             'Order {{order}} is late to ship',
             E'Order {{order}} was not shipped within {{hours}} hours: {{reason}}.\\n', NULL),
            ('message_quarantined', 'en', 'orders.ingest.rejected.v1',
             'Platform message quarantined ({{code}})',
             E'A platform message ({{routing_key}}) was quarantined as {{quarantine}}: {{code}}: {{reason}}.\\n', NULL),
            ('crm_message_quarantined', 'en', 'crm.ingest.rejected.v1',
             'Platform customer message quarantined ({{code}})',
             E'A platform message ({{routing_key}}) was quarantined by the CRM as {{quarantine}}: {{code}}: {{reason}}.\\n', NULL),
            ('ticket_sla_breached', 'en', 'crm.ticket.sla_breached.v1',
             'Ticket {{ticket}} missed its {{deadline}} deadline',
             E'Ticket {{ticket}} ({{priority}}, customer {{customer_id}}) missed its {{deadline}} deadline, due {{due}}. Assignee: {{assignee}}.\\n', NULL);

            INSERT INTO notification_rules (name, event, condition, audience, channel, template, purpose) VALUES
            ('order_received', 'orders.order.placed.v1', '{}', 'customer', 'email', 'order_received', 'transactional'),
            ('order_paid', 'orders.order.status_changed.v1', '{"to": "paid"}', 'customer', 'email', 'order_paid', 'transactional'),
            ('order_shipped', 'orders.order.shipment_recorded.v1', '{}', 'customer', 'email', 'order_shipped', 'transactional'),
            ('order_delivered', 'orders.order.status_changed.v1', '{"to": "delivered"}', 'customer', 'email', 'order_delivered', 'transactional'),
            ('order_cancelled', 'orders.order.status_changed.v1', '{"to": "cancelled"}', 'customer', 'email', 'order_cancelled', 'transactional'),
            ('return_approved', 'orders.return.requested.v1', '{}', 'customer', 'email', 'return_approved', 'transactional'),
            ('refunded', 'finance.refund.recorded.v1', '{}', 'customer', 'email', 'refunded', 'transactional'),
            ('invoice_issued', 'finance.invoice.issued.v1', '{}', 'customer', 'email', 'invoice_issued', 'transactional'),
            ('ticket_reply', 'crm.ticket.replied.v1', '{}', 'customer', 'email', 'ticket_reply', 'transactional'),
            ('survey_invitation', 'crm.survey.invited.v1', '{}', 'customer', 'email', 'survey_invitation', 'transactional'),
            ('stock_low', 'inventory.stock.low.v1', '{}', 'team', 'email', 'stock_low', 'transactional'),
            ('purchase_request_opened', 'inventory.purchase_request.opened.v1', '{}', 'team', 'email', 'purchase_request_opened', 'transactional'),
            ('order_on_hold', 'orders.order.status_changed.v1', '{"to": "on_hold"}', 'team', 'email', 'order_on_hold', 'transactional'),
            ('order_late', 'orders.order.ship_late.v1', '{}', 'team', 'email', 'order_late', 'transactional'),
            ('message_quarantined', 'orders.ingest.rejected.v1', '{}', 'team', 'email', 'message_quarantined', 'transactional'),
            ('crm_message_quarantined', 'crm.ingest.rejected.v1', '{}', 'team', 'email', 'crm_message_quarantined', 'transactional'),
            ('ticket_sla_breached', 'crm.ticket.sla_breached.v1', '{}', 'team', 'email', 'ticket_sla_breached', 'transactional');
            """)
}
