import Postgres

extension CRMMigrations {
    /// The team is told when a saga stops for a person (`saga.saga.stuck.v1`) and when a
    /// service parks a message it could not handle (`ops.message.parked.v1`).
    static let operationsRules = PostgresMigration(
        version: 13, name: "operations_rules",
        sql: """
            INSERT INTO notification_templates (name, locale, event, subject, text_body, html_body) VALUES
            ('saga_stuck', 'en', 'saga.saga.stuck.v1',
             'Saga stuck: {{saga_type}} {{key}}',
             E'The {{saga_type}} saga {{saga}} ({{key}}) stopped at "{{step}}" and waits for a person: {{reason}}.\\nSee it with erpctl saga show {{saga}}; try it again with erpctl saga retry {{saga}}.\\n', NULL),
            ('message_parked', 'en', 'ops.message.parked.v1',
             'Message parked by {{service}} ({{code}})',
             E'{{service}} parked a {{message_type}} message from {{queue}} after {{attempts}} attempt(s): {{code}}: {{reason}}.\\nSee it with erpctl dead list; send it again with erpctl dead replay.\\n', NULL)
            ON CONFLICT DO NOTHING;

            INSERT INTO notification_rules (name, event, condition, audience, channel, template, purpose) VALUES
            ('saga_stuck', 'saga.saga.stuck.v1', '{}', 'team', 'email', 'saga_stuck', 'transactional'),
            ('message_parked', 'ops.message.parked.v1', '{}', 'team', 'email', 'message_parked', 'transactional')
            ON CONFLICT DO NOTHING;
            """)
}
