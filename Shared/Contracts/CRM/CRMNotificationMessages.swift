import Foundation

/// How a notification goes out: an email over SMTP, or an HTTP POST to the webhook
/// gateway (SMS, messaging apps, chat).
public enum NotificationChannel: String, Codable, Sendable, CaseIterable {
    case email, webhook
}

/// Who a rule notifies: the customer the event is about, or the team.
public enum NotificationAudience: String, Codable, Sendable, CaseIterable {
    case customer, team
}

/// Transactional notifications (an order's progress) need no consent; marketing ones go
/// only to customers who opted in on the channel.
public enum NotificationPurpose: String, Codable, Sendable, CaseIterable {
    case transactional, marketing
}

extension CRMCommand {
    /// Adds a notification rule (`erpctl crm rules add`). The condition is a JSON object
    /// (see `NotificationCondition`); the template must exist for the rule's event.
    public struct AddNotificationRule: Message, Equatable {
        public static let type: MessageType = "crm.add_notification_rule.v1"
        public var name: String
        public var event: String
        public var condition: String
        public var audience: NotificationAudience
        public var addresses: [String]
        public var channel: NotificationChannel
        public var template: String
        public var purpose: NotificationPurpose
        public var actor: String
        public init(
            name: String, event: String, condition: String = "{}", audience: NotificationAudience, addresses: [String] = [],
            channel: NotificationChannel, template: String, purpose: NotificationPurpose, actor: String
        ) {
            (self.name, self.event, self.condition, self.audience, self.addresses) = (name, event, condition, audience, addresses)
            (self.channel, self.template, self.purpose, self.actor) = (channel, template, purpose, actor)
        }
    }

    /// Stops a rule (`erpctl crm rules disable`); what it made already is kept.
    public struct DisableNotificationRule: Message, Equatable {
        public static let type: MessageType = "crm.disable_notification_rule.v1"
        public var name: String
        public var actor: String
        public init(name: String, actor: String) { (self.name, self.actor) = (name, actor) }
    }

    /// Sets a template for a locale (`erpctl crm templates set`): refused when it does not
    /// parse or names a field its event does not have. A new template names its event.
    public struct SetNotificationTemplate: Message, Equatable {
        public static let type: MessageType = "crm.set_notification_template.v1"
        public var name: String
        public var locale: String
        public var event: String?
        public var text: String
        public var actor: String
        public init(name: String, locale: String, event: String? = nil, text: String, actor: String) {
            (self.name, self.locale, self.event, self.text, self.actor) = (name, locale, event, text, actor)
        }
    }

    /// Sends failed notifications again (`erpctl crm notifications retry ID|--failed`).
    public struct RetryNotifications: Message, Equatable {
        public static let type: MessageType = "crm.retry_notifications.v1"
        /// One notification, or nil: every failed one.
        public var notification: Int64?
        public var actor: String
        public init(notification: Int64?, actor: String) { (self.notification, self.actor) = (notification, actor) }
    }
}

extension CRMEvent {
    /// Someone of the shop replied on a ticket (a reply to the customer).
    public struct TicketReplied: Message, Equatable {
        public static let type: MessageType = "crm.ticket.replied.v1"
        public var ticket: Int64
        public var customer: Int64
        public var body: String
        public var author: String
        public init(ticket: Int64, customer: Int64, body: String, author: String) {
            (self.ticket, self.customer, self.body, self.author) = (ticket, customer, body, author)
        }
    }
}

extension CRMResult {
    public struct NotificationRule: Codable, Sendable, Equatable {
        public var rule: Int64
        public var name: String
        public init(rule: Int64, name: String) { (self.rule, self.name) = (rule, name) }
    }

    public struct NotificationTemplate: Codable, Sendable, Equatable {
        public var name: String
        public var locale: String
        public var event: String
        public init(name: String, locale: String, event: String) { (self.name, self.locale, self.event) = (name, locale, event) }
    }

    public struct NotificationsRetried: Codable, Sendable, Equatable {
        public var retried: Int
        public init(retried: Int) { self.retried = retried }
    }
}
