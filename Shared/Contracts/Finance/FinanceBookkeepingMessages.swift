/// What people post to the books by hand: journal entries, expenses, their reversals; and the
/// rates the books use: tax rates by category from a date, exchange rates into the base currency.
extension FinanceCommand {
    public enum Side: String, Codable, Sendable, CaseIterable { case debit, credit }

    /// A balanced entry in one currency, posted as given (refused if it does not balance).
    public struct PostJournalEntry: Message, Equatable {
        public static let type: MessageType = "finance.post_journal_entry.v1"
        public struct Line: Codable, Sendable, Equatable {
            public var account: String
            public var side: Side
            public var amount: Money
            public init(account: String, side: Side, amount: Money) { (self.account, self.side, self.amount) = (account, side, amount) }
        }
        public var date: BusinessDate
        public var lines: [Line]
        public var memo: String
        /// The poster's reference (each is posted once).
        public var reference: String
        public init(date: BusinessDate, lines: [Line], memo: String, reference: String) {
            (self.date, self.lines, self.memo, self.reference) = (date, lines, memo, reference)
        }
    }

    /// An expense as on its receipt: `amount` includes the VAT of `taxCategory` (none: no VAT).
    /// Owed to a `supplier` (a payable, due after `dueDays`) or paid to a `payee` from cash.
    public struct RecordExpense: Message, Equatable {
        public static let type: MessageType = "finance.record_expense.v1"
        public var account: String
        public var amount: Money
        public var taxCategory: String?
        public var supplier: String?
        public var payee: String?
        public var date: BusinessDate
        public var memo: String
        public var reference: String
        public var dueDays: Int?
        public init(
            account: String, amount: Money, taxCategory: String?, supplier: String?, payee: String?, date: BusinessDate, memo: String,
            reference: String, dueDays: Int? = nil
        ) {
            (self.account, self.amount, self.taxCategory, self.supplier, self.payee) = (account, amount, taxCategory, supplier, payee)
            (self.date, self.memo, self.reference, self.dueDays) = (date, memo, reference, dueDays)
        }
    }

    /// Reverses a journal entry or expense posted by hand (debits and credits swapped, dated
    /// `date`); an expense owed to a supplier only while nothing of it is paid.
    public struct ReverseEntry: Message, Equatable {
        public static let type: MessageType = "finance.reverse_entry.v1"
        public var entry: Int64
        public var reason: String
        public var date: BusinessDate?
        public init(entry: Int64, reason: String, date: BusinessDate? = nil) { (self.entry, self.reason, self.date) = (entry, reason, date) }
    }

    /// A tax category's rate from a date on (invoices dated from then use it).
    public struct SetTaxRate: Message, Equatable {
        public static let type: MessageType = "finance.set_tax_rate.v1"
        public var category: String
        public var basisPoints: Int
        public var effectiveFrom: BusinessDate
        public init(category: String, basisPoints: Int, effectiveFrom: BusinessDate) {
            (self.category, self.basisPoints, self.effectiveFrom) = (category, basisPoints, effectiveFrom)
        }
    }

    /// How many units of the base currency one unit of `currency` is worth from `effectiveOn` on.
    public struct SetExchangeRate: Message, Equatable {
        public static let type: MessageType = "finance.set_exchange_rate.v1"
        public var currency: String
        /// A positive decimal (`7.12`), at most 10 decimals.
        public var rate: String
        public var effectiveOn: BusinessDate
        public init(currency: String, rate: String, effectiveOn: BusinessDate) {
            (self.currency, self.rate, self.effectiveOn) = (currency, rate, effectiveOn)
        }
    }
}
