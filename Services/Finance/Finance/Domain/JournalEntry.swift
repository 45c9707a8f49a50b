import Contracts

/// A journal entry before it is posted: lines of debits and credits in one currency that
/// must balance. Pure; the database checks the balance again when the entry commits.
public struct JournalEntry: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public let account: String
        public let debit: Int64
        public let credit: Int64
        public let memo: String?
    }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case unbalanced(debits: Int64, credits: Int64)
        case tooFewLines
        case negativeAmount(String)
        public var description: String {
            switch self {
            case .unbalanced(let debits, let credits): return "the entry does not balance: debits \(debits), credits \(credits)"
            case .tooFewLines: return "an entry has at least two lines"
            case .negativeAmount(let account): return "a line on \(account) has a negative amount"
            }
        }
    }

    public let currency: Currency
    public private(set) var lines: [Line] = []

    public init(currency: Currency) { self.currency = currency }

    /// Adds a debit (positive) or, for a negative amount, a credit; zero adds nothing.
    public mutating func debit(_ account: String, _ amount: Int64, memo: String? = nil) {
        guard amount != 0 else { return }
        lines.append(
            amount > 0 ? Line(account: account, debit: amount, credit: 0, memo: memo) : Line(account: account, debit: 0, credit: -amount, memo: memo))
    }

    public mutating func credit(_ account: String, _ amount: Int64, memo: String? = nil) { debit(account, -amount, memo: memo) }

    public var debits: Int64 { lines.reduce(0) { $0 + $1.debit } }
    public var credits: Int64 { lines.reduce(0) { $0 + $1.credit } }

    public func checked() throws(Problem) -> JournalEntry {
        guard lines.count >= 2 else { throw .tooFewLines }
        guard debits == credits else { throw .unbalanced(debits: debits, credits: credits) }
        return self
    }

    /// The same entry with debits and credits swapped (to reverse it).
    public var reversed: JournalEntry {
        var entry = JournalEntry(currency: currency)
        entry.lines = lines.map { Line(account: $0.account, debit: $0.credit, credit: $0.debit, memo: $0.memo) }
        return entry
    }
}

/// Open items by how long they are overdue.
public enum AgeingBucket: String, CaseIterable, Codable, Sendable {
    case current
    case days1to30 = "1-30"
    case days31to60 = "31-60"
    case days61to90 = "61-90"
    case over90 = ">90"

    public static func of(daysOverdue days: Int) -> AgeingBucket {
        switch days {
        case ...0: return .current
        case 1...30: return .days1to30
        case 31...60: return .days31to60
        case 61...90: return .days61to90
        default: return .over90
        }
    }
}
