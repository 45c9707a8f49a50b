import Foundation

/// What the routing key of a platform message says: `platform.<platform>.order.<event>`.
public struct IngestRoutingKey: Sendable, Equatable {
    public enum Event: String, Sendable, CaseIterable, Codable {
        case created, updated, paid, cancelled
    }

    public let platform: String
    public let event: Event

    public init(_ key: String) throws(IntakeRejection) {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "platform", parts[2] == "order", !parts[1].isEmpty else {
            throw IntakeRejection("bad-routing-key", "routing key '\(key)' is not platform.<platform>.order.<event>")
        }
        guard let event = Event(rawValue: String(parts[3])) else {
            throw IntakeRejection(
                "bad-routing-key", "event '\(parts[3])' in '\(key)' is not one of \(Event.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        platform = String(parts[1])
        self.event = event
    }
}

/// Why a platform message was not taken: a short code for the quarantine and a sentence.
public struct IntakeRejection: Error, Equatable, Sendable, CustomStringConvertible {
    public let code: String
    public let reason: String
    public init(_ code: String, _ reason: String) {
        self.code = code
        self.reason = reason
    }
    public var description: String { "\(code): \(reason)" }
}

/// ISO 8601 date-times (`2026-11-28T10:15:00Z`, `2026-11-28T10:15:00.250+08:00`), parsed by
/// hand: Foundation's formatters load ICU, which a service would pay for in memory. Only
/// dates that exist are taken (no February 31, no year 0000), with offsets up to ±18:00.
public enum ISODateTime {
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[from..<(from + count)] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes.count >= 20, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84 || bytes[10] == 32, bytes[13] == 58, bytes[16] == 58,
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2),
            (1...9999).contains(year), (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour < 24,
            minute < 60, second < 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == 46 {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, (48...57).contains(bytes[index]) {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offset = 0
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case 90, 122:  // Z
            index += 1
        case 43, 45:  // + -
            guard let hours = number(index + 1, 2), index + 3 < bytes.count, bytes[index + 3] == 58, let minutes = number(index + 4, 2),
                hours <= 18, minutes < 60
            else { return nil }
            offset = (hours * 3600 + minutes * 60) * (bytes[index] == 45 ? -1 : 1)
            index += 6
        default:
            return nil
        }
        guard index == bytes.count else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = timegm(&parts)
        return Date(timeIntervalSince1970: TimeInterval(seconds - offset) + fraction)
    }
}

/// A platform message as it arrived (or as the quarantine kept it).
public struct IngestMessage: Sendable, Equatable {
    public static let signatureHeader = "x-erp-signature"
    public static let shopifyShopHeader = "x-shopify-shop-domain"
    /// Bodies above this are refused unread.
    public static let maximumBodySize = 1 << 20

    public let exchange: String
    public let routingKey: String
    public let messageID: String?
    public let signature: String?
    public let shopHeader: String?
    public let body: Data

    public init(exchange: String, routingKey: String, messageID: String?, signature: String?, shopHeader: String?, body: Data) {
        (self.exchange, self.routingKey, self.messageID, self.signature, self.shopHeader, self.body) =
            (exchange, routingKey, messageID, signature, shopHeader, body)
    }

    /// `text` with every control character (U+0000 to U+001F, U+007F) written as `\u00XX`,
    /// for a text column, a log line or a terminal; what arrived is kept as bytes.
    public static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else { return text }
        var shown = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7f {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                shown += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                shown.unicodeScalars.append(scalar)
            }
        }
        return shown
    }
}
