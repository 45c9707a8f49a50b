import Contracts
import Foundation
import Messaging
import Postgres

/// Sales: an order placed is invoiced (receivable / revenue / output VAT) and, if the
/// platform says it is paid, settled from the platform clearing account; payments and
/// refunds recorded by people; invoices voided.
extension FinanceHandlers {
    func orderPlaced(_ event: OrderEvent.Placed, _ context: HandlerContext) async throws {
        let order = event.snapshot
        guard order.status != .cancelled else { return }
        let tx = context.transaction
        try await lockInvoicing(order.order, tx)
        guard try await documents.invoice(order: order.order, in: tx) == nil else { return }  // invoiced before
        let invoice = try await invoice(order, context)
        let issuedOn = invoice.issuedOn
        if order.paymentStatus == .paid && !invoice.gross.isZero {
            // Paid on the platform: the platform owes the money until its payout.
            var payment = JournalEntry(currency: invoice.currency)
            payment.debit(Accounts.platformClearing, invoice.gross.minorUnits, memo: order.platform)
            payment.credit(Accounts.receivables, invoice.gross.minorUnits, memo: invoice.number)
            try await journal.post(
                payment, date: issuedOn, description: "Paid on \(order.platform): order \(order.order)", source: "platform-payment:\(order.order)",
                in: tx)
            _ = try await documents.settle(.receivable, order: order.order, amount: invoice.gross, in: tx)
        }
    }

    /// Only one transaction at a time invoices an order: the event of its placing and a
    /// saga's `finance.invoice_order.v1` may come together (different queues), and each
    /// first looks whether the order has an invoice.
    func lockInvoicing(_ order: Int64, _ tx: PostgresTransaction) async throws { try await documents.lockInvoicing(order: order, in: tx) }

    /// Invoices an order (the caller made sure it has no invoice yet).
    func invoice(_ order: OrderSnapshot, _ context: HandlerContext) async throws -> Invoice {
        let tx = context.transaction
        // The rates in force on the invoice's date.
        let issuedOn = Self.businessDate(order.placedAt)
        var invoice = try Invoice.forOrder(
            order, taxCategories: try await taxCategories(order.lines.map(\.sku), tx), rates: try await rates(on: issuedOn, tx),
            issuedOn: issuedOn)
        try await issue(&invoice, party: order.customer, context)
        try await rememberOrder(order, tx)
        return invoice
    }

    func invoiceOrder(_ command: FinanceCommand.InvoiceOrder, _ context: HandlerContext) async throws -> FinanceCommand.Result {
        guard command.order.status != .cancelled else { throw CommandRefused("validation", "order \(command.order.order) is cancelled") }
        try await lockInvoicing(command.order.order, context.transaction)
        if let existing = try await documents.invoice(order: command.order.order, in: context.transaction) {
            return FinanceCommand.Result(document: existing.number)
        }
        return FinanceCommand.Result(document: try await invoice(command.order, context).number)
    }

    /// Numbers, keeps and posts an invoice (receivable / revenue / output VAT), opens its
    /// receivable and tells CRM.
    func issue(_ invoice: inout Invoice, party customer: CanonicalOrder.Customer?, _ context: HandlerContext) async throws {
        let tx = context.transaction
        invoice.number = try await documents.nextNumber(series: "INV", year: invoice.issuedOn.year, in: tx)
        try await documents.save(invoice, in: tx)
        var entry = JournalEntry(currency: invoice.currency)
        entry.debit(Accounts.receivables, invoice.gross.minorUnits, memo: invoice.number)
        for line in invoice.lines {
            entry.credit(line.sku == nil ? Accounts.shippingRevenue : Accounts.salesRevenue, line.tax.net.minorUnits, memo: line.sku ?? "shipping")
        }
        entry.credit(Accounts.outputVAT, invoice.tax.minorUnits)
        // A zero invoice (a free order) is issued and numbered like any other; it moves no money.
        if !invoice.gross.isZero {
            try await journal.post(
                entry, date: invoice.issuedOn, description: "Invoice \(invoice.number) for order \(invoice.order)",
                source: "invoice:\(invoice.number)",
                in: tx)
        }
        try await documents.open(
            .receivable, document: invoice.number, order: invoice.order, party: customer?.email ?? customer?.name, amount: invoice.gross,
            on: invoice.issuedOn, due: invoice.dueOn, in: tx)
        try await context.publish(
            event: FinanceEvent.InvoiceIssued(
                number: invoice.number, order: invoice.order, customerEmail: customer?.email, customerName: customer?.name,
                gross: invoice.gross, tax: invoice.tax, issuedOn: invoice.issuedOn))
    }

