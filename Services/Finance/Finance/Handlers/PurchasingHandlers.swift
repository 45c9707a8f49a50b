import Contracts
import Foundation
import Messaging
import Postgres

/// Purchasing's money: a receipt against a purchase order books inventory against goods
/// received not invoiced at the order's price; the supplier's bill, matched three ways (order,
/// receipts, bill), clears it, books the bill's VAT and any price difference, and opens the
/// payable to the supplier (or is held with its reasons until a person decides); payments
/// settle the supplier's bills. A receipt without a purchase order books inventory and input
/// VAT straight against a payable named by its purchase reference, as before purchase orders.
extension FinanceHandlers {
    func purchaseOrderSent(_ event: PurchasingEvent.OrderSent, _ context: HandlerContext) async throws {
        try await bills.recordOrder(event, in: context.transaction)
    }

    func stockReceived(_ event: InventoryEvent.Received, _ context: HandlerContext) async throws {
        let tx = context.transaction
        let net = try event.unitCost.times(event.quantity)
        let date = Self.businessDate(context.envelope.occurredAt)
        let source = "receipt:\(context.envelope.id.uuidString.lowercased())"
        if let order = event.purchaseOrder, let line = event.orderLine, let supplier = event.supplier {
            var entry = JournalEntry(currency: net.currency)
            entry.debit(Accounts.inventory, net.minorUnits, memo: "\(event.sku) lot \(event.lot)")
            entry.credit(Accounts.goodsReceivedNotInvoiced, net.minorUnits, memo: "\(order) line \(line)")
            // A free line (net 0) books nothing but still counts as received for its bill.
            let description = "Goods received: \(event.quantity) × \(event.sku) on \(order) line \(line) from \(supplier)"
            let id = net.isZero ? nil : try await journal.post(entry, date: date, description: description, source: source, in: tx)
            if !net.isZero && id == nil { return }  // booked before
            try await bills.recordReceipt(
                po: order, line: line, supplier: supplier, sku: event.sku, quantity: event.quantity, unitCost: event.unitCost, on: date, entry: id,
                source: source, in: tx)
            return
        }
        guard !net.isZero else { return }
        let category = try await taxCategories([event.sku], tx)[event.sku] ?? "standard"
        let tax = try TaxCalculation.line(net, basisPoints: try await rates(on: date, tx).rate(category), inclusive: false)
        var entry = JournalEntry(currency: net.currency)
        entry.debit(Accounts.inventory, tax.net.minorUnits, memo: "\(event.sku) lot \(event.lot)")
        entry.debit(Accounts.inputVAT, tax.tax.minorUnits)
        entry.credit(Accounts.payables, tax.gross.minorUnits, memo: event.purchaseReference)
        guard
            try await journal.post(
                entry, date: date,
                description: "Goods received: \(event.quantity) × \(event.sku) (\(event.purchaseReference ?? "no purchase reference"))",
                source: source, in: tx) != nil
        else { return }
        try await documents.open(
            .payable, document: event.purchaseReference ?? source, order: nil, party: nil, amount: tax.gross, on: date,
            due: date.adding(days: Invoice.termsDays), in: tx)
    }

    func recordSupplierBill(_ command: FinanceCommand.RecordSupplierBill, _ context: HandlerContext) async throws -> FinanceCommand.SupplierBillResult
    {
        let tx = context.transaction
        try Self.requireName(command.supplier, "supplier")
        try Self.requireName(command.number, "bill number")
        try Self.requireName(command.purchaseOrder, "purchase order")
        guard command.amount.minorUnits > 0 else { throw CommandRefused("validation", "a bill's amount is more than zero (got \(command.amount))") }
        let date = command.billDate ?? .today()
        let rates = try await rates(on: date, tx)
        let categories = try await taxCategories(try await bills.skus(of: command.purchaseOrder, in: tx), tx)
        guard let order = try await bills.order(command.purchaseOrder, rates: rates, categories: categories, in: tx) else {
            throw CommandRefused("unknown-purchase-order", "no purchase order \(command.purchaseOrder) has been sent")
        }
        guard order.supplier == command.supplier else {
            throw CommandRefused("wrong-supplier", "\(command.purchaseOrder) was sent to \(order.supplier), not \(command.supplier)")
        }
        guard try await bills.bill(supplier: command.supplier, number: command.number, in: tx) == nil else {
            throw CommandRefused("duplicate-bill", "\(command.supplier) bill \(command.number) was recorded before")
        }
        let match: BillMatch
        do {
            match = try BillMatch.match(command, order: order.lines, currency: order.currency, tolerancePercent: billTolerancePercent)
        } catch let refusal as BillMatch.Refusal {
            throw CommandRefused("validation", refusal.description)
        }
        let due = date.adding(days: order.paymentTermsDays ?? Invoice.termsDays)
        let document = SupplierBills.document(supplier: command.supplier, number: command.number)
        var entry: Int64?
        if match.reasons.isEmpty {
            entry = try await book(
                document: document, supplier: command.supplier, order: order.number, lines: match.lines, net: match.net, tax: match.tax,
                gross: match.gross, date: date, due: due, tx)
        }
        guard
            try await bills.save(
                command, match: match, status: entry == nil ? "held" : "booked", billDate: date, due: due, entry: entry, in: tx) != nil
        else { throw CommandRefused("duplicate-bill", "\(command.supplier) bill \(command.number) was recorded before") }
        return FinanceCommand.SupplierBillResult(
            status: entry == nil ? "held" : "booked", document: document, net: match.net, tax: match.tax, gross: match.gross,
            reasons: match.reasons.isEmpty ? nil : match.reasons, entry: entry, due: due)
    }

