import Contracts
import Crypto
import Foundation
import Ingest

/// What the CRM takes from `erp.ingest` (queue `crm.ingest`), read and checked without
/// the database, as the orders service reads platform orders: size, routing key,
/// registered platform (`ERP_INGEST_GENERIC_PLATFORMS`, or shopify), signature
/// (`ERP_INGEST_SECRET_<PLATFORM>`), strict JSON, the schema beside the contracts and the
/// CRM's own rules. Anything else is an ``IntakeRejection`` for the quarantine.
enum CRMIngest {
    enum Kind: Sendable, Equatable {
        /// `platform.<platform>.customer.created` / `.updated`.
        case customer
        /// `platform.<platform>.customer.message`.
        case buyerMessage
        /// `platform.<platform>.survey.response`.
        case surveyResponse
        /// `platform.<platform>.customer.viewed`.
        case view
    }

    static let expectedKeys =
        "platform.<platform>.customer.<created|updated|message|viewed> or platform.<platform>.survey.response"

    /// The platform and what the message is, from its routing key.
    static func kind(of routingKey: String) throws(IntakeRejection) -> (platform: String, kind: Kind) {
        let parts = routingKey.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, parts[0] == "platform", !parts[1].isEmpty else {
            throw IntakeRejection("bad-routing-key", "routing key '\(PrintableText.of(routingKey))' is not \(expectedKeys)")
        }
        switch (parts[2], parts[3]) {
        case ("customer", "created"), ("customer", "updated"): return (parts[1], .customer)
        case ("customer", "message"): return (parts[1], .buyerMessage)
        case ("customer", "viewed"): return (parts[1], .view)
        case ("survey", "response"): return (parts[1], .surveyResponse)
        default: throw IntakeRejection("bad-routing-key", "routing key '\(PrintableText.of(routingKey))' is not \(expectedKeys)")
        }
    }

    /// A platform's customer account, as keys and details for identity resolution.
    struct Customer: Sendable, Equatable {
        var platform: String
        var shop: String
        var externalID: String
        var keys: [ContactKey]
        var names: [String]
        var addresses: [CanonicalOrder.Address]
        var language: String?
        var consent: [MarketingChannel: Bool]
        var tags: [String]
        /// When the platform last changed it.
        var at: Date
    }

    /// A buyer's message on a platform.
    struct BuyerMessage: Sendable, Equatable {
        var platform: String
        var shop: String
        var messageID: String
        var customerKey: ContactKey
        var orderExternalID: String?
        var sentAt: Date
        var text: String

        /// One id per (platform, shop, message id): the message is on the timeline once however often it comes.
        var timelineID: UUID { CRMIngest.uuid(of: "\(platform)\u{1F}\(shop)\u{1F}\(messageID)") }
    }

