import Contracts
import Foundation
import Postgres

/// Consent and forgetting in the crm schema, inside the caller's transaction.
extension CRMStore {
    /// Records one consent statement; returns whether the customer is now opted in on the
    /// channel (the latest statement by its time, so a late-arriving older one changes nothing).
    public func setConsent(
        customer: Int64, channel: MarketingChannel, optedIn: Bool, at: Date, source: String, actor: String, in tx: PostgresTransaction
    ) async throws -> Bool {
        let s = schema
        try await tx.queue(
            """
            INSERT INTO \(identifier: s).consent_changes (customer, channel, opted_in, at, source, actor)
            VALUES (\(customer), \(channel.rawValue), \(optedIn), \(at), \(source), \(actor))
            """)
        let current = try await tx.query(
            """
            SELECT opted_in FROM \(identifier: s).consent_changes WHERE customer = \(customer) AND channel = \(channel.rawValue)
            ORDER BY at DESC, id DESC LIMIT 1
            """)
        return try current[0].decode(Bool.self, at: 0)
    }

    /// Timeline entries written only from ids, amounts, statuses and codes: a forgotten
    /// person's are kept as they are; every other summary is erased.
    static let keptTimelineKinds = [
        "order_placed", "order_paid", "order_shipped", "order_partially_shipped", "order_delivered", "order_return_requested",
        "order_status", "invoice_issued", "survey_invited", "ticket_sla_breached", "ticket_assigned", "forgotten",
        "repair_requested", "resend_requested", "repair_decided",
    ]

    public func isForgotten(_ customer: Int64, in tx: PostgresTransaction) async throws -> Bool {
        try await tx.query("SELECT forgotten_at IS NOT NULL FROM \(identifier: schema).customers WHERE id = \(customer)").first?.decode(
            Bool.self, at: 0)
            ?? false
    }

    /// What was erased.
    public struct Forgetting: Sendable, Equatable {
        public let customer: Int64
        public let pseudonym: String
        public let orders: [Int64]
    }

    /// Erases the personal data of the live profile `customer` and of the profiles merged
    /// into it: contact keys, names, addresses, consent history, tags and language, the
    /// merge reasons (which name the keys) and the free text of contacts; the orders and
    /// their amounts stay, under a pseudonym. Recorded with who asked, when and why.
    public func forget(_ customer: Int64, reason: String, actor: String, in tx: PostgresTransaction) async throws -> Forgetting {
        let s = schema
        guard
            let row = try await tx.query(
                "SELECT merged_into, forgotten_at IS NOT NULL AS forgotten FROM \(identifier: s).customers WHERE id = \(customer) FOR UPDATE"
            ).first
        else {
            throw CommandRefused("unknown-customer", "unknown customer \(customer)")
        }
        if let target = try row.decode(Int64?.self, column: "merged_into") {
            throw CommandRefused("customer-merged", "customer \(customer) was merged into \(target); forget that profile")
        }
        guard try !row.decode(Bool.self, column: "forgotten") else {
            throw CommandRefused("customer-forgotten", "customer \(customer) was already forgotten")
        }
        let pseudonym = "forgotten-\(customer)"
        let profiles =
            [customer]
            + (try await tx.query("SELECT id FROM \(identifier: s).customers WHERE merged_into = \(customer)").map {
                try $0.decode(Int64.self, at: 0)
            })
        let orders = try await tx.query("SELECT order_id FROM \(identifier: s).customer_orders WHERE customer = \(customer) ORDER BY order_id").map {
            try $0.decode(Int64.self, at: 0)
        }
        try await tx.queue("DELETE FROM \(identifier: s).customer_keys WHERE customer = ANY (\(profiles)::bigint[])")
        try await tx.queue("DELETE FROM \(identifier: s).customer_names WHERE customer = ANY (\(profiles)::bigint[])")
        try await tx.queue("DELETE FROM \(identifier: s).customer_addresses WHERE customer = ANY (\(profiles)::bigint[])")
        try await tx.queue("DELETE FROM \(identifier: s).consent_changes WHERE customer = ANY (\(profiles)::bigint[])")
        try await tx.queue(
            """
            UPDATE \(identifier: s).customers SET display_name = \(pseudonym), language = NULL, tags = '{}', forgotten_at = now(), updated_at = now(),
                merge_reason = CASE WHEN merged_into IS NULL THEN NULL ELSE 'erased' END
            WHERE id = ANY (\(profiles)::bigint[])
            """)
        try await tx.queue(
            "UPDATE \(identifier: s).merges SET reason = 'erased' WHERE survivor = \(customer) OR absorbed = ANY (\(profiles)::bigint[])")
        // Only summaries made of numbers and codes stay: any other may hold what someone wrote.
        try await tx.queue(
            """
            UPDATE \(identifier: s).timeline SET summary = '(erased)'
            WHERE customer = \(customer) AND kind NOT IN (\(unescaped: Self.keptTimelineKinds.map { "'\($0)'" }.joined(separator: ", ")))
            """)
        // Commands refused about the person keep their code and reason, not what was sent.
        try await tx.queue(
            """
            UPDATE \(identifier: s).command_refusals SET payload = '\\x'::bytea
            WHERE message_type LIKE 'crm.%' AND convert_from(payload, 'UTF8') ~ ('"customer":[[:space:]]*(' || array_to_string(\(profiles)::bigint[], '|') || ')[,}]')
            """)
        try await tx.queue("UPDATE \(identifier: s).surveys SET comment = NULL WHERE customer = \(customer)")
        // Out of rule segments at once; notifications keep their rule, status and times, not what they said or to whom.
        try await tx.queue("DELETE FROM \(identifier: s).rule_segment_members WHERE customer = ANY (\(profiles)::bigint[])")
        // What they bought and viewed goes from recommendations (the pairs it added say nothing of whom).
        try await tx.queue("DELETE FROM \(identifier: s).customer_items WHERE customer = ANY (\(profiles)::bigint[])")
        try await tx.queue(
            """
            UPDATE \(identifier: s).notifications SET payload = '{}'::jsonb, recipient = NULL, subject = NULL,
                status = CASE WHEN status IN ('pending', 'sending') THEN 'suppressed' ELSE status END,
                last_error = CASE WHEN status IN ('pending', 'sending') THEN 'the customer was forgotten' ELSE last_error END
            WHERE customer = ANY (\(profiles)::bigint[]) OR order_id = ANY (\(orders)::bigint[])
            """)
        // Tickets keep their kind, priority and times; what was written in them goes.
        try await tx.queue("UPDATE \(identifier: s).tickets SET subject = '(erased)', assignee = NULL WHERE customer = \(customer)")
        try await tx.queue(
            "UPDATE \(identifier: s).ticket_messages SET body = '(erased)' WHERE ticket IN (SELECT id FROM \(identifier: s).tickets WHERE customer = \(customer))"
        )
        try await tx.queue(
            "UPDATE \(identifier: s).ticket_history SET note = NULL WHERE ticket IN (SELECT id FROM \(identifier: s).tickets WHERE customer = \(customer))"
        )
        try await tx.queue(
            """
            INSERT INTO \(identifier: s).forget_requests (customer, pseudonym, reason, actor, orders)
            VALUES (\(customer), \(pseudonym), \(reason), \(actor), \(orders)::bigint[])
            """)
        try await addToTimeline(
            customer: customer, at: Date(), kind: "forgotten", summary: "personal data erased (\(reason))", actor: actor, message: nil, in: tx)
        return Forgetting(customer: customer, pseudonym: pseudonym, orders: orders)
    }
}
