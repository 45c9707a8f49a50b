import Contracts
import Messaging

/// A lot recalled: never issued or transferred again (FEFO skips it), what is left of it in
/// every warehouse moved to quarantine at its cost (`inventory.stock.adjusted.v1` with
/// `recall`, so finance moves it out of inventory), reservations it covered released,
/// `inventory.lot.recalled.v1` naming the orders that received it, and one
/// `inventory.lot.order_recalled.v1` per such order (a CRM notification rule can tell its customer).
extension InventoryHandlers {
    func recallLot(_ command: InventoryCommand.RecallLot, _ context: HandlerContext) async throws -> InventoryResult.Recalled {
        try Self.require(command.lot, "lot")
        try Self.require(command.reason, "reason")
        if let sku = command.sku { try Self.require(sku, "sku") }
        let tx = context.transaction
        let skus = try await store.skus(withLot: command.lot, sku: command.sku, in: tx)
        guard !skus.isEmpty else {
            throw CommandRefused("unknown-lot", "no lot \(command.lot)\(command.sku.map { " of \($0)" } ?? "") was ever received")
        }
        guard try await store.markRecalled(skus: skus, lot: command.lot, reason: command.reason, in: tx) else {
            throw CommandRefused("already-recalled", "lot \(command.lot) of \(skus.joined(separator: ", ")) was recalled before")
        }
        let (units, released) = try await store.quarantineRecalled(skus: skus, lot: command.lot, reason: command.reason, in: tx)
        for moved in units {
            try await context.publish(
                event: InventoryEvent.Adjusted(
                    sku: moved.sku, warehouse: moved.warehouse, lot: command.lot, delta: -moved.quantity, reason: "recall: \(command.reason)",
                    unitCost: moved.unitCost, recall: true))
        }
        for (order, freed, skus) in released {
            try await context.publish(event: InventoryEvent.Released(order: order, units: freed, skus: skus))
        }
        let affected = try await store.ordersIssued(skus: skus, lot: command.lot, in: tx)
        // One event per order, for a notification rule to tell its customer.
        for order in affected.compactMap({ Int64($0) }) {
            try await context.publish(event: InventoryEvent.OrderLotRecalled(order: order, lot: command.lot, skus: skus, reason: command.reason))
        }
        let quarantined = units.reduce(0) { $0 + $1.quantity }
        let unreserved = released.map(\.order)
        try await context.publish(
            event: InventoryEvent.LotRecalled(
                lot: command.lot, skus: skus, reason: command.reason, quarantined: quarantined, affectedOrders: affected, unreserved: unreserved))
        if !units.isEmpty { try await applyReorderRules(units.map { ($0.sku, $0.warehouse) }, context) }
        return InventoryResult.Recalled(lot: command.lot, skus: skus, quarantined: quarantined, affectedOrders: affected, unreserved: unreserved)
    }
}
