import Foundation

/// What platforms publish about customers on `erp.ingest` (see the schemas beside this
/// file). Connectors encode these with ``MessageCoding/encoder()`` (snake_case keys);
/// the CRM reads them only after the body follows the schema.

/// `platform.<platform>.customer.<created|updated>`: a customer account as the platform holds it now.
public struct PlatformCustomer: Codable, Sendable, Equatable {
    public struct MarketingConsent: Codable, Sendable, Equatable {
        public var email: Bool?
        public var sms: Bool?
        public var phone: Bool?
        public var messagingApp: Bool?
        public init(email: Bool? = nil, sms: Bool? = nil, phone: Bool? = nil, messagingApp: Bool? = nil) {
            (self.email, self.sms, self.phone, self.messagingApp) = (email, sms, phone, messagingApp)
        }
    }

    public var platform: String
    public var shop: String
    public var externalId: String
    public var names: [String]?
    public var emails: [String]?
    public var phones: [String]?
    public var addresses: [CanonicalOrder.Address]?
    public var language: String?
    public var marketingConsent: MarketingConsent?
    public var tags: [String]?
    /// ISO 8601 date-times, as written.
    public var createdAt: String
    public var updatedAt: String?

    public init(
        platform: String, shop: String, externalId: String, names: [String]? = nil, emails: [String]? = nil, phones: [String]? = nil,
        addresses: [CanonicalOrder.Address]? = nil, language: String? = nil, marketingConsent: MarketingConsent? = nil,
        tags: [String]? = nil, createdAt: String, updatedAt: String? = nil
    ) {
        (self.platform, self.shop, self.externalId, self.names, self.emails, self.phones) = (platform, shop, externalId, names, emails, phones)
        (self.addresses, self.language, self.marketingConsent, self.tags) = (addresses, language, marketingConsent, tags)
        (self.createdAt, self.updatedAt) = (createdAt, updatedAt)
    }
}

/// `platform.<platform>.customer.message`: a buyer wrote to the shop.
public struct PlatformCustomerMessage: Codable, Sendable, Equatable {
    public var platform: String
    public var shop: String
    public var messageId: String
    public var customerExternalId: String
    public var orderExternalId: String?
    public var sentAt: String
    public var text: String

    public init(
        platform: String, shop: String, messageId: String, customerExternalId: String, orderExternalId: String? = nil, sentAt: String,
        text: String
    ) {
        (self.platform, self.shop, self.messageId, self.customerExternalId) = (platform, shop, messageId, customerExternalId)
        (self.orderExternalId, self.sentAt, self.text) = (orderExternalId, sentAt, text)
    }
}

/// `platform.<platform>.survey.response`: a customer answered a satisfaction survey.
public struct PlatformSurveyResponse: Codable, Sendable, Equatable {
    public var platform: String
    public var token: String
    public var csat: Int
    public var nps: Int?
    public var comment: String?
    public var answeredAt: String?

    public init(platform: String, token: String, csat: Int, nps: Int? = nil, comment: String? = nil, answeredAt: String? = nil) {
        (self.platform, self.token, self.csat, self.nps, self.comment, self.answeredAt) = (platform, token, csat, nps, comment, answeredAt)
    }
}

extension CRMEvent {
    /// A customer message, buyer's message or survey answer from `erp.ingest` was not taken:
    /// it is in the CRM's quarantine with its reason (`erpctl crm quarantine`).
    public struct IngestRejected: Message, Equatable {
        public static let type: MessageType = "crm.ingest.rejected.v1"
        public var quarantine: Int64
        public var routingKey: String
        public var code: String
        public var reason: String
        public init(quarantine: Int64, routingKey: String, code: String, reason: String) {
            (self.quarantine, self.routingKey, self.code, self.reason) = (quarantine, routingKey, code, reason)
        }
    }

    /// A platform's customer was taken: the profile it is on now.
    public struct PlatformCustomerTaken: Message, Equatable {
        public static let type: MessageType = "crm.platform_customer.taken.v1"
        public var customer: Int64
        public var platform: String
        public var shop: String
        public var externalId: String
        public init(customer: Int64, platform: String, shop: String, externalId: String) {
            (self.customer, self.platform, self.shop, self.externalId) = (customer, platform, shop, externalId)
        }
    }
}

extension CRMCommand {
    /// Runs a quarantined message of the CRM's intake again (after its cause was fixed: the
    /// platform registered, the customer known, the secret corrected).
    public struct RetryQuarantined: Message, Equatable {
        public static let type: MessageType = "crm.retry_quarantined.v1"
        public var quarantine: Int64
        public init(quarantine: Int64) { self.quarantine = quarantine }
    }
}

extension CRMResult {
    public struct Retried: Codable, Sendable, Equatable {
        public var accepted: Bool
        /// The customer it was about, when taken.
        public var customer: Int64?
        public var code: String?
        public var reason: String?
        public init(accepted: Bool, customer: Int64?, code: String?, reason: String?) {
            (self.accepted, self.customer, self.code, self.reason) = (accepted, customer, code, reason)
        }
    }
}

/// `platform.<platform>.customer.viewed`: a signed-in customer looked at a SKU (a weak
/// signal for recommendations).
public struct PlatformCustomerView: Codable, Sendable, Equatable {
    public var platform: String
    public var shop: String
    public var customerExternalId: String
    public var sku: String
    public var viewedAt: String

    public init(platform: String, shop: String, customerExternalId: String, sku: String, viewedAt: String) {
        (self.platform, self.shop, self.customerExternalId, self.sku, self.viewedAt) = (platform, shop, customerExternalId, sku, viewedAt)
    }
}
