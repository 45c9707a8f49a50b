import Contracts
import Foundation
import Messaging
import Postgres

/// Invoicing moved from orders to the orders made from them (split, merge): the old
/// invoices are voided, new ones issued with their exact shares, and what was paid on the
/// old settles the new.
extension FinanceHandlers {
    func reinvoice(_ command: FinanceCommand.Reinvoice, _ context: HandlerContext) async throws -> FinanceCommand.Reinvoiced {
        guard !command.from.isEmpty, !command.to.isEmpty else { throw CommandRefused("validation", "name the orders to move from and to") }
        let reason = command.reason.trimmingCharacters(in: .whitespaces)
        guard !reason.isEmpty else { throw CommandRefused("validation", "moving invoices needs a reason") }
        let tx = context.transaction
        var old: [Invoice] = []
        for order in command.from {
            guard let invoice = try await documents.invoice(order: order, in: tx) else {
                throw CommandRefused("unknown-invoice", "order \(order) has no issued invoice")
            }
            old.append(invoice)
        }
        for order in command.to where try await documents.invoice(order: order.order, in: tx) != nil {
            throw CommandRefused("already-invoiced", "order \(order.order) has an invoice already")
        }
        var new: [Invoice]
        do {
            new = try Reinvoicing.invoices(from: old, to: command.to, origins: command.origins, issuedOn: .today())
        } catch let problem as Reinvoicing.Problem {
            throw CommandRefused("validation", problem.description)
        }
        var paid = Int64(0)
        for invoice in old {
            paid += try await tx.query(PostgresQuery(unsafeSQL: """
                SELECT coalesce(sum(amount_minor - open_minor), 0)::bigint FROM \(s).open_items WHERE kind = 'receivable' AND document = $1
                """, binds: [invoice.number]))[0].decode(Int64.self, at: 0)
            _ = try await reverse(invoice: invoice.number, reason: reason, tx)
        }
        for index in new.indices {
            let customer = command.to.first { $0.order == new[index].order }?.customer
            try await issue(&new[index], party: customer, context)
        }
        // What was paid on the old invoices settles the new ones, first to last.
        var left = paid
        for invoice in new where left > 0 {
            let take = min(left, invoice.gross.minorUnits)
            if take > 0 { _ = try await documents.settle(.receivable, document: invoice.number, amount: Money(minorUnits: take, currency: invoice.currency), in: tx) }
            left -= take
        }
        return FinanceCommand.Reinvoiced(
            voided: old.map(\.number), issued: new.map(\.number), carried: paid > 0 ? Money(minorUnits: paid, currency: old[0].currency) : nil)
    }
}