    func recordPayment(_ command: FinanceCommand.RecordPayment, _ context: HandlerContext) async throws -> FinanceCommand.Result {
        guard command.amount.minorUnits > 0 else { throw CommandRefused("validation", "a payment is more than zero (got \(command.amount))") }
        guard !command.reference.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw CommandRefused("validation", "a payment needs a reference")
        }
        let tx = context.transaction
        guard try await documents.invoice(order: command.order, in: tx) != nil else {
            throw CommandRefused("unknown-order", "finance has no invoice for order \(command.order)")
        }
        let open = try await documents.settle(.receivable, order: command.order, amount: command.amount, in: tx)
        var entry = JournalEntry(currency: command.amount.currency)
        entry.debit(try await paymentAccount(command, tx), command.amount.minorUnits, memo: command.method)
        entry.credit(Accounts.receivables, command.amount.minorUnits, memo: "order \(command.order)")
        guard
            let id = try await journal.post(
                entry, date: command.receivedOn ?? .today(), description: "Payment \(command.reference) for order \(command.order)",
                source: "payment:\(command.reference)", in: tx)
        else { throw CommandRefused("duplicate-payment", "payment \(command.reference) was recorded before") }
        try await context.publish(
            event: FinanceEvent.PaymentReceived(
                order: command.order, amount: command.amount, method: command.method, reference: command.reference, open: open))
        return FinanceCommand.Result(entry: id, openAmount: open)
    }

    /// Where a payment's money is: the platform's clearing account for a platform payment;
    /// for an exchange, wherever the return's refund went (the replacement is paid from it,
    /// reference `<rma>-credit`); the bank otherwise.
    func paymentAccount(_ command: FinanceCommand.RecordPayment, _ tx: PostgresTransaction) async throws -> String {
        switch command.method {
        case "platform": return Accounts.platformClearing
        case "exchange" where command.reference.hasSuffix("-credit"):
            let refund = try await journal.entry(source: "refund:\(command.reference.dropLast("-credit".count))", in: tx)
            let viaPlatform = refund?.entry.lines.contains { $0.account == Accounts.platformClearing && $0.credit > 0 } ?? false
            return viaPlatform ? Accounts.platformClearing : Accounts.cash
        default: return Accounts.cash
        }
    }

    func recordRefund(_ command: FinanceCommand.RecordRefund, _ context: HandlerContext) async throws -> FinanceCommand.Result {
        guard command.amount.minorUnits > 0 else { throw CommandRefused("validation", "a refund is more than zero (got \(command.amount))") }
        let tx = context.transaction
        guard let invoice = try await documents.invoice(order: command.order, in: tx) else {
            throw CommandRefused("unknown-order", "finance has no invoice for order \(command.order)")
        }
        guard command.amount.currency == invoice.currency, command.amount.minorUnits <= invoice.gross.minorUnits else {
            throw CommandRefused("validation", "a refund of \(command.amount) is more than invoice \(invoice.number) (\(invoice.gross))")
        }
        let today = BusinessDate.today()
        var note: Invoice
        if let lines = command.lines {
            let sum: Money
            do { sum = try Money.sum(lines.map(\.amount), currency: command.amount.currency) } catch {
                throw CommandRefused("validation", "the refund's lines: \(error)")
            }
            guard sum == command.amount else {
                throw CommandRefused("validation", "the refund's lines sum to \(sum), not \(command.amount)")
            }
            do { note = try invoice.creditNote(lines: lines.map { ($0.line, $0.amount, $0.quantity) }, issuedOn: today) } catch let problem
                as Invoice.CreditProblem
            {
                throw CommandRefused("validation", problem.description)
            }
        } else {
            note = try invoice.creditNote(for: command.amount, issuedOn: today)
        }
        note.number = try await documents.nextNumber(series: "CN", year: today.year, in: tx)
        try await documents.save(note, in: tx)
        // What the customer still owes is reduced first; only the rest is paid back.
        let open = try await documents.openReceivables(order: command.order, currency: invoice.currency, in: tx)
        let credited = min(open, command.amount.minorUnits)
        if credited > 0 {
            _ = try await documents.settle(.receivable, order: command.order, amount: Money(minorUnits: credited, currency: invoice.currency), in: tx)
        }
        var entry = JournalEntry(currency: invoice.currency)
        entry.debit(Accounts.salesReturns, -note.net.minorUnits, memo: note.number)
        entry.debit(Accounts.outputVAT, -note.tax.minorUnits, memo: note.number)
        if credited > 0 { entry.credit(Accounts.receivables, credited, memo: note.number) }
        if command.amount.minorUnits > credited {
            // Money goes back the way it came: an order paid on its platform is refunded through the platform.
            let paidOnPlatform = try await journal.entry(source: "platform-payment:\(command.order)", in: tx) != nil
            entry.credit(paidOnPlatform ? Accounts.platformClearing : Accounts.cash, command.amount.minorUnits - credited, memo: command.reason)
        }
        guard
            let id = try await journal.post(
                entry, date: today, description: "Refund \(command.reference) for order \(command.order): \(command.reason)",
                source: "refund:\(command.reference)", in: tx)
        else { throw CommandRefused("duplicate-refund", "refund \(command.reference) was recorded before") }
        try await context.publish(
            event: FinanceEvent.RefundRecorded(
                order: command.order, amount: command.amount, reason: command.reason, reference: command.reference, creditNote: note.number,
                lines: command.lines))
        return FinanceCommand.Result(entry: id, document: note.number)
    }

    func voidInvoice(_ command: FinanceCommand.VoidInvoice, _ context: HandlerContext) async throws -> FinanceCommand.Result {
        let tx = context.transaction
        var command = command
        if command.number == nil, let order = command.order {
            guard let invoice = try await documents.invoice(order: order, in: tx) else {
                throw CommandRefused("unknown-invoice", "order \(order) has no issued invoice")
            }
            command.number = invoice.number
        }
        guard let number = command.number else { throw CommandRefused("validation", "give an invoice number or an order") }
        guard let invoice = try await documents.lockedForVoiding(invoice: number, in: tx) else {
            throw CommandRefused("unknown-invoice", "no invoice \(number)")
        }
        guard invoice.issued else { throw CommandRefused("already-void", "invoice \(number) is void already") }
        guard !invoice.paidOn else {
            throw CommandRefused("paid", "invoice \(number) has payments: correct it with a refund (credit note) instead")
        }
        let id = try await reverse(invoice: number, reason: command.reason, tx)
        return FinanceCommand.Result(entry: id, document: number)
    }

    /// Reverses an invoice's entry, marks it void and closes its receivable (whatever was
    /// paid on it stays credited to receivables: the caller carries it on or refunds it).
    func reverse(invoice number: String, reason: String, _ tx: PostgresTransaction) async throws -> Int64? {
        var id: Int64?
        if let original = try await journal.entry(source: "invoice:\(number)", in: tx) {
            id = try await journal.post(
                original.entry.reversed, date: .today(), description: "Void invoice \(number): \(reason)", source: "void:\(number)", in: tx)
        } else {
            // Only a zero invoice posts nothing.
            guard try await documents.gross(invoice: number, in: tx) == 0 else {
                throw CommandRefused("unknown-invoice", "invoice \(number) has no journal entry")
            }
        }
        try await documents.markVoid(invoice: number, reason: reason, in: tx)
        try await documents.close(.receivable, document: number, in: tx)
        return id
    }
}
