import Contracts
import Foundation
import Messaging
import Postgres

/// Stock: a shipment books its cost of goods sold at the FIFO lot cost inventory reports; a
/// goods receipt books inventory and input VAT against the supplier (payable); supplier
/// payments settle the payable.
extension FinanceHandlers {
    func stockIssued(_ event: InventoryEvent.Issued, _ context: HandlerContext) async throws {
        guard let currency = event.lots.first?.unitCost.currency else { return }
        var entry = JournalEntry(currency: currency)
        var total: Int64 = 0
        for lot in event.lots { total += lot.unitCost.minorUnits * Int64(lot.quantity) }
        entry.debit(Accounts.costOfGoodsSold, total, memo: "order \(event.order)")
        entry.credit(Accounts.inventory, total, memo: "order \(event.order)")
        guard total > 0, let id = try await journal.post(
            entry, date: Self.businessDate(context.envelope.occurredAt), description: "Cost of goods shipped for order \(event.order)",
            source: "cogs:\(context.envelope.id.uuidString.lowercased())", in: context.transaction)
        else { return }
        try await context.transaction.queue(PostgresQuery(sql: """
            INSERT INTO \(s).cost_lines (order_ref, sku, quantity, cost_minor, currency, entry_id)
            SELECT $1, l.sku, l.quantity, l.cost, $2, $3 FROM unnest($4::text[], $5::int[], $6::bigint[]) AS l (sku, quantity, cost)
            """, binds: [
                event.order, currency.code, id, event.lots.map(\.sku), event.lots.map(\.quantity),
                event.lots.map { $0.unitCost.minorUnits * Int64($0.quantity) },
            ]))
    }

    func stockReceived(_ event: InventoryEvent.Received, _ context: HandlerContext) async throws {
        let tx = context.transaction
        let net = Money(minorUnits: event.unitCost.minorUnits * Int64(event.quantity), currency: event.unitCost.currency)
        guard !net.isZero else { return }
        let category = try await taxCategories([event.sku], tx)[event.sku] ?? "standard"
        let tax = TaxCalculation.line(net, basisPoints: try await rates(tx).rate(category), inclusive: false)
        var entry = JournalEntry(currency: net.currency)
        entry.debit(Accounts.inventory, tax.net.minorUnits, memo: "\(event.sku) lot \(event.lot)")
        entry.debit(Accounts.inputVAT, tax.tax.minorUnits)
        entry.credit(Accounts.payables, tax.gross.minorUnits, memo: event.purchaseReference)
        let date = Self.businessDate(context.envelope.occurredAt)
        guard try await journal.post(
            entry, date: date, description: "Goods received: \(event.quantity) × \(event.sku) (\(event.purchaseReference ?? "no purchase reference"))",
            source: "receipt:\(context.envelope.id.uuidString.lowercased())", in: tx) != nil
        else { return }
        try await documents.open(
            .payable, document: event.purchaseReference ?? "receipt:\(context.envelope.id.uuidString.lowercased())", order: nil, party: nil,
            amount: tax.gross, on: date, due: date.adding(days: Invoice.termsDays), in: tx)
    }

    func paySupplier(_ command: FinanceCommand.PaySupplier, _ context: HandlerContext) async throws -> FinanceCommand.Result {
        guard command.amount.minorUnits > 0 else { throw CommandRefused("validation", "a payment is more than zero (got \(command.amount))") }
        let tx = context.transaction
        guard try await tx.query(PostgresQuery(
            sql: "SELECT 1 FROM \(s).open_items WHERE kind = 'payable' AND document = $1", binds: [command.purchaseReference])).first != nil
        else { throw CommandRefused("unknown-bill", "no supplier bill for purchase reference \(command.purchaseReference)") }
        let open = try await documents.settle(.payable, document: command.purchaseReference, amount: command.amount, in: tx)
        var entry = JournalEntry(currency: command.amount.currency)
        entry.debit(Accounts.payables, command.amount.minorUnits, memo: command.purchaseReference)
        entry.credit(Accounts.cash, command.amount.minorUnits, memo: command.reference)
        guard let id = try await journal.post(
            entry, date: .today(), description: "Supplier payment \(command.reference) for \(command.purchaseReference)",
            source: "supplier-payment:\(command.reference)", in: tx)
        else { throw CommandRefused("duplicate-payment", "supplier payment \(command.reference) was recorded before") }
        return FinanceCommand.Result(entry: id, openAmount: open)
    }
}
