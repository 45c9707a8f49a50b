import Foundation

/// A channel a customer may or may not want marketing on. Transactional messages (an
/// order's confirmation, its shipment, an invoice) are not marketing and need no consent.
public enum MarketingChannel: String, Codable, Sendable, CaseIterable {
    case email, sms, phone
    case messagingApp = "messaging_app"
}

extension CRMCommand {
    /// A customer opted in to or out of marketing on one channel (`erpctl crm consent`).
    public struct SetConsent: Message, Equatable {
        public static let type: MessageType = "crm.set_consent.v1"
        public var customer: Int64
        public var channel: MarketingChannel
        public var optedIn: Bool
        /// When the customer said so (default: when the command was sent).
        public var at: Date?
        /// Where they said it: `checkout form`, `phone call`, `unsubscribe link`...
        public var source: String
        public var actor: String
        public init(customer: Int64, channel: MarketingChannel, optedIn: Bool, at: Date? = nil, source: String, actor: String) {
            (self.customer, self.channel, self.optedIn, self.at, self.source, self.actor) = (customer, channel, optedIn, at, source, actor)
        }
    }

    /// Erases a person's personal data (`erpctl crm forget`): names, emails, phones,
    /// addresses and free text in the CRM, and, by ``OrderCommand/ForgetCustomer``, in their
    /// orders, which keep amounts, SKUs and dates under a pseudonym.
    public struct ForgetCustomer: Message, Equatable {
        public static let type: MessageType = "crm.forget_customer.v1"
        public var customer: Int64
        public var reason: String
        public var actor: String
        public init(customer: Int64, reason: String, actor: String) { (self.customer, self.reason, self.actor) = (customer, reason, actor) }
    }
}

extension CRMEvent {
    /// A person was forgotten: `customer` now holds only the pseudonym and what accounting
    /// and analysis need.
    public struct CustomerForgotten: Message, Equatable {
        public static let type: MessageType = "crm.customer.forgotten.v1"
        public var customer: Int64
        public var pseudonym: String
        public var orders: [Int64]
        public init(customer: Int64, pseudonym: String, orders: [Int64]) {
            (self.customer, self.pseudonym, self.orders) = (customer, pseudonym, orders)
        }
    }
}

extension CRMResult {
    public struct ConsentRecorded: Codable, Sendable, Equatable {
        public var customer: Int64
        public var channel: MarketingChannel
        /// Whether the customer may now be sent marketing on the channel (a change dated
        /// before the latest one on record does not change it).
        public var optedIn: Bool
        public init(customer: Int64, channel: MarketingChannel, optedIn: Bool) {
            (self.customer, self.channel, self.optedIn) = (customer, channel, optedIn)
        }
    }

    public struct Forgotten: Codable, Sendable, Equatable {
        public var customer: Int64
        public var pseudonym: String
        public var orders: [Int64]
        public init(customer: Int64, pseudonym: String, orders: [Int64]) {
            (self.customer, self.pseudonym, self.orders) = (customer, pseudonym, orders)
        }
    }
}

extension OrderCommand {
    /// Replaces the personal data of `orders` (customer, shipping address; in their change
    /// history and quarantined bodies too) with `pseudonym`, keeping amounts, SKUs, dates
    /// and the shipping country and province. Sent by the CRM when a person is forgotten.
    public struct ForgetCustomer: Message, Equatable {
        public static let type: MessageType = "orders.forget_customer.v1"
        public var orders: [Int64]
        public var pseudonym: String
        public init(orders: [Int64], pseudonym: String) { (self.orders, self.pseudonym) = (orders, pseudonym) }
    }

    /// How many of the orders were found and erased.
    public struct Forgotten: Codable, Sendable, Equatable {
        public var orders: Int
        public init(orders: Int) { self.orders = orders }
    }
}
