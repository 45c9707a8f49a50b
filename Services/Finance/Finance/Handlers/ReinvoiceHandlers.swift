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
            paid += try await documents.paid(invoice: invoice.number, in: tx)
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
            if take > 0 {
                _ = try await documents.settle(
                    .receivable, document: invoice.number, amount: Money(minorUnits: take, currency: invoice.currency), in: tx)
            }
            left -= take
        }
        return FinanceCommand.Reinvoiced(
            voided: old.map(\.number), issued: new.map(\.number), carried: paid > 0 ? Money(minorUnits: paid, currency: old[0].currency) : nil)
    }
}

extension FinanceHandlers {
    /// An amended order (its lines changed): the invoice is voided and a new one issued from
    /// the order as it now stands; what was paid settles the new invoice, and what was paid
    /// beyond its total goes back the way it came (the platform, or the bank).
    func amendInvoice(_ command: FinanceCommand.AmendInvoice, _ context: HandlerContext) async throws -> FinanceCommand.InvoiceAmended {
        let order = command.order
        let reason = command.reason.trimmingCharacters(in: .whitespaces)
        guard !reason.isEmpty else { throw CommandRefused("validation", "amending an invoice needs a reason") }
        guard order.status != .cancelled else { throw CommandRefused("validation", "order \(order.order) is cancelled") }
        let tx = context.transaction
        try await lockInvoicing(order.order, tx)
        var paid = Int64(0), voided: String?
        if let old = try await documents.invoice(order: order.order, in: tx) {
            guard old.currency.code == order.currency else {
                throw CommandRefused("validation", "invoice \(old.number) is in \(old.currency.code), the order in \(order.currency)")
            }
            paid = try await documents.paid(invoice: old.number, in: tx)
            _ = try await reverse(invoice: old.number, reason: reason, tx)
            voided = old.number
        }
        var invoice = try Invoice.forOrder(
            order, taxCategories: try await taxCategories(order.lines.map(\.sku), tx), rates: try await rates(on: .today(), tx), issuedOn: .today())
        try await issue(&invoice, party: order.customer, context)
        try await rememberOrder(order, tx)
        let carried = min(paid, invoice.gross.minorUnits)
        if carried > 0 {
            _ = try await documents.settle(
                .receivable, document: invoice.number, amount: Money(minorUnits: carried, currency: invoice.currency), in: tx)
        }
        var refunded: Money?
        if paid > carried {
            // Paid more than the order now costs: the difference is paid back.
            let back = paid - carried
            let viaPlatform = try await journal.entry(source: "platform-payment:\(order.order)", in: tx) != nil
            var entry = JournalEntry(currency: invoice.currency)
            entry.debit(Accounts.receivables, back, memo: invoice.number)
            entry.credit(viaPlatform ? Accounts.platformClearing : Accounts.cash, back, memo: reason)
            _ = try await journal.post(
                entry, date: .today(), description: "Paid back on order \(order.order): \(reason)", source: "amend-refund:\(invoice.number)", in: tx)
            refunded = Money(minorUnits: back, currency: invoice.currency)
        }
        return FinanceCommand.InvoiceAmended(
            voided: voided, issued: invoice.number, open: Money(minorUnits: invoice.gross.minorUnits - carried, currency: invoice.currency),
            refunded: refunded)
    }
}
