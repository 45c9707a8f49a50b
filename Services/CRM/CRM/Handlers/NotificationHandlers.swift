import Contracts
import Foundation
import Messaging
import ServiceKit
import Synchronization

/// Notifications, made where the event is consumed: every event of a notifiable type
/// (``NotificationEvents``) arrives on `crm.notify`; each enabled rule of its type whose
/// condition holds makes one notification, in the same transaction, at most once per rule
/// and event. `NotificationDispatcher` sends them. The rule and template commands of
/// `erpctl crm rules|templates|notifications` are here too.
struct NotificationHandlers: Sendable {
    let store: NotificationStore
    /// The enabled rules per event type, read again after 2 s (a rule added or disabled on
    /// another instance is seen within that; on this one at once).
    let cache = RuleCache()

    final class RuleCache: Sendable {
        private let entries = Mutex<[String: (read: ContinuousClock.Instant, rules: [NotificationStore.Rule])]>([:])

        func rules(_ type: String, read: () async throws -> [NotificationStore.Rule]) async throws -> [NotificationStore.Rule] {
            let now = ContinuousClock.now
            if let entry = entries.withLock({ $0[type] }), now - entry.read < .seconds(2) { return entry.rules }
            let rules = try await read()
            entries.withLock { $0[type] = (now, rules) }
            return rules
        }

        func clear() { entries.withLock { $0 = [:] } }
    }

    func register(in registry: inout MessageHandlers, queue: String) {
        registry.raw(queue: queue, event)
        registry.command(CRMCommand.AddNotificationRule.self, addRule)
        registry.command(CRMCommand.DisableNotificationRule.self, disableRule)
        registry.command(CRMCommand.SetNotificationTemplate.self, setTemplate)
        registry.command(CRMCommand.RetryNotifications.self, retry)
    }

    /// An event of another service (or the CRM's own): the notifications its rules make.
    func event(_ delivery: RawDelivery, _ context: HandlerContext) async throws {
        guard let type = delivery.properties.type, NotificationEvents.samples[type] != nil else {
            throw PermanentMessageError(
                "not-notifiable", "\(delivery.properties.type ?? "a message without a type") is not an event notifications are made for")
        }
        guard delivery.body.count <= 1_048_576, let payload = try? JSONDecoder().decode(JSONValue.self, from: delivery.body),
            case .object = payload
        else { throw PermanentMessageError("invalid-payload", "the payload of \(type) is not a JSON object of at most 1 MiB") }
        let rules = try await cache.rules(type) { try await store.rules(for: type, in: context.transaction) }.filter {
            $0.condition.holds(for: payload)
        }
        guard !rules.isEmpty else { return }
        let order = payload["order"]?.integer ?? payload["snapshot"]?["order"]?.integer
        let customer = payload["customer"]?.integer
        let text = String(decoding: delivery.body, as: UTF8.self)
        for rule in rules {
            try await store.enqueue(
                rule: rule.id, event: context.envelope, type: type, payload: text, order: order, customer: customer, in: context.transaction)
        }
    }

    static func name(_ text: String, _ what: String) throws -> String {
        guard text.range(of: #"^[a-z][a-z0-9_]{0,62}$"#, options: .regularExpression) != nil else {
            throw CommandRefused(
                "invalid-name", "a \(what) name is lower-case letters, digits and _ (at most 63), such as win_back (got \"\(text.prefix(80))\")")
        }
        return text
    }

    func addRule(_ command: CRMCommand.AddNotificationRule, _ context: HandlerContext) async throws -> CRMResult.NotificationRule {
        let actor = try CRMRules.actor(command.actor)
        let name = try Self.name(command.name, "rule")
        guard NotificationEvents.samples[command.event] != nil else {
            throw CommandRefused(
                "unknown-event", "no notifications are made for \(command.event); one of: \(NotificationEvents.types.joined(separator: ", "))")
        }
        let condition: NotificationCondition
        do { condition = try NotificationCondition.parse(command.condition) } catch { throw CommandRefused("invalid-condition", "\(error)") }
        switch (command.audience, command.channel) {
        case (.customer, _) where !command.addresses.isEmpty:
            throw CommandRefused("invalid-audience", "a rule for the customer sends to the customer's own address; --to is for team rules")
        case (.team, .email):
            if let bad = command.addresses.first(where: { !MIMEMessage.isAddress($0) }) {
                throw CommandRefused("invalid-address", "\"\(bad.prefix(100))\" is not one email address such as ops@example.com")
            }
        case (.team, .webhook):
            if let bad = command.addresses.first(where: { $0.isEmpty || $0.count > 200 || $0.contains("\u{0}") }) {
                throw CommandRefused("invalid-address", "a webhook recipient is a text of 1 to 200 characters (got \"\(bad.prefix(100))\")")
            }
        default: break
        }
        guard command.addresses.count <= 50 else { throw CommandRefused("invalid-address", "at most 50 team addresses") }
        guard let event = try await store.templateEvent(command.template, in: context.transaction) else {
            throw CommandRefused("unknown-template", "no template \(command.template) (erpctl crm templates list)")
        }
        guard event == command.event else {
            throw CommandRefused("template-event", "template \(command.template) is written for \(event), not \(command.event)")
        }
        guard let id = try await store.addRule(command, condition: condition, actor: actor, in: context.transaction) else {
            throw CommandRefused("duplicate-rule", "a rule named \(name) exists")
        }
        context.afterCommit { [cache] in cache.clear() }
        return CRMResult.NotificationRule(rule: id, name: name)
    }

    func disableRule(_ command: CRMCommand.DisableNotificationRule, _ context: HandlerContext) async throws -> CRMResult.NotificationRule {
        let actor = try CRMRules.actor(command.actor)
        guard let id = try await store.disableRule(command.name, actor: actor, in: context.transaction) else {
            throw CommandRefused("unknown-rule", "no enabled rule named \(command.name.prefix(80))")
        }
        context.afterCommit { [cache] in cache.clear() }
        return CRMResult.NotificationRule(rule: id, name: command.name)
    }

    func setTemplate(_ command: CRMCommand.SetNotificationTemplate, _ context: HandlerContext) async throws -> CRMResult.NotificationTemplate {
        let actor = try CRMRules.actor(command.actor)
        let known = try await store.templateEvent(command.name, in: context.transaction)
        let template: NotificationTemplate
        do {
            template = try NotificationTemplate.parse(
                name: command.name, locale: command.locale, event: known, file: command.event.map { "Event: \($0)\n" + command.text } ?? command.text)
        } catch let invalid as NotificationTemplate.Invalid {
            throw CommandRefused("invalid-template", invalid.description)
        }
        try await store.setTemplate(template, actor: actor, in: context.transaction)
        return CRMResult.NotificationTemplate(name: template.name, locale: template.locale, event: template.event)
    }

    func retry(_ command: CRMCommand.RetryNotifications, _ context: HandlerContext) async throws -> CRMResult.NotificationsRetried {
        _ = try CRMRules.actor(command.actor)
        let retried = try await store.retry(command.notification, in: context.transaction)
        if let id = command.notification, retried == 0 {
            throw CommandRefused("not-failed", "notification \(id) does not exist or has not failed")
        }
        return CRMResult.NotificationsRetried(retried: retried)
    }
}
