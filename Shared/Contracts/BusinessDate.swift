import Foundation

/// A calendar date without a time (`2026-12-31`): expiry dates, due dates, report days.
/// Validated when made or decoded; carried as the ISO text both in JSON and in SQL
/// (bound as text, cast to `date`), so no time zone can shift it by a day.
public struct BusinessDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init(year: Int, month: Int, day: Int) throws(BusinessDateError) {
        guard (1...9999).contains(year), (1...12).contains(month), (1...Self.days(in: month, of: year)).contains(day) else {
            throw .invalid(String(format: "%04d-%02d-%02d", year, month, day))
        }
        (self.year, self.month, self.day) = (year, month, day)
    }

    /// Parses `YYYY-MM-DD`.
    public init(_ text: String) throws(BusinessDateError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { throw .invalid(text) }
        do { try self.init(year: year, month: month, day: day) } catch { throw .invalid(text) }
    }

    /// The UTC calendar day of an instant.
    public init(utcDayOf date: Date) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        (year, month, day) = (Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday))
    }

    public static func today() -> BusinessDate { BusinessDate(utcDayOf: Date()) }

    /// Midnight UTC at the start of this day.
    public var startOfDayUTC: Date {
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    /// This date moved by `days` (negative for earlier).
    public func adding(days: Int) -> BusinessDate {
        BusinessDate(utcDayOf: startOfDayUTC.addingTimeInterval(TimeInterval(days) * 86_400))
    }

    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }

    public static func < (lhs: BusinessDate, rhs: BusinessDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    static func days(in month: Int, of year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

public enum BusinessDateError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self {
        case .invalid(let text): return "'\(text)' is not a date (expected YYYY-MM-DD)"
        }
    }
}
