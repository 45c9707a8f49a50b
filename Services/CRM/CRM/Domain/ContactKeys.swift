import Foundation

/// A key by which one person is recognised across platforms and shops: a normalised email
/// address, a phone number in E.164, or a platform's own customer id. Two profiles that share
/// a key are the same person.
public enum ContactKey: Hashable, Sendable, CustomStringConvertible {
    case email(String)
    case phone(String)
    /// `platform/shop/id`: a platform's customer id is only unique within its shop.
    case platformCustomer(String)

    public static func platformCustomer(platform: String, shop: String, id: String) -> ContactKey {
        .platformCustomer("\(platform)/\(shop)/\(id)")
    }

    /// As stored: `kind` and `value` columns.
    public var kind: String {
        switch self {
        case .email: "email"
        case .phone: "phone"
        case .platformCustomer: "platform"
        }
    }

    public var value: String {
        switch self {
        case .email(let value), .phone(let value), .platformCustomer(let value): value
        }
    }

    public init?(kind: String, value: String) {
        switch kind {
        case "email": self = .email(value)
        case "phone": self = .phone(value)
        case "platform": self = .platformCustomer(value)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .email(let value): "email \(value)"
        case .phone(let value): "phone \(value)"
        case .platformCustomer(let value): "platform customer \(value)"
        }
    }
}

/// Email addresses as keys: trimmed and case-folded (`Ann@Example.COM ` is `ann@example.com`).
public enum EmailAddress {
    /// The address as a key, or nil when it is not an address (one `@`, something on both
    /// sides, a dot in the domain, no spaces or control characters, at most 254 characters).
    public static func normalised(_ raw: String) -> String? {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count <= 254, !trimmed.isEmpty else { return nil }
        let folded = trimmed.lowercased()
        let parts = folded.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix(".")
        else { return nil }
        let forbidden = CharacterSet.whitespacesAndNewlines.union(.controlCharacters)
        guard folded.unicodeScalars.allSatisfy({ !forbidden.contains($0) }) else { return nil }
        return folded
    }
}

/// Phone numbers as keys, in E.164 (`+8613800000000`). A number written without its country
/// code is read in the default region (`ERP_CRM_DEFAULT_REGION`): `138 0000 0000`,
/// `+86 138-0000-0000`, `0086 13800000000` and `8613800000000` are one number in China.
public enum PhoneNumber {
    /// A region's country calling code, the lengths its national numbers have, and whether
    /// a national number is written with a leading trunk `0`.
    struct Region: Sendable {
        let code: String
        let nationalLengths: ClosedRange<Int>
        let trunkZero: Bool
        /// A further rule on the national number (China: a mobile number, starting with 1
        /// but not Beijing's 10, has 11 digits).
        var valid: @Sendable (Substring) -> Bool = { _ in true }
    }

    static let regions: [String: Region] = [
        "CN": Region(
            code: "86", nationalLengths: 10...11, trunkZero: true,
            valid: { number in !number.hasPrefix("1") || number.hasPrefix("10") || number.count == 11 }),
        "HK": Region(code: "852", nationalLengths: 8...8, trunkZero: false),
        "MO": Region(code: "853", nationalLengths: 8...8, trunkZero: false),
        "TW": Region(code: "886", nationalLengths: 8...9, trunkZero: true),
        "SG": Region(code: "65", nationalLengths: 8...8, trunkZero: false),
        "MY": Region(code: "60", nationalLengths: 9...10, trunkZero: true),
        "TH": Region(code: "66", nationalLengths: 8...9, trunkZero: true),
        "VN": Region(code: "84", nationalLengths: 9...10, trunkZero: true),
        "ID": Region(code: "62", nationalLengths: 9...12, trunkZero: true),
        "PH": Region(code: "63", nationalLengths: 10...10, trunkZero: true),
        "JP": Region(code: "81", nationalLengths: 9...10, trunkZero: true),
        "KR": Region(code: "82", nationalLengths: 8...10, trunkZero: true),
        "IN": Region(code: "91", nationalLengths: 10...10, trunkZero: true),
        "AU": Region(code: "61", nationalLengths: 9...9, trunkZero: true),
        "NZ": Region(code: "64", nationalLengths: 8...10, trunkZero: true),
        "US": Region(code: "1", nationalLengths: 10...10, trunkZero: false),
        "CA": Region(code: "1", nationalLengths: 10...10, trunkZero: false),
        "GB": Region(code: "44", nationalLengths: 9...10, trunkZero: true),
        "DE": Region(code: "49", nationalLengths: 6...13, trunkZero: true),
        "FR": Region(code: "33", nationalLengths: 9...9, trunkZero: true),
        "NL": Region(code: "31", nationalLengths: 9...9, trunkZero: true),
        "ES": Region(code: "34", nationalLengths: 9...9, trunkZero: false),
        // Not Italy: its numbers keep their leading 0 and its mobiles begin with 3, as its country code does.
    ]

    /// True when `region` is one whose numbers can be read without a country code.
    public static func isKnownRegion(_ region: String) -> Bool { regions[region] != nil }

    /// The number in E.164, or nil when it is not a phone number (letters, an extension,
    /// too few or too many digits, a national number of the wrong length).
    public static func e164(_ raw: String, defaultRegion: String) -> String? {
        var digits = ""
        var international = false
        for scalar in raw.unicodeScalars {
            switch scalar {
            case "0"..."9": digits.unicodeScalars.append(scalar)
            // A `+` before any digit (`+86 …`, `(+86) …`) says the country code follows.
            case "+" where digits.isEmpty && !international: international = true
            case " ", "-", ".", "(", ")", "/", "\u{00A0}", "\t", "\n", "\r": continue
            default: return nil
            }
        }
        if international { return checkedInternational(digits) }
        if digits.hasPrefix("00") { return checkedInternational(String(digits.dropFirst(2))) }
        guard let region = regions[defaultRegion] else { return nil }
        // The country code written without its `+`.
        if digits.hasPrefix(region.code), region.nationalLengths.contains(digits.count - region.code.count),
            !region.trunkZero || !digits.hasPrefix("0")
        {
            return checkedInternational(digits)
        }
        var national = Substring(digits)
        if region.trunkZero, national.hasPrefix("0") { national = national.dropFirst() }
        guard region.nationalLengths.contains(national.count), !national.hasPrefix("0"), region.valid(national) else { return nil }
        return "+" + region.code + national
    }

    /// `+digits` when they can be an E.164 number: 8 to 15 digits, no leading zero, and a
    /// national part of a possible length where the country code is one of ``regions``.
    static func checkedInternational(_ digits: String) -> String? {
        guard (8...15).contains(digits.count), !digits.hasPrefix("0") else { return nil }
        let known = regions.values.filter { digits.hasPrefix($0.code) }.max { $0.code.count < $1.code.count }
        if let known {
            var national = digits.dropFirst(known.code.count)
            // `+44 (0)20 …`: a trunk zero written after the country code.
            if known.trunkZero, national.hasPrefix("0") { national = national.dropFirst() }
            guard known.nationalLengths.contains(national.count), known.valid(national) else { return nil }
            return "+" + known.code + national
        }
        return "+" + digits
    }
}
