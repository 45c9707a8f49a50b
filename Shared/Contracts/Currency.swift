/// An ISO 4217 currency with the number of digits of its minor unit (2 for CNY cents/fen,
/// 0 for JPY, 3 for KWD). Only currencies in ``Currency/known`` are accepted from outside.
public struct Currency: Hashable, Sendable, CustomStringConvertible {
    public let code: String
    public let minorUnitDigits: Int

    /// The currencies this system accepts, with their minor-unit digits (ISO 4217).
    public static let known: [String: Int] = [
        "CNY": 2, "HKD": 2, "TWD": 2, "USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "KRW": 0, "SGD": 2, "AUD": 2,
        "CAD": 2, "CHF": 2, "NZD": 2, "SEK": 2, "NOK": 2, "DKK": 2, "PLN": 2, "CZK": 2, "HUF": 2, "MXN": 2,
        "BRL": 2, "INR": 2, "IDR": 2, "MYR": 2, "THB": 2, "VND": 0, "PHP": 2, "AED": 2, "SAR": 2, "ZAR": 2,
        "RUB": 2, "TRY": 2, "ILS": 2, "KWD": 3, "BHD": 3, "OMR": 3, "JOD": 3, "CLP": 0, "ISK": 0,
    ]

    /// Looks up an ISO 4217 code (upper case); throws ``MoneyError/unsupportedCurrency(_:)`` otherwise.
    public init(code: String) throws {
        guard let digits = Self.known[code] else { throw MoneyError.unsupportedCurrency(code) }
        self.code = code
        minorUnitDigits = digits
    }

    public var description: String { code }

    /// 10^minorUnitDigits: minor units per major unit.
    public var minorUnitsPerMajor: Int64 {
        var factor: Int64 = 1
        for _ in 0..<minorUnitDigits { factor *= 10 }
        return factor
    }

    public static let cny = try! Currency(code: "CNY")
    public static let usd = try! Currency(code: "USD")
    public static let eur = try! Currency(code: "EUR")
    public static let jpy = try! Currency(code: "JPY")
}

extension Currency: Codable {
    public init(from decoder: Decoder) throws {
        let code = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(code: code)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(error)"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }
}
