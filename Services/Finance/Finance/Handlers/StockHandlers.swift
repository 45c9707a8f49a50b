import Contracts
import Foundation
import Messaging
import Postgres

/// Stock: a shipment books its cost of goods sold at the FIFO lot cost inventory reports, a
/// return takes it back; adjustments and inspected quarantine move inventory at lot cost.
/// Receipts, supplier bills and payments are in `PurchasingHandlers.swift`.
extension FinanceHandlers {
    /// An order that ships goods free: noted, so that its cost of goods is booked as a replacement expense.
    func replacementPlaced(_ event: OrderEvent.ReplacementPlaced, _ context: HandlerContext) async throws {
        guard event.kind.free else { return }
        try await context.transaction.queue(
            """
            INSERT INTO \(identifier: schema).free_replacements (order_id, replaces, kind, reference)
            VALUES (\(event.order), \(event.replaces), \(event.kind.rawValue), \(event.reference)) ON CONFLICT (order_id) DO NOTHING
            """)
    }

    /// What a free replacement order is (`repair of return …`), or nil for a sale.
    func freeReplacement(_ order: String, _ tx: PostgresTransaction) async throws -> String? {
        guard let id = Int64(order) else { return nil }
        return try await tx.query(
            "SELECT kind || ' ' || reference || ' of order ' || replaces FROM \(identifier: schema).free_replacements WHERE order_id = \(id)"
        ).first?.decode(String.self, at: 0)
    }

    func stockIssued(_ event: InventoryEvent.Issued, _ context: HandlerContext) async throws {
        guard let currency = event.lots.first?.unitCost.currency else { return }
        let costs = try event.lots.map { try $0.unitCost.times($0.quantity) }
        let total = try Money.sum(costs, currency: currency)
        // Goods sent free are a replacement expense; everything else is the cost of a sale.
        let free = try await freeReplacement(event.order, context.transaction)
        var entry = JournalEntry(currency: currency)
        entry.debit(free == nil ? Accounts.costOfGoodsSold : Accounts.freeReplacements, total.minorUnits, memo: "order \(event.order)")
        entry.credit(Accounts.inventory, total.minorUnits, memo: "order \(event.order)")
        let description =
            free.map { "Cost of goods sent free (\($0)) for order \(event.order)" } ?? "Cost of goods shipped for order \(event.order)"
        guard !total.isZero,
            let id = try await journal.post(
                entry, date: Self.businessDate(context.envelope.occurredAt), description: description,
                source: "cogs:\(context.envelope.id.uuidString.lowercased())", in: context.transaction)
        else { return }
        try await context.transaction.queue(
            """
            INSERT INTO \(identifier: schema).cost_lines (order_ref, sku, quantity, cost_minor, currency, entry_id)
            SELECT \(event.order), l.sku, l.quantity, l.cost, \(currency.code), \(id)
            FROM unnest(\(event.lots.map(\.sku))::text[], \(event.lots.map(\.quantity))::int[], \(costs.map(\.minorUnits))::bigint[])
                AS l (sku, quantity, cost)
            """)
    }

    /// Units back from a customer leave the cost of goods sold at the cost they were issued
    /// at: sellable ones go back to inventory, quarantined ones to returned goods awaiting
    /// inspection. The order's cost lines go down with them.
    func stockReturned(_ event: InventoryEvent.Returned, _ context: HandlerContext) async throws {
        guard let unitCost = event.unitCost else {
            throw PermanentMessageError("validation", "the return of \(event.quantity) × \(event.sku) under \(event.reference) carries no unit cost")
        }
        let cost = try unitCost.times(event.quantity)
        guard !cost.isZero else { return }
        var entry = JournalEntry(currency: cost.currency)
        let memo = "\(event.sku) lot \(event.lot), \(event.reference)"
        entry.debit(event.condition == .sellable ? Accounts.inventory : Accounts.returnedGoods, cost.minorUnits, memo: memo)
        entry.credit(Accounts.costOfGoodsSold, cost.minorUnits, memo: memo)
        guard
            let id = try await journal.post(
                entry, date: Self.businessDate(context.envelope.occurredAt),
                description: "Returned \(event.quantity) × \(event.sku) (\(event.condition.rawValue)) under \(event.reference)",
                source: "return-cost:\(context.envelope.id.uuidString.lowercased())", in: context.transaction)
        else { return }
        guard let order = event.order else { return }
        try await context.transaction.queue(
            """
            INSERT INTO \(identifier: schema).cost_lines (order_ref, sku, quantity, cost_minor, currency, entry_id)
            VALUES (\(order), \(event.sku), \(-event.quantity), \(-cost.minorUnits), \(cost.currency.code), \(id))
            """)
    }

    /// Stock found or lost (an adjustment, a count) moves inventory against inventory
    /// adjustments; inspected quarantined units go back to inventory (restocked) or are
    /// written off, out of returned goods awaiting inspection.
    func stockAdjusted(_ event: InventoryEvent.Adjusted, _ context: HandlerContext) async throws {
        guard let unitCost = event.unitCost else {
            throw PermanentMessageError("validation", "the adjustment of \(event.sku) lot \(event.lot) by \(event.delta) carries no unit cost")
        }
        let value = try unitCost.times(event.delta)
        guard !value.isZero else { return }
        var entry = JournalEntry(currency: value.currency)
        let memo = "\(event.sku) lot \(event.lot): \(event.reason)"
        switch event.quarantine {
        case nil where event.recall == true:
            // A recalled lot's units leave stock for quarantine, at cost.
            entry.debit(Accounts.returnedGoods, -value.minorUnits, memo: memo)
            entry.credit(Accounts.inventory, -value.minorUnits, memo: memo)
        case nil:
            entry.debit(Accounts.inventory, value.minorUnits, memo: memo)
            entry.credit(Accounts.inventoryAdjustments, value.minorUnits, memo: memo)
        case .restock?:
            entry.debit(Accounts.inventory, value.minorUnits, memo: memo)
            entry.credit(Accounts.returnedGoods, value.minorUnits, memo: memo)
        case .writeOff?:
            entry.debit(Accounts.inventoryAdjustments, -value.minorUnits, memo: memo)
            entry.credit(Accounts.returnedGoods, -value.minorUnits, memo: memo)
        }
        try await journal.post(
            entry, date: Self.businessDate(context.envelope.occurredAt),
            description: "Stock \(event.quarantine?.rawValue ?? "adjustment") of \(event.delta) × \(event.sku) lot \(event.lot): \(event.reason)",
            source: "adjustment:\(context.envelope.id.uuidString.lowercased())", in: context.transaction)
    }
}
