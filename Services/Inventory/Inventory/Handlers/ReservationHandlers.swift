import Contracts
import Messaging

/// Reservations for orders: reserve (all lines or nothing, warehouses chosen by
/// ``Allocation``), release, and issue at shipment (FEFO lots with their FIFO cost).
extension InventoryHandlers {
    func reserve(_ command: InventoryCommand.Reserve, _ context: HandlerContext) async throws -> InventoryResult.Reserved {
        try Self.require(command.order, "order")
        guard !command.lines.isEmpty else { throw Self.validation("order \(command.order) has no lines") }
        var seen = Set<Int>()
        for line in command.lines {
            try Self.require(line.sku, "sku of line \(line.line)")
            try Self.requirePositive(line.quantity, "quantity of line \(line.line)")
            guard seen.insert(line.line).inserted else { throw Self.validation("line \(line.line) appears twice") }
        }
        let tx = context.transaction
        let (held, warehouses) = try await store.lockAvailability(order: command.order, skus: command.lines.map(\.sku), in: tx)
        // The same order reserved again (a new command, not a redelivery) gets what it holds.
        if !held.isEmpty { return InventoryResult.Reserved(order: command.order, reservations: held) }

        let picks: [Allocation.Pick]
        do {
            picks = try Allocation.allocate(
                command.lines.map { Allocation.Line(sku: $0.sku, quantity: $0.quantity) }, from: warehouses,
                shippingRegion: command.shippingRegion)
        } catch {
            throw CommandRefused("insufficient-stock", "order \(command.order): \(error.description)")
        }
        let reservations = picks.map { pick in
            let line = command.lines[pick.line]
            return InventoryResult.Reservation(line: line.line, sku: line.sku, warehouse: pick.warehouse, quantity: pick.quantity)
        }
        let ruled: [(sku: String, warehouse: String)]
        do {
            ruled = try await store.reserve(
                order: command.order,
                lines: reservations.map { .init(line: $0.line, sku: $0.sku, warehouse: $0.warehouse, quantity: $0.quantity) }, in: tx)
        } catch let refusal as StockStore.Refusal {
            throw CommandRefused("insufficient-stock", "order \(command.order): \(refusal.description)")
        }
        // No event: the reply tells the one who asked, and nothing else in the system needs it (an event no queue is
        // bound for lands in the operators' erp.unrouted: the soak found one per reservation there).
        try await applyReorderRules(ruled, context, knownToHaveRules: true)
        return InventoryResult.Reserved(order: command.order, reservations: reservations)
    }

    /// Releases what the order held and reserves its new lines, in one transaction: a
    /// refusal (not enough stock) undoes the release too, so the order keeps what it held.
    func rereserve(_ command: InventoryCommand.Rereserve, _ context: HandlerContext) async throws -> InventoryResult.Reserved {
        try Self.require(command.order, "order")
        _ = try await store.release(order: command.order, in: context.transaction)
        return try await reserve(
            InventoryCommand.Reserve(order: command.order, lines: command.lines, shippingRegion: command.shippingRegion), context)
    }

    func checkAvailability(_ command: InventoryCommand.CheckAvailability, _ context: HandlerContext) async throws -> InventoryResult.Availability {
        guard !command.lines.isEmpty else { throw Self.validation("no lines to check") }
        var available: [String: Int] = [:]
        for row in try await context.transaction.query(
            """
            SELECT sku, sum(on_hand - reserved)::int AS available FROM \(identifier: store.schema).stock
            WHERE sku = ANY(\(command.lines.map(\.sku))::text[]) GROUP BY sku
            """)
        {
            available[try row.decode(String.self, column: "sku")] = try row.decode(Int.self, column: "available")
        }
        var lines: [OrderCommand.ShipmentLine] = []
        for line in command.lines {
            let units = max(0, min(line.quantity, available[line.sku, default: 0]))
            available[line.sku, default: 0] -= units
            lines.append(.init(line: line.line, quantity: units))
        }
        return InventoryResult.Availability(lines: lines)
    }

    func release(_ command: InventoryCommand.Release, _ context: HandlerContext) async throws -> InventoryResult.Released {
        try Self.require(command.order, "order")
        let (units, skus) = try await store.release(order: command.order, in: context.transaction)
        if units > 0 { try await context.publish(event: InventoryEvent.Released(order: command.order, units: units, skus: skus)) }
        return InventoryResult.Released(order: command.order, units: units)
    }

    /// Issues one parcel's lines from the warehouse it left (or, with no lines, everything
    /// the order holds): FEFO lots, announced with their FIFO cost for finance.
    func issue(_ command: InventoryCommand.Issue, _ context: HandlerContext) async throws -> InventoryResult.Issued {
        try Self.require(command.order, "order")
        let issued: [StockStore.IssuedLot]
        do {
            if let lines = command.lines {
                guard let warehouse = command.warehouse else { throw Self.validation("a parcel's lines are issued from a named warehouse") }
                try Self.require(warehouse, "warehouse")
                guard !lines.isEmpty else { throw Self.validation("a parcel holds at least one line") }
                var units: [Int: Int] = [:]
                for line in lines {
                    try Self.requirePositive(line.quantity, "quantity of line \(line.line)")
                    guard units.updateValue(line.quantity, forKey: line.line) == nil else { throw Self.validation("line \(line.line) appears twice") }
                }
                issued = try await store.issue(
                    order: command.order, warehouse: warehouse, lines: units, shipment: command.shipment, today: .today(), in: context.transaction)
            } else {
                issued = try await store.issue(order: command.order, shipment: command.shipment, today: .today(), in: context.transaction)
            }
        } catch let problem as FEFO.Problem {
            throw CommandRefused("lots-short", "order \(command.order): the unexpired lots cannot supply it (\(problem.description))")
        } catch let short as StockStore.ShortReservation {
            throw CommandRefused("not-reserved", "order \(command.order)\(command.shipment.map { ", shipment \($0)" } ?? ""): \(short.description)")
        }
        guard !issued.isEmpty else { throw CommandRefused("nothing-reserved", "order \(command.order) holds no reservation to issue") }
        let lots = issued.map {
            InventoryResult.IssuedLot(sku: $0.sku, warehouse: $0.warehouse, lot: $0.lot, quantity: $0.quantity, unitCost: $0.unitCost)
        }
        try await context.publish(event: InventoryEvent.Issued(order: command.order, lots: lots, shipment: command.shipment))
        return InventoryResult.Issued(order: command.order, lots: lots)
    }
}

extension InventoryHandlers {
    /// Reserved units change orders (a split or merge); nothing moves if any move cannot be made.
    func moveReservations(_ command: InventoryCommand.MoveReservations, _ context: HandlerContext) async throws -> InventoryResult.Moved {
        guard !command.moves.isEmpty else { throw Self.validation("no moves") }
        for move in command.moves {
            try Self.require(move.from, "order to move from")
            try Self.require(move.to, "order to move to")
            try Self.requirePositive(move.quantity, "quantity of line \(move.fromLine) of order \(move.from)")
        }
        let moved: Bool
        do {
            moved = try await store.move(command.moves, in: context.transaction)
        } catch let problem as StockStore.MoveProblem {
            throw CommandRefused("not-reserved", problem.description)
        }
        let orders = Array(Set(command.moves.flatMap { [$0.from, $0.to] })).sorted()
        let reservations = try await store.reservations(orders: orders, in: context.transaction)
        return InventoryResult.Moved(reservations: reservations, moved: moved)
    }
}
