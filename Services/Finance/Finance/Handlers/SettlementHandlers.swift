import Contracts
import Foundation
import Messaging
import Postgres

/// Platform settlements: each line books what the platform paid out into the bank (1000), what
/// it kept as platform fees (6200), and settles platform clearing (1010) by what it collected
/// less what it paid back. A line is booked once (its source is the line itself), so importing
/// a file again books nothing twice. Orders it names that finance does not know, that were not
/// paid on the platform in the books, whose gross differs, or whose refund has no credit note
/// are reported (and kept with the line); the money is booked all the same, because it moved.
extension FinanceHandlers {
    func importSettlement(_ command: FinanceCommand.ImportSettlement, _ context: HandlerContext) async throws -> FinanceCommand.SettlementImported {
        let tx = context.transaction
        try Self.requireName(command.platform, "platform")
        try Self.requireName(command.file, "file name")
        guard !command.lines.isEmpty else { throw CommandRefused("validation", "a settlement has at least one line") }
        guard command.lines.count <= 5_000 else { throw CommandRefused("validation", "at most 5000 settlement lines per command") }
        for line in command.lines { try Self.validate(line) }
        var booked = 0, already = 0
        var problems: [FinanceCommand.SettlementImported.Problem] = []
        for line in command.lines {
            let source = "settlement:\(command.platform):\(line.identity)"
            var order: Int64?
            if let externalId = line.externalId { order = try await orderID(platform: command.platform, externalId: externalId, tx) }
            let problem = try await settlementProblem(line, order: order, platform: command.platform, tx)
            guard
                let id = try await tx.query(
                    """
                    INSERT INTO \(identifier: schema).settlement_lines (platform, source, file, file_row, kind, external_id, order_id, currency, gross_minor,
                        fee_minor, refund_minor, net_minor, payout_date, problem)
                    VALUES (\(command.platform), \(source), \(command.file), \(line.row), \(line.kind.rawValue), \(line.externalId), \(order),
                        \(line.gross.currency.code), \(line.gross.minorUnits), \(line.fee.minorUnits), \(line.refund.minorUnits), \(line.net.minorUnits),
                        \(line.payoutDate.description)::date, \(problem))
                    ON CONFLICT (source) DO NOTHING RETURNING id
                    """
                ).first?.decode(Int64.self, at: 0)
            else {
                already += 1
                continue
            }
            booked += 1
            if let problem { problems.append(.init(row: line.row, externalId: line.externalId, problem: problem)) }
            let collected = try line.gross - line.refund
            var entry = JournalEntry(currency: line.gross.currency)
            let memo = line.externalId.map { "\(command.platform) order \($0)" } ?? "\(command.platform) adjustment"
            entry.debit(Accounts.cash, line.net.minorUnits, memo: memo)
            entry.debit(Accounts.platformFees, line.fee.minorUnits, memo: memo)
            entry.credit(Accounts.platformClearing, collected.minorUnits, memo: memo)
            guard entry.lines.count >= 2 else { continue }  // nothing moved
            let entryID = try await journal.post(
                entry, date: line.payoutDate, description: "Settlement of \(command.platform), paid out \(line.payoutDate): \(memo)", source: source,
                in: tx)
            try await tx.queue("UPDATE \(identifier: schema).settlement_lines SET entry_id = \(entryID) WHERE id = \(id)")
        }
        return FinanceCommand.SettlementImported(booked: booked, alreadyBooked: already, problems: problems)
    }

    static func validate(_ line: FinanceCommand.SettlementLine) throws {
        let row = "row \(line.row)"
        let currency = line.gross.currency
        guard [line.fee, line.refund, line.net].allSatisfy({ $0.currency == currency }) else {
            throw CommandRefused("validation", "\(row): every amount of a line is in one currency")
        }
        if line.kind == .order { guard line.externalId != nil else { throw CommandRefused("validation", "\(row): an order line names its order") } }
        if let id = line.externalId { try requireName(id, "order id of \(row)") }
        guard line.occurrence >= 0 else { throw CommandRefused("validation", "\(row): occurrence is 0 or more") }
        let expected = try (line.gross - line.fee) - line.refund
        guard expected == line.net else {
            throw CommandRefused("validation", "\(row): net \(line.net) is not gross − fee − refund = \(expected)")
        }
    }

    func orderID(platform: String, externalId: String, _ tx: PostgresTransaction) async throws -> Int64? {
        try await tx.query(
            """
            SELECT order_id FROM \(identifier: schema).order_refs WHERE platform = \(platform) AND external_id = \(externalId) ORDER BY order_id LIMIT 1
            """
        ).first?.decode(Int64.self, at: 0)
    }

    /// Why a line does not agree with the books, or nil.
    func settlementProblem(_ line: FinanceCommand.SettlementLine, order: Int64?, platform: String, _ tx: PostgresTransaction) async throws -> String?
    {
        guard line.kind == .order, let externalId = line.externalId else { return nil }
        guard let order else { return "order \(externalId) of \(platform) is unknown to finance" }
        var problems: [String] = []
        let paid = try await tx.query(
            """
            SELECT coalesce(sum(l.debit_minor), 0)::bigint, count(*)::int FROM \(identifier: schema).journal_entries e
            JOIN \(identifier: schema).journal_lines l ON l.entry_id = e.id AND l.account = \(Accounts.platformClearing)
            WHERE e.source = \("platform-payment:\(order)") AND l.currency = \(line.gross.currency.code)
            """)[0]
        if try paid.decode(Int.self, at: 1) == 0 {
            if !line.gross.isZero {
                problems.append("order \(order) was not paid on \(platform) in the books (nothing in platform clearing to settle)")
            }
        } else if try paid.decode(Int64.self, at: 0) != line.gross.minorUnits {
            let books = Money(minorUnits: try paid.decode(Int64.self, at: 0), currency: line.gross.currency)
            problems.append("gross \(line.gross), the books have \(books) paid on \(platform) for order \(order)")
        }
        if !line.refund.isZero {
            let credited = try await tx.query(
                "SELECT count(*)::int FROM \(identifier: schema).invoices WHERE order_id = \(order) AND kind = 'credit_note' AND status = 'issued'"
            )[0].decode(Int.self, at: 0)
            if credited == 0 { problems.append("refund \(line.refund) has no credit note for order \(order) in the books (erpctl finance refund)") }
        }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    /// Remembers an order's id on its platform (for settlements).
    func rememberOrder(_ order: OrderSnapshot, _ tx: PostgresTransaction) async throws {
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).order_refs (order_id, platform, external_id) VALUES (\(order.order), \(order.platform), \(order.externalId))
            ON CONFLICT (order_id) DO NOTHING
            """)
    }
}