    func decideSupplierBill(_ command: FinanceCommand.DecideSupplierBill, _ context: HandlerContext) async throws -> FinanceCommand.SupplierBillResult
    {
        let tx = context.transaction
        try Self.requireName(command.note, "note")
        guard let bill = try await bills.bill(supplier: command.supplier, number: command.number, in: tx) else {
            throw CommandRefused("unknown-bill", "no bill \(command.number) of \(command.supplier)")
        }
        guard bill.status == "held" else { throw CommandRefused("wrong-status", "bill \(bill.document) is \(bill.status), not held") }
        var entry: Int64?
        if command.approve {
            let skus = try await bills.skus(of: bill.po, in: tx)
            guard
                let order = try await bills.order(
                    bill.po, excluding: bill.id, rates: try await rates(on: bill.billDate, tx), categories: try await taxCategories(skus, tx), in: tx)
            else { throw CommandRefused("unknown-purchase-order", "no purchase order \(bill.po)") }
            let lines = try await bills.lines(of: bill.id, currency: bill.gross.currency, order: order, in: tx)
            entry = try await book(
                document: bill.document, supplier: bill.supplier, order: bill.po, lines: lines, net: bill.net, tax: bill.tax, gross: bill.gross,
                date: bill.billDate, due: bill.due, tx, note: command.note)
        }
        let status = command.approve ? "booked" : "rejected"
        try await bills.decide(bill.id, status: status, note: command.note, entry: entry, in: tx)
        return FinanceCommand.SupplierBillResult(
            status: status, document: bill.document, net: bill.net, tax: bill.tax, gross: bill.gross, reasons: bill.reasons, entry: entry,
            due: bill.due)
    }

    /// Posts a bill (goods received not invoiced at the order's prices, input VAT, the price
    /// difference, the payable) and opens the supplier's payable.
    func book(
        document: String, supplier: String, order: String, lines: [BillMatch.Line], net: Money, tax: Money, gross: Money, date: BusinessDate,
        due: BusinessDate, _ tx: PostgresTransaction, note: String? = nil
    ) async throws -> Int64 {
        let atOrderPrices = try Money.sum(lines.map(\.atOrderPrice), currency: net.currency)
        var entry = JournalEntry(currency: net.currency)
        entry.debit(Accounts.goodsReceivedNotInvoiced, atOrderPrices.minorUnits, memo: order)
        entry.debit(Accounts.inputVAT, tax.minorUnits, memo: document)
        entry.debit(Accounts.purchasePriceVariance, try (net - atOrderPrices).minorUnits, memo: document)
        entry.credit(Accounts.payables, gross.minorUnits, memo: document)
        let approved = note.map { " (approved: \($0))" } ?? ""
        guard
            let id = try await journal.post(
                entry, date: date, description: "Supplier bill \(document) for \(order)\(approved)", source: "supplier-bill:\(document)", in: tx)
        else { throw CommandRefused("duplicate-bill", "bill \(document) was booked before") }
        try await documents.open(.payable, document: document, order: nil, party: supplier, amount: gross, on: date, due: due, in: tx)
        return id
    }

    func paySupplier(_ command: FinanceCommand.PaySupplier, _ context: HandlerContext) async throws -> FinanceCommand.Result {
        guard command.amount.minorUnits > 0 else { throw CommandRefused("validation", "a payment is more than zero (got \(command.amount))") }
        try Self.requireName(command.reference, "payment reference")
        let tx = context.transaction
        let document: String?
        let paid: String
        switch (command.supplier, command.bill, command.purchaseReference) {
        case (let supplier?, let bill, nil):
            document = bill.map { SupplierBills.document(supplier: supplier, number: $0) }
            if let document, try await !documents.hasPayable(document: document, in: tx) {
                throw CommandRefused("unknown-bill", "no booked bill \(bill ?? "") of \(supplier)")
            }
            paid = document ?? "open bills of \(supplier)"
        case (nil, nil, let reference?):
            guard try await documents.hasPayable(document: reference, in: tx) else {
                throw CommandRefused("unknown-bill", "no payable for purchase reference \(reference)")
            }
            (document, paid) = (reference, reference)
        default:
            throw CommandRefused("validation", "a supplier payment names a supplier (and optionally one of its bills), or a purchase reference")
        }
        let open = try await documents.settle(.payable, document: document, party: command.supplier, amount: command.amount, in: tx)
        var entry = JournalEntry(currency: command.amount.currency)
        entry.debit(Accounts.payables, command.amount.minorUnits, memo: paid)
        entry.credit(Accounts.cash, command.amount.minorUnits, memo: command.reference)
        guard
            let id = try await journal.post(
                entry, date: command.paidOn ?? .today(), description: "Supplier payment \(command.reference) for \(paid)",
                source: "supplier-payment:\(command.reference)", in: tx)
        else { throw CommandRefused("duplicate-payment", "supplier payment \(command.reference) was recorded before") }
        return FinanceCommand.Result(entry: id, openAmount: open)
    }

    /// A name or number given by a person: not empty, at most 100 characters, no control characters.
    static func requireName(_ text: String, _ what: String) throws {
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw CommandRefused("validation", "the \(what) is empty") }
        guard text.count <= 100 else { throw CommandRefused("validation", "the \(what) is longer than 100 characters") }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw CommandRefused("validation", "the \(what) contains a control character")
        }
    }
}
