import Foundation

/// Text form of `timestamptz` in the ISO/UTC sessions this client opens:
/// `2026-11-29 04:01:13.123456+00`. Parsed by hand: it is on the hot path of every row.
enum PostgresTimestamp {
    static func format(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = micros / 1_000_000
        var fraction = micros % 1_000_000
        if fraction < 0 {
            fraction += 1_000_000
            seconds -= 1
        }
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let fractionText = String(fraction)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
            + "T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + String(repeating: "0", count: 6 - fractionText.count) + fractionText + "Z"
    }

    static func parse(_ text: String) throws -> Date {
        let failure = PostgresDecodingFailure("not a timestamp with time zone (expected YYYY-MM-DD HH:MM:SS[.ffffff]+ZZ)")
        let c = Array(text.utf8)
        var i = 0
        func number(_ width: Int) throws -> Int {
            guard i + width <= c.count else { throw failure }
            var value = 0
            for _ in 0..<width {
                let d = c[i]
                guard d >= 48, d <= 57 else { throw failure }
                value = value * 10 + Int(d - 48)
                i += 1
            }
            return value
        }
        func expect(_ ch: Character) throws {
            guard i < c.count, c[i] == ch.asciiValue else { throw failure }
            i += 1
        }
        let year = try number(4)
        try expect("-")
        let month = try number(2)
        try expect("-")
        let day = try number(2)
        guard i < c.count, c[i] == UInt8(ascii: " ") || c[i] == UInt8(ascii: "T") else { throw failure }
        i += 1
        let hour = try number(2)
        try expect(":")
        let minute = try number(2)
        try expect(":")
        let second = try number(2)
        var micros = 0
        if i < c.count, c[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < c.count, c[i] >= 48, c[i] <= 57 {
                if digits < 6 { micros = micros * 10 + Int(c[i] - 48) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { throw failure }
            if digits < 6 { for _ in digits..<6 { micros *= 10 } }
        }
        var offsetSeconds = 0
        if i < c.count, c[i] == UInt8(ascii: "Z") {
            i += 1
        } else {
            guard i < c.count, c[i] == UInt8(ascii: "+") || c[i] == UInt8(ascii: "-") else { throw failure }
            let sign = c[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            var offset = try number(2) * 3600
            if i < c.count, c[i] == UInt8(ascii: ":") { i += 1 }
            if i + 2 <= c.count { offset += try number(2) * 60 }
            if i < c.count, c[i] == UInt8(ascii: ":") { i += 1; offset += try number(2) }
            offsetSeconds = sign * offset
        }
        guard i == c.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else {
            throw failure
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let total = Double(days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds) + Double(micros) / 1_000_000
        return Date(timeIntervalSince1970: total)
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
