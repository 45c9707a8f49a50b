import Contracts
import Foundation

/// What a template is rendered with: the event's payload fields at the top (an amount also
/// as `text`, such as "129.00 CNY"), the customer it is about as `customer` (`id`, `name`,
/// `email`, `phone`; a payload's own customer id is then `customer_id`), `event_type`,
/// `occurred_at`, and with a carrier and tracking number, `tracking_link`.
public struct NotificationContext: Sendable, Equatable {
    public struct Customer: Sendable, Equatable {
        public var id: Int64
        public var name: String?
        public var email: String?
        public var phone: String?
        public var language: String?
        public init(id: Int64, name: String?, email: String?, phone: String?, language: String? = nil) {
            (self.id, self.name, self.email, self.phone, self.language) = (id, name, email, phone, language)
        }
    }

    public var value: JSONValue

    /// `trackingURL` has `{carrier}` and `{tracking}` put in (ERP_CRM_TRACKING_URL).
    public init(event: String, occurredAt: Date, payload: JSONValue, customer: Customer?, trackingURL: String) {
        guard case .object(var fields) = Self.withAmountTexts(payload) else {
            value = .object([:])
            return
        }
        if let id = fields["customer"], case .integer = id {
            fields["customer_id"] = id
            fields["customer"] = nil
        }
        if let customer {
            var person: [String: JSONValue] = ["id": .integer(customer.id)]
            for (key, text) in [("name", customer.name), ("email", customer.email), ("phone", customer.phone)] {
                person[key] = .string(text ?? "")
            }
            fields["customer"] = .object(person)
        }
        fields["event_type"] = .string(event)
        fields["occurred_at"] = .string(UTCTimestamp.string(from: occurredAt))
        if let carrier = fields["carrier"]?.text, let tracking = fields["tracking_number"]?.text {
            let escape = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text }
            fields["tracking_link"] = .string(
                trackingURL.replacingOccurrences(of: "{carrier}", with: escape(carrier)).replacingOccurrences(
                    of: "{tracking}", with: escape(tracking)))
        }
        value = .object(fields)
    }

    /// The context a template of `event` is checked against: the sample payload and a customer.
    static func sample(event: String, payload: JSONValue) -> JSONValue {
        NotificationContext(
            event: event, occurredAt: Date(timeIntervalSince1970: 1_796_000_000), payload: payload,
            customer: Customer(id: 42, name: "Li Wei", email: "li.wei@example.com", phone: "+8613800138000"),
            trackingURL: "https://track.example/{carrier}/{tracking}"
        ).value
    }

    /// Every `{minor_units, currency}` object also gets its amount as `text`.
    static func withAmountTexts(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let elements): return .array(elements.map(withAmountTexts))
        case .object(var fields):
            if fields.count == 2, let minor = fields["minor_units"]?.integer, let code = fields["currency"]?.text,
                let currency = try? Currency(code: code)
            {
                fields["text"] = .string(Money(minorUnits: minor, currency: currency).description)
                return .object(fields)
            }
            return .object(fields.mapValues(withAmountTexts))
        default: return value
        }
    }

    /// The context as Mustache reads it (dictionaries, arrays, strings, numbers).
    var mustacheValue: Any { Self.plain(value) }

    static func plain(_ value: JSONValue) -> Any {
        switch value {
        case .null: return ""
        case .bool(let flag): return flag
        case .integer(let number): return number
        case .number(let number): return number
        case .string(let text): return text
        case .array(let elements): return elements.map(plain)
        case .object(let fields): return fields.mapValues(plain)
        }
    }
}