    static func customer(_ message: IngestMessage, configuration: IngestConfiguration, defaultRegion: String) throws(IntakeRejection)
        -> Customer
    {
        let (platform, customer) = try decoded(
            message, .customer, PlatformCustomerSchema.schema, as: PlatformCustomer.self, configuration: configuration)
        var keys = [ContactKey.platformCustomer(platform: platform, shop: customer.shop, id: customer.externalId)]
        for (index, raw) in (customer.emails ?? []).enumerated() {
            guard let email = EmailAddress.normalised(raw) else {
                throw IntakeRejection("invalid", "emails[\(index)] '\(PrintableText.of(raw))' is not an email address")
            }
            keys.append(.email(email))
        }
        for (index, raw) in (customer.phones ?? []).enumerated() {
            guard let phone = PhoneNumber.e164(raw, defaultRegion: defaultRegion) else {
                throw IntakeRejection(
                    "invalid",
                    "phones[\(index)] '\(PrintableText.of(raw))' is not a phone number (read in region \(defaultRegion) without a country code)")
            }
            keys.append(.phone(phone))
        }
        for (index, address) in (customer.addresses ?? []).enumerated() where !ISO3166.isAssigned(address.country) {
            throw IntakeRejection("invalid", "addresses[\(index)].country '\(address.country)' is not an assigned ISO 3166-1 country code")
        }
        let created = try date(customer.createdAt, "created_at")
        let updated = try customer.updatedAt.map { text throws(IntakeRejection) in try date(text, "updated_at") } ?? created
        guard updated >= created else {
            throw IntakeRejection("invalid", "updated_at \(customer.updatedAt ?? "") is before created_at \(customer.createdAt)")
        }
        var consent: [MarketingChannel: Bool] = [:]
        if let given = customer.marketingConsent {
            consent[.email] = given.email
            consent[.sms] = given.sms
            consent[.phone] = given.phone
            consent[.messagingApp] = given.messagingApp
        }
        func cleaned(_ texts: [String]?) -> [String] {
            var seen: Set<String> = []
            return (texts ?? []).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty && seen.insert($0).inserted }
        }
        return Customer(
            platform: platform, shop: customer.shop, externalID: customer.externalId, keys: keys, names: cleaned(customer.names),
            addresses: customer.addresses ?? [], language: customer.language, consent: consent, tags: cleaned(customer.tags), at: updated)
    }

    static func buyerMessage(_ message: IngestMessage, configuration: IngestConfiguration) throws(IntakeRejection) -> BuyerMessage {
        let (platform, buyer) = try decoded(
            message, .buyerMessage, CustomerMessageSchema.schema, as: PlatformCustomerMessage.self, configuration: configuration)
        let text = buyer.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw IntakeRejection("invalid", "text is blank") }
        return BuyerMessage(
            platform: platform, shop: buyer.shop, messageID: buyer.messageId,
            customerKey: .platformCustomer(platform: platform, shop: buyer.shop, id: buyer.customerExternalId),
            orderExternalID: buyer.orderExternalId, sentAt: try date(buyer.sentAt, "sent_at"), text: text)
    }

    /// A customer's look at a SKU.
    struct View: Sendable, Equatable {
        var customerKey: ContactKey
        var sku: String
        var at: Date
    }

    static func view(_ message: IngestMessage, configuration: IngestConfiguration) throws(IntakeRejection) -> View {
        let (platform, view) = try decoded(message, .view, CustomerViewedSchema.schema, as: PlatformCustomerView.self, configuration: configuration)
        guard SKUCode.isValid(view.sku) else {
            throw IntakeRejection("invalid", "sku '\(PrintableText.of(view.sku))' is not a SKU code (\(SKUCode.rule))")
        }
        return View(
            customerKey: .platformCustomer(platform: platform, shop: view.shop, id: view.customerExternalId), sku: view.sku,
            at: try date(view.viewedAt, "viewed_at"))
    }

    /// A survey answer as the command `erpctl crm survey answer` gives it (the same rules follow).
    static func surveyAnswer(_ message: IngestMessage, configuration: IngestConfiguration) throws(IntakeRejection) -> CRMCommand.AnswerSurvey {
        let (platform, answer) = try decoded(
            message, .surveyResponse, SurveyResponseSchema.schema, as: PlatformSurveyResponse.self, configuration: configuration)
        if let answeredAt = answer.answeredAt { _ = try date(answeredAt, "answered_at") }
        return CRMCommand.AnswerSurvey(
            token: answer.token, csat: answer.csat, nps: answer.nps, comment: answer.comment, source: "platform \(platform)")
    }

    /// The message's platform and body, checked up to its schema.
    static func decoded<T: Decodable>(
        _ message: IngestMessage, _ expected: Kind, _ schema: JSONSchema, as type: T.Type, configuration: IngestConfiguration
    ) throws(IntakeRejection) -> (String, T) {
        try message.requireSize()
        let (platform, kind) = try Self.kind(of: message.routingKey)
        guard kind == expected else { throw IntakeRejection("bad-routing-key", "routing key '\(message.routingKey)' is not a \(expected) message") }
        guard configuration.format(of: platform) != nil else {
            throw IntakeRejection("unknown-platform", "platform '\(PrintableText.of(platform))' is not registered (ERP_INGEST_GENERIC_PLATFORMS)")
        }
        try configuration.verify(message, platform: platform)
        let document = try message.document(following: schema)
        guard case .string(let named)? = document["platform"], named == platform else {
            throw IntakeRejection("invalid", "platform in the body differs from '\(platform)' of the routing key")
        }
        do { return (platform, try MessageCoding.decoder().decode(T.self, from: message.body)) } catch {
            throw IntakeRejection("undecodable", MessageCoding.describe(error))
        }
    }

    static func date(_ text: String, _ field: String) throws(IntakeRejection) -> Date {
        guard let date = ISODateTime.parse(text) else {
            throw IntakeRejection("invalid", "\(field) '\(PrintableText.of(text))' is not an ISO 8601 date-time with its offset")
        }
        return date
    }

    /// A name-based UUID (SHA-256 of `name`, as version 8).
    static func uuid(of name: String) -> UUID {
        var bytes = Array(SHA256.hash(data: Data(name.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11], bytes[12],
                bytes[13], bytes[14], bytes[15]
            ))
    }
}
