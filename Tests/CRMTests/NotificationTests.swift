import CRM
import Contracts
import Foundation
import Messaging
import Postgres
import ServiceKit
import ServiceTestSupport
import TestSupport
import Testing

/// Notifications end to end: events through the real broker into the CRM, rules and
/// templates in its schema, email to a real SMTP server and webhooks to a real HTTP server on
/// loopback (`mail_sinks.py`).
@Suite(.timeLimit(.minutes(6))) struct NotificationTests {
    static func settings(dailyLimit: Int = 10, webhookPath: String = "/hook", startTLS: Bool = false) -> NotificationSettings {
        var settings = NotificationSettings()
        if let sinks = MailSinks.shared {
            let url =
                startTLS
                ? "smtp://erp:secret@localhost:\(sinks.startTLSPort)?starttls=true&tls_ca=\(sinks.caFile)"
                : "smtp://erp:secret@127.0.0.1:\(sinks.smtpPort)"
            settings.smtp = try? SMTPConfiguration(url: url, from: "shop@example.com", replyTo: "care@example.com")
            settings.webhook = try? WebhookConfiguration(url: "http://127.0.0.1:\(sinks.httpPort)\(webhookPath)", secret: "0123456789abcdef")
            settings.webhook?.timeout = .seconds(1)
        }
        (settings.dailyLimit, settings.retryAfter, settings.idle, settings.attempts) = (dailyLimit, .milliseconds(200), .milliseconds(50), 3)
        settings.team = ["ops@example.com"]
        return settings
    }

    /// The settings are made when the service starts (when a test runs), not when the suite
    /// is listed: that starts the mail sinks only for a run that has these tests.
    static func definition(dailyLimit: Int = 10, webhookPath: String = "/hook", startTLS: Bool = false)
        -> @Sendable (String, String, String) -> ServiceDefinition
    {
        { schema, queue, exchange in
            var crm = CRMService.Settings()
            crm.notifications = settings(dailyLimit: dailyLimit, webhookPath: webhookPath, startTLS: startTLS)
            return CRMService.definition(
                settings: crm, ingest: CRMTest.ingest, schema: schema, queuePrefix: String(queue.dropLast(".commands".count)),
                commandsExchange: exchange, eventsExchange: exchange, ingestExchange: exchange)
        }
    }

    static func customer(_ harness: ServiceHarness, order: Int64, email: String) async throws -> Int64 {
        try await CRMTest.placed(CRMTest.order(order, customer: .init(name: "Nia Lu", email: email)), harness)
        return try #require(try await CRMTest.waitForOrders([order], harness).first)
    }

    static func statuses(_ harness: ServiceHarness, rule: String) async throws -> [String] {
        try await harness.pool.query(
            """
            SELECT n.status FROM \(identifier: harness.schema).notifications n JOIN \(identifier: harness.schema).notification_rules r ON r.id = n.rule_id
            WHERE r.name = \(rule) ORDER BY n.id
            """
        ).map { try $0.decode(String.self, at: 0) }
    }

    static func lastError(_ harness: ServiceHarness, rule: String) async throws -> String? {
        try await harness.pool.query(
            """
            SELECT n.last_error FROM \(identifier: harness.schema).notifications n JOIN \(identifier: harness.schema).notification_rules r ON r.id = n.rule_id
            WHERE r.name = \(rule) ORDER BY n.id DESC LIMIT 1
            """
        ).first?.decode(String?.self, at: 0)
    }

    @Test(.service("t_crm", definition()))
    func aShipmentEmailsTheCustomerOnceWithItsTrackingLinkEvenWhenTheEventComesTwice() async throws {
        let harness = try ServiceHarness.required()
        let sinks = try #require(MailSinks.shared, "the SMTP sink (python3-aiosmtpd) runs")
        let address = "ship-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        _ = try await Self.customer(harness, order: 501, email: address)
        let received = try await eventually { sinks.emails(to: address).count == 1 }
        #expect(received, "the order's receipt was sent")
        let shipped = OrderEvent.Shipped(
            order: 501, shipment: "SH-501", carrier: "sf", trackingNumber: "SF 501", lines: [.init(line: 1, quantity: 1)], complete: true)
        let id = UUID.random()
        try await CRMTest.publish(shipped, harness, id: id)
        try await CRMTest.publish(shipped, harness, id: id)
        let arrived = try await eventually { sinks.emails(to: address).count >= 2 }
        #expect(arrived, "the shipment's email was sent")
        let sent = try await eventually { try await Self.statuses(harness, rule: "order_shipped") == ["sent"] }
        #expect(sent, "one notification for the event delivered twice")
        let mails = sinks.emails(to: address)
        #expect(mails.count == 2, "a receipt and one shipment email, no second copy")
        let shipment = mails.first { $0.contains("Subject: Order 501 is on its way") }
        let mail = try #require(shipment)
        #expect(mail.contains("From: shop@example.com") && mail.contains("Reply-To: care@example.com"))
        #expect(mail.contains("multipart/alternative") && mail.contains("text/html; charset=utf-8"))
        #expect(mail.contains("Message-ID: <erp-notification-"))
        let text = Self.decodedParts(mail).joined(separator: "\n")
        #expect(text.contains("https://t.17track.net/en#nums=SF%20501"), "the tracking link, its number escaped: \(text)")
        #expect(text.contains("Hello Nia Lu"))
    }

    @Test(.service("t_crm", definition(startTLS: true)))
    func anEmailGoesOverTLSWhenTheRelayAsksForStartTLSAndAUTHOnlyAfterIt() async throws {
        let harness = try ServiceHarness.required()
        let sinks = try #require(MailSinks.shared)
        let address = "tls-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        _ = try await Self.customer(harness, order: 561, email: address)
        let sent = try await eventually { try await Self.statuses(harness, rule: "order_received") == ["sent"] }
        let error = try await Self.lastError(harness, rule: "order_received") ?? ""
        #expect(sent, "\(error)")
        #expect(sinks.emails(to: address).count == 1, "the server takes mail only after STARTTLS and AUTH")
    }

    /// The base64 parts of a MIME message, decoded.
    static func decodedParts(_ mail: String) -> [String] {
        mail.components(separatedBy: "\r\n\r\n").dropFirst().compactMap { block in
            let encoded = block.components(separatedBy: "\r\n--").first?.replacingOccurrences(of: "\r\n", with: "") ?? ""
            return Data(base64Encoded: encoded).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    @Test(.service("t_crm", definition()))
    func marketingGoesOnlyToCustomersWhoConsentedAndAForgottenCustomerGetsNothing() async throws {
        let harness = try ServiceHarness.required()
        let sinks = try #require(MailSinks.shared)
        let template = "Subject: We miss you, {{customer.name}}\nEvent: crm.segment.changed.v1\n\nCome back: 10% off.\n"
        let set = try await harness.client.send(CRMCommand.SetNotificationTemplate(name: "win_back", locale: "en", text: template, actor: "amy"))
        #expect(set.status == .done, "\(set.reason ?? "")")
        let added = try await harness.client.send(
            CRMCommand.AddNotificationRule(
                name: "win_back", event: "crm.segment.changed.v1", condition: #"{"to": "at_risk"}"#, audience: .customer, channel: .email,
                template: "win_back", purpose: .marketing, actor: "amy"))
        #expect(added.status == .done, "\(added.reason ?? "")")
        let tag = UUID().uuidString.prefix(8).lowercased()
        let silent = try await Self.customer(harness, order: 511, email: "silent-\(tag)@example.com")
        let keen = try await Self.customer(harness, order: 512, email: "keen-\(tag)@example.com")
        let gone = try await Self.customer(harness, order: 513, email: "gone-\(tag)@example.com")
        for customer in [keen, gone] {
            let consent = try await harness.client.send(
                CRMCommand.SetConsent(customer: customer, channel: .email, optedIn: true, source: "checkout form", actor: "amy"))
            #expect(consent.status == .done)
        }
        let forgot = try await harness.client.send(CRMCommand.ForgetCustomer(customer: gone, reason: "asked", actor: "amy"))
        #expect(forgot.status == .done, "\(forgot.reason ?? "")")
        for customer in [silent, keen, gone] {
            try await CRMTest.publish(CRMEvent.SegmentChanged(customer: customer, from: "loyal", to: "at_risk"), harness)
        }
        try await CRMTest.publish(CRMEvent.SegmentChanged(customer: keen, from: "at_risk", to: "lost"), harness)
        let settled = try await eventually {
            let states = try await Self.statuses(harness, rule: "win_back")
            return states.count == 3 && !states.contains("pending") && !states.contains("sending")
        }
        #expect(settled, "three notifications (the move to lost does not match), all settled")
        #expect(try await Self.statuses(harness, rule: "win_back").sorted() == ["sent", "suppressed", "suppressed"])
        let keenGot = sinks.emails(to: "keen-\(tag)@example.com").contains { $0.contains("Subject: We miss you, Nia Lu") }
        #expect(keenGot)
        let silentGot = sinks.emails(to: "silent-\(tag)@example.com").contains { $0.contains("We miss you") }
        #expect(!silentGot, "no consent, no marketing")
        let reasons = try await harness.pool.query(
            "SELECT last_error FROM \(identifier: harness.schema).notifications WHERE status = 'suppressed' ORDER BY id"
        )
        .map { try $0.decode(String?.self, at: 0) ?? "" }
        let text = reasons.joined(separator: " | ")
        #expect(text.contains("did not consent to marketing"), "\(reasons)")
        #expect(text.contains("was forgotten"), "\(reasons)")
    }

    @Test(.service("t_crm", definition(dailyLimit: 2)))
    func aCustomerIsSentAtMostTheDailyLimit() async throws {
        let harness = try ServiceHarness.required()
        let address = "flood-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        _ = try await Self.customer(harness, order: 521, email: address)
        for _ in 0..<3 {
            try await CRMTest.publish(
                OrderEvent.StatusChanged(order: 521, from: .pendingPayment, to: .paid, reason: "paid", actor: "finance", total: CRMTest.cny(25_800)),
                harness)
        }
        let settled = try await eventually {
            let states = try await Self.statuses(harness, rule: "order_paid")
            return states.count == 3 && !states.contains("pending") && !states.contains("sending")
        }
        #expect(settled)
        let all = try await Self.statuses(harness, rule: "order_received") + Self.statuses(harness, rule: "order_paid")
        let sentCount = all.filter { $0 == "sent" }.count
        #expect(sentCount == 2, "the receipt and one payment: the limit is 2 a day (\(all))")
        #expect(try await Self.lastError(harness, rule: "order_paid")?.contains("the limit is 2") == true)
    }

    @Test(.service("t_crm", definition()))
    func aRelayThatRefusesTheRecipientFailsTheNotificationAtOnceAndARetryTriesAgain() async throws {
        let harness = try ServiceHarness.required()
        _ = try await Self.customer(harness, order: 531, email: "refuse-\(UUID().uuidString.prefix(8).lowercased())@example.com")
        let failed = try await eventually { try await Self.statuses(harness, rule: "order_received") == ["failed"] }
        #expect(failed)
        let error = try await Self.lastError(harness, rule: "order_received") ?? ""
        #expect(error.contains("550"), "the relay's answer is kept: \(error)")
        let attempts = try await harness.pool.query("SELECT attempts FROM \(identifier: harness.schema).notifications")[0].decode(Int.self, at: 0)
        #expect(attempts == 1, "a 5xx is not tried again")
        let retried = try await harness.client.send(CRMCommand.RetryNotifications(notification: nil, actor: "amy"))
        #expect(try retried.decodeResult(CRMResult.NotificationsRetried.self).retried == 1)
        let againFailed = try await eventually {
            try await harness.pool.query("SELECT attempts, status FROM \(identifier: harness.schema).notifications")[0].decode(String.self, at: 1)
                == "failed"
        }
        #expect(againFailed, "tried again on request, and refused again")
    }

    @Test(.service("t_crm", definition(webhookPath: "/flaky")))
    func aWebhookThatAnswers500IsTriedAgainUntilItTakesTheSignedBody() async throws {
        let harness = try ServiceHarness.required()
        let sinks = try #require(MailSinks.shared)
        let rule = try await harness.client.send(
            CRMCommand.AddNotificationRule(
                name: "low_stock_chat", event: "inventory.stock.low.v1", audience: .team, addresses: ["ops-chat"], channel: .webhook,
                template: "stock_low", purpose: .transactional, actor: "amy"))
        #expect(rule.status == .done, "\(rule.reason ?? "")")
        let sku = "SKU-\(UUID().uuidString.prefix(6))"
        try await CRMTest.publish(InventoryEvent.Low(sku: sku, warehouse: "HZ", available: 1, minimum: 5), harness)
        let sent = try await eventually { try await Self.statuses(harness, rule: "low_stock_chat") == ["sent"] }
        #expect(sent)
        let posts = sinks.posts("/flaky").filter { $0.body.contains(sku) }
        #expect(posts.count == 2, "a 500, then a 200")
        let post = try #require(posts.last)
        let secret = "0123456789abcdef"
        #expect(post.headers["X-ERP-Signature"] == WebhookSender.signature(Data(post.body.utf8), secret: secret))
        let keys = Set(posts.map { $0.headers["Idempotency-Key"] ?? "" })
        #expect(keys.count == 1, "the same key each time: \(keys)")
        #expect(post.body.contains("\"to\":[\"ops-chat\"]") && post.body.contains("\(sku) in HZ: 1 available"))
        #expect(try await Self.statuses(harness, rule: "stock_low") == ["sent"], "and the email rule of the same event to the team")
    }

    @Test(.service("t_crm", definition(webhookPath: "/reject")))
    func aWebhookThatAnswers400FailsAtOnce() async throws {
        let harness = try ServiceHarness.required()
        let rule = try await harness.client.send(
            CRMCommand.AddNotificationRule(
                name: "late_chat", event: "orders.order.ship_late.v1", audience: .team, addresses: ["ops-chat"], channel: .webhook,
                template: "order_late", purpose: .transactional, actor: "amy"))
        #expect(rule.status == .done)
        try await CRMTest.publish(OrderEvent.ShipLate(order: 541, hours: 48, reason: "not picked"), harness)
        let failed = try await eventually { try await Self.statuses(harness, rule: "late_chat") == ["failed"] }
        #expect(failed)
        #expect(try await Self.lastError(harness, rule: "late_chat")?.contains("400") == true)
    }

    @Test(.service("t_crm", definition(webhookPath: "/slow")))
    func aWebhookThatTimesOutIsRetriedAndFailedAfterTheLastAttempt() async throws {
        let harness = try ServiceHarness.required()
        let rule = try await harness.client.send(
            CRMCommand.AddNotificationRule(
                name: "hold_chat", event: "orders.order.status_changed.v1", condition: #"{"to": "on_hold"}"#, audience: .team,
                addresses: ["ops-chat"], channel: .webhook, template: "order_on_hold", purpose: .transactional, actor: "amy"))
        #expect(rule.status == .done)
        try await CRMTest.publish(
            OrderEvent.StatusChanged(order: 551, from: .paid, to: .onHold, reason: "backorder", actor: "saga", total: CRMTest.cny(100)), harness)
        let failed = try await eventually(within: 40) { try await Self.statuses(harness, rule: "hold_chat") == ["failed"] }
        #expect(failed)
        let error = try await Self.lastError(harness, rule: "hold_chat") ?? ""
        #expect(error.contains("after 3 attempts"), "\(error)")
    }

    @Test(.service("t_crm", definition()))
    func badRulesAndTemplatesAreRefusedWithTheirReason() async throws {
        let harness = try ServiceHarness.required()
        func code<M: Message>(_ command: M) async throws -> String? { try await harness.client.send(command).code }
        func rule(
            name: String = "r", event: String = "orders.order.placed.v1", condition: String = "{}", addresses: [String] = [],
            audience: NotificationAudience = .customer, template: String = "order_received"
        ) -> CRMCommand.AddNotificationRule {
            CRMCommand.AddNotificationRule(
                name: name, event: event, condition: condition, audience: audience, addresses: addresses, channel: .email, template: template,
                purpose: .transactional, actor: "amy")
        }
        #expect(try await code(rule(name: "Bad Name")) == "invalid-name")
        #expect(try await code(rule(event: "orders.nothing.v1")) == "unknown-event")
        #expect(try await code(rule(condition: #"{"colour": "red"}"#)) == "invalid-condition")
        #expect(try await code(rule(condition: #"{"amount_at_least": "ten"}"#)) == "invalid-condition")
        #expect(try await code(rule(addresses: ["ops@example.com"])) == "invalid-audience")
        #expect(try await code(rule(addresses: ["not an address"], audience: .team)) == "invalid-address")
        #expect(try await code(rule(template: "nope")) == "unknown-template")
        #expect(try await code(rule(template: "order_shipped")) == "template-event")
        #expect(try await code(rule(name: "order_received")) == "duplicate-rule")
        #expect(try await code(CRMCommand.DisableNotificationRule(name: "nope", actor: "amy")) == "unknown-rule")
        func template(_ text: String, name: String = "t1") -> CRMCommand.SetNotificationTemplate {
            CRMCommand.SetNotificationTemplate(name: name, locale: "en", event: "orders.order.placed.v1", text: text, actor: "amy")
        }
        #expect(try await code(template("Subject: {{snapshot.nope}}\n\nhi\n")) == "invalid-template")
        #expect(try await code(template("Subject: hi\n\n{{#snapshot.lines}}{{colour}}{{/snapshot.lines}}\n")) == "invalid-template")
        #expect(try await code(template("Subject: hi\n\n{{#snapshot}}unclosed\n")) == "invalid-template")
        #expect(try await code(template("Subject: hi\n\n{{> header}}\n")) == "invalid-template")
        #expect(try await code(template("no headers at all")) == "invalid-template")
        let fine = try await harness.client.send(
            template("Subject: Order {{snapshot.external_id}}\n\n{{#snapshot.lines}}{{sku}} {{total.text}} {{customer.name}}{{/snapshot.lines}}\n"))
        #expect(fine.status == .done, "a line's fields, and the customer's from outside the section: \(fine.reason ?? "")")
        #expect(try await code(CRMCommand.RetryNotifications(notification: 999_999, actor: "amy")) == "not-failed")
        #expect(try await code(CRMCommand.DisableNotificationRule(name: "order_received", actor: "amy")) == nil)
        #expect(try await CRMTest.count("SELECT count(*)::int FROM crm.notification_rules WHERE enabled AND name = 'order_received'", harness) == 0)
    }
}
