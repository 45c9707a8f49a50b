import ConnectionThread
import Contracts
import Foundation
import Logging
import Metrics
import Postgres
import ServiceKit
import ServiceLifecycle

/// Sends the notifications the rules made: takes the due ones (a lease, so that a sender
/// that dies leaves them to another after two minutes), finds each one's recipient, checks
/// that it may be sent (a forgotten customer gets nothing, marketing needs consent, at most
/// ``NotificationSettings/dailyLimit`` a day per customer), renders its template in the
/// customer's locale, and sends it. A failure that cannot pass (a 5xx from SMTP, a 4xx
/// other than 429 from the webhook) fails it at once; others retry with a doubling wait
/// until ``NotificationSettings/attempts``. Delivery is at least once: a crash between
/// sending and recording sends again, with the same `Message-ID` / `Idempotency-Key`.
public final class NotificationDispatcher: Service, Sendable {
    let store: NotificationStore
    let crm: CRMStore
    let settings: NotificationSettings
    let pool: PostgresPool
    let logger: Logger
    let backoff: Backoff

    public init(schema: String, settings: NotificationSettings, pool: PostgresPool, logger: Logger) {
        (store, crm, self.settings, self.pool, self.logger) = (NotificationStore(schema: schema), CRMStore(schema: schema), settings, pool, logger)
        backoff = Backoff(initial: settings.retryAfter, maximum: .seconds(3_600))
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var taken = 0
            do { taken = try await round() } catch { logger.warning("notification round failed; trying again", metadata: ["error": "\(error)"]) }
            if taken == 0 { try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.settings.idle) } }
        }
    }

    /// Sends what is due now (up to 50); how many were taken. One person's notifications go
    /// one after another (so that the daily limit counts each before the next), different
    /// people's side by side.
    func round() async throws -> Int {
        let claimed = try await pool.withTransaction { try await self.store.claim(limit: 50, lease: .seconds(120), now: Date(), in: $0) }
        let queues = Dictionary(grouping: claimed) { notification in
            notification.customer.map { "customer \($0)" } ?? notification.order.map { "order \($0)" } ?? "notification \(notification.id)"
        }
        await withTaskGroup(of: Void.self) { group in
            for queue in queues.values {
                group.addTask { for notification in queue { await self.deliver(notification) } }
            }
        }
        return claimed.count
    }

    enum Plan {
        case send(Outgoing)
        /// Not sent, for good (a forgotten customer, no consent, the daily limit).
        case suppress(String)
        /// Not yet (the CRM has not taken the order the event is about).
        case later(String)
        case fail(String)
    }

    struct Outgoing {
        var recipients: [String]
        var customer: Int64?
        var subject: String
        var text: String
        var html: String?
    }

    func deliver(_ notification: NotificationStore.Claimed) async {
        let channel = notification.rule.channel.rawValue
        do {
            let plan = try await pool.withTransaction { try await self.plan(notification, in: $0) }
            switch plan {
            case .suppress(let reason):
                try await settle(notification, "suppressed", reason)
            case .later(let reason):
                try await settle(notification, "pending", reason, next: Date() + 2, countAttempt: false)
            case .fail(let reason):
                Counter(label: "erp_crm_notifications_failed_total", dimensions: [("channel", channel)]).increment()
                try await settle(notification, "failed", reason)
            case .send(let outgoing):
                try await send(outgoing, notification)
                let now = Date()
                try await pool.withTransaction { try await self.store.markSent(notification.id, at: now, in: $0) }
                Counter(label: "erp_crm_notifications_sent_total", dimensions: [("channel", channel)]).increment()
                Metrics.Timer(label: "erp_crm_notification_dispatch_seconds", dimensions: [("channel", channel)], preferredDisplayUnit: .seconds)
                    .recordSeconds(max(0, now.timeIntervalSince(notification.createdAt)))
            }
        } catch {
            let failure = error as? DeliveryFailure ?? DeliveryFailure(permanent: false, "\(error)")
            let last = failure.permanent || notification.attempts >= settings.attempts
            if last {
                Counter(label: "erp_crm_notifications_failed_total", dimensions: [("channel", channel)]).increment()
            } else {
                Counter(label: "erp_crm_notifications_retried_total", dimensions: [("channel", channel)]).increment()
            }
            let wait = Backoff.seconds(backoff.delay(attempt: notification.attempts - 1))
            let why = last && !failure.permanent ? "\(failure.description) (after \(notification.attempts) attempts)" : failure.description
            logger.notice(
                "notification not sent",
                metadata: ["id": "\(notification.id)", "rule": "\(notification.rule.name)", "error": "\(why)", "final": "\(last)"])
            try? await settle(notification, last ? "failed" : "pending", why, next: last ? nil : Date() + wait)
        }
    }

    func settle(_ notification: NotificationStore.Claimed, _ status: String, _ why: String, next: Date? = nil, countAttempt: Bool = true) async throws
    {
        try await pool.withTransaction {
            try await self.store.settle(notification.id, status: status, next: next, error: why, countAttempt: countAttempt, in: $0)
        }
    }

    /// Who gets it, whether they may, and what it says.
    func plan(_ notification: NotificationStore.Claimed, record: Bool = true, in tx: PostgresTransaction) async throws -> Plan {
        let rule = notification.rule
        guard let payload = try? JSONDecoder().decode(JSONValue.self, from: Data(notification.payload.utf8)) else {
            return .fail("its event's payload is not JSON")
        }
        var customerID = notification.customer
        if customerID == nil, let order = notification.order { customerID = try await crm.customer(ofOrder: order, in: tx) }
        if let id = customerID { customerID = try await crm.live(id, in: tx) ?? id }
        let since = Date() - 86_400
        let recipient =
            try await customerID.asyncMap {
                try await store.recipient($0, consentChannel: rule.channel == .email ? "email" : "sms", since: since, before: notification.id, in: tx)
            } ?? nil
        var addresses: [String]
        switch rule.audience {
        case .customer:
            guard let recipient else {
                if notification.order != nil, Date().timeIntervalSince(notification.createdAt) < 600 {
                    return .later("order \(notification.order ?? 0) is not known to the CRM yet")
                }
                return .fail(notification.order.map { "order \($0) is not known to the CRM" } ?? "the event names no customer or order")
            }
            if recipient.forgotten { return .suppress("customer \(recipient.person.id) was forgotten") }
            if rule.purpose == .marketing, !recipient.consented {
                return .suppress("customer \(recipient.person.id) did not consent to marketing by \(rule.channel == .email ? "email" : "sms")")
            }
            if recipient.sentSince >= settings.dailyLimit {
                return .suppress(
                    "customer \(recipient.person.id) was sent \(recipient.sentSince) notifications in 24 hours (the limit is \(settings.dailyLimit))")
            }
            let address = rule.channel == .email ? recipient.person.email : recipient.person.phone
            guard let address, !address.isEmpty else {
                return .suppress("customer \(recipient.person.id) has no \(rule.channel == .email ? "email address" : "phone number")")
            }
            if rule.channel == .email, !MIMEMessage.isAddress(address) {
                return .suppress("customer \(recipient.person.id)'s email \"\(address.prefix(100))\" is not one address")
            }
            addresses = [address]
        case .team:
            addresses = rule.addresses.isEmpty ? settings.team : rule.addresses
            guard !addresses.isEmpty else { return .fail("the team has no address: set ERP_CRM_TEAM_ADDRESS or add the rule with --to") }
        }
        let locales = settings.locales(for: rule.audience == .customer ? recipient?.person.language : nil)
        guard let template = try await store.template(rule.template, locales: locales, in: tx) else {
            return .fail("template \(rule.template) has no text in \(locales.joined(separator: ", "))")
        }
        let context = NotificationContext(
            event: notification.eventType, occurredAt: notification.occurredAt, payload: payload,
            customer: recipient.map(\.person) ?? customerID.map { NotificationContext.Customer(id: $0, name: nil, email: nil, phone: nil) },
            trackingURL: settings.trackingURL)
        let rendered = try template.render(context)
        if record {
            try await store.address(
                notification.id, customer: rule.audience == .customer ? recipient?.person.id : customerID,
                recipient: addresses.joined(separator: ", "), subject: rendered.subject, in: tx)
        }
        return .send(
            Outgoing(recipients: addresses, customer: recipient?.person.id, subject: rendered.subject, text: rendered.text, html: rendered.html))
    }

    /// What the enabled rules would make of an event, and what each would send, without
    /// sending or recording anything (`erpctl crm rules test --event FILE`).
    public static func preview(
        type: String, payload: String, settings: NotificationSettings, schema: String = "crm", pool: PostgresPool
    ) async throws -> [(rule: String, channel: String, outcome: String, recipients: [String], subject: String?, text: String?)] {
        guard NotificationEvents.samples[type] != nil else {
            throw NotificationCondition.Invalid(
                description: "no notifications are made for \(type); one of: \(NotificationEvents.types.joined(separator: ", "))")
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(payload.utf8)), case .object = value else {
            throw NotificationCondition.Invalid(description: "the event's payload is not a JSON object")
        }
        let dispatcher = NotificationDispatcher(schema: schema, settings: settings, pool: pool, logger: Logger(label: "erpctl"))
        return try await pool.withTransaction { tx in
            var results: [(rule: String, channel: String, outcome: String, recipients: [String], subject: String?, text: String?)] = []
            for rule in try await dispatcher.store.rules(for: type, in: tx) where rule.condition.holds(for: value) {
                let claimed = NotificationStore.Claimed(
                    id: 0, rule: rule, eventType: type, occurredAt: Date(), payload: payload,
                    order: value["order"]?.integer ?? value["snapshot"]?["order"]?.integer, customer: value["customer"]?.integer, attempts: 1,
                    createdAt: Date())
                switch try await dispatcher.plan(claimed, record: false, in: tx) {
                case .send(let outgoing):
                    results.append((rule.name, rule.channel.rawValue, "send", outgoing.recipients, outgoing.subject, outgoing.text))
                case .suppress(let why): results.append((rule.name, rule.channel.rawValue, "suppressed: \(why)", [], nil, nil))
                case .later(let why), .fail(let why): results.append((rule.name, rule.channel.rawValue, "not sent: \(why)", [], nil, nil))
                }
            }
            return results
        }
    }

    func send(_ outgoing: Outgoing, _ notification: NotificationStore.Claimed) async throws {
        let key = "erp-notification-\(notification.id)"
        switch notification.rule.channel {
        case .email:
            guard let smtp = settings.smtp else {
                throw DeliveryFailure(permanent: true, "no SMTP relay is configured (ERP_SMTP_URL, ERP_SMTP_FROM)")
            }
            var message = MIMEMessage(
                from: smtp.from, to: outgoing.recipients, replyTo: smtp.replyTo, subject: outgoing.subject, text: outgoing.text, html: outgoing.html,
                messageID: "\(key)@erp-crm", date: Date())
            if notification.eventType == FinanceEvent.InvoiceIssued.type.rawValue,
                let invoice = try? JSONDecoder().decode(JSONValue.self, from: Data(notification.payload.utf8))
            {
                message.attachments.append(InvoiceDocument.attachment(invoice))
            }
            try await SMTPClient(configuration: smtp).send(message)
        case .webhook:
            guard let webhook = settings.webhook else {
                throw DeliveryFailure(permanent: true, "no webhook gateway is configured (ERP_WEBHOOK_URL, ERP_WEBHOOK_SECRET)")
            }
            var body: [String: JSONValue] = [
                "notification": .integer(notification.id), "rule": .string(notification.rule.name), "event_type": .string(notification.eventType),
                "to": .array(outgoing.recipients.map(JSONValue.string)), "subject": .string(outgoing.subject), "text": .string(outgoing.text),
            ]
            if let customer = outgoing.customer { body["customer"] = .integer(customer) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            try await WebhookSender(configuration: webhook).send(try encoder.encode(JSONValue.object(body)), idempotencyKey: key)
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
