/// A platform's settlement (payout report): per order or adjustment what the platform took in,
/// kept as its fee, paid back, and paid out.
extension FinanceCommand {
    public struct SettlementLine: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable, CaseIterable { case order, adjustment }
        /// The line's row in its file (for messages).
        public var row: Int
        public var kind: Kind
        /// The order's id on the platform (an adjustment may have none).
        public var externalId: String?
        public var gross: Money
        public var fee: Money
        public var refund: Money
        /// gross − fee − refund: what the platform paid out for the line.
        public var net: Money
        public var payoutDate: BusinessDate
        /// How many identical lines came before it in its file (0 for the first): a line repeated on purpose is booked again.
        public var occurrence: Int
        public init(
            row: Int, kind: Kind, externalId: String?, gross: Money, fee: Money, refund: Money, net: Money, payoutDate: BusinessDate,
            occurrence: Int = 0
        ) {
            (self.row, self.kind, self.externalId, self.gross, self.fee, self.refund) = (row, kind, externalId, gross, fee, refund)
            (self.net, self.payoutDate, self.occurrence) = (net, payoutDate, occurrence)
        }

        /// What makes the line itself: booked once whatever file or import brings it again.
        public var identity: String {
            [
                kind.rawValue, externalId ?? "", gross.currency.code, "\(gross.minorUnits)", "\(fee.minorUnits)", "\(refund.minorUnits)",
                "\(net.minorUnits)", payoutDate.description, "\(occurrence)",
            ].joined(separator: "|")
        }
    }

    /// Books a platform's settlement lines: fees as expense, the payout into the bank, the
    /// platform clearing account settled; lines booked before are skipped.
    public struct ImportSettlement: Message, Equatable {
        public static let type: MessageType = "finance.import_settlement.v1"
        public var platform: String
        /// The file's name, for the record.
        public var file: String
        public var lines: [SettlementLine]
        public init(platform: String, file: String, lines: [SettlementLine]) { (self.platform, self.file, self.lines) = (platform, file, lines) }
    }

    public struct SettlementImported: Codable, Sendable, Equatable {
        public struct Problem: Codable, Sendable, Equatable {
            public var row: Int
            public var externalId: String?
            public var problem: String
            public init(row: Int, externalId: String?, problem: String) { (self.row, self.externalId, self.problem) = (row, externalId, problem) }
        }
        public var booked: Int
        /// Lines booked by an earlier import of the same lines.
        public var alreadyBooked: Int
        /// Orders it names that finance does not know, or whose amounts differ from the books.
        public var problems: [Problem]
        public init(booked: Int, alreadyBooked: Int, problems: [Problem]) {
            (self.booked, self.alreadyBooked, self.problems) = (booked, alreadyBooked, problems)
        }
    }
}
