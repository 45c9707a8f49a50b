import Contracts
import Foundation

/// The keys and details an order gives about its customer.
enum CustomerSighting {
    /// The order's customer: their platform id (within the shop), email and phone as keys
    /// (those that are not valid are left out: they cannot identify anyone), and their name
    /// (else the recipient's) with the shipping address.
    static func of(_ order: OrderSnapshot, defaultRegion: String) -> CRMStore.Sighting {
        var keys: [ContactKey] = []
        let customer = order.customer
        // A platform's customer id is short; one past 200 characters identifies nobody.
        if let id = customer?.externalId?.trimmingCharacters(in: .whitespacesAndNewlines), !id.isEmpty, id.count <= 200 {
            keys.append(.platformCustomer(platform: order.platform, shop: order.shop, id: id))
        }
        if let email = customer?.email.flatMap(EmailAddress.normalised) { keys.append(.email(email)) }
        if let phone = customer?.phone.flatMap({ PhoneNumber.e164($0, defaultRegion: defaultRegion) }) { keys.append(.phone(phone)) }
        return CRMStore.Sighting(
            keys: keys, names: (customer?.name ?? order.shippingAddress?.name).map { [$0] } ?? [],
            addresses: order.shippingAddress.map { [$0] } ?? [], at: order.placedAt,
            source: "order \(order.order) (\(order.platform)/\(order.shop) \(order.externalId))")
    }
}

/// Checks of what people type into CRM commands.
enum CRMRules {
    static func summary(_ text: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw CommandRefused("summary-required", "a contact needs a summary") }
        guard trimmed.count <= 2_000 else {
            throw CommandRefused("summary-too-long", "a summary has at most 2,000 characters (\(trimmed.count) given)")
        }
        return trimmed
    }

    /// Text a person typed: trimmed, not empty, at most `limit` characters.
    static func text(_ raw: String, _ what: String, limit: Int) throws -> String {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw CommandRefused("\(what)-required", "the \(what) is empty") }
        guard trimmed.count <= limit else {
            throw CommandRefused("\(what)-too-long", "the \(what) has at most \(limit) characters (\(trimmed.count) given)")
        }
        return trimmed
    }

    static func actor(_ text: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 200 else {
            throw CommandRefused("actor-required", "who did it must be named (at most 200 characters)")
        }
        return trimmed
    }
}
