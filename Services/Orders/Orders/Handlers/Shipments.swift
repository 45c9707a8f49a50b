import Contracts
import Foundation
import Ingest
import Messaging

/// Allocation and shipments: the fulfilment reserves an order's stock and allocates it
/// (`orders.allocate.v1`, announced with `orders.order.allocated.v1` for the warehouses to
/// pick); a warehouse confirms each parcel (`erpctl orders ship` or
/// `warehouse.<warehouse>.shipment.confirmed` on `erp.ingest`), which may take only what was
/// allocated there and has not shipped; inventory issues exactly those units. A ship-by
/// deadline that passes flags the order.
extension OrderHandlers {
    func allocate(_ command: OrderCommand.Allocate, _ context: HandlerContext) async throws -> OrderCommand.Changed {
        guard !command.allocations.isEmpty else { throw CommandRefused("validation", "an allocation holds at least one line") }
        guard Set(command.allocations.map { "\($0.line)\u{1F}\($0.warehouse)" }).count == command.allocations.count else {
            throw CommandRefused("validation", "a line appears twice for the same warehouse")
        }
        for allocation in command.allocations {
            guard allocation.quantity > 0, !allocation.warehouse.isEmpty else {
                throw CommandRefused("validation", "line \(allocation.line): \(allocation.quantity) in warehouse '\(allocation.warehouse)'")
            }
        }
        let order = try await locked(command.order, context)
        guard order.status.canMove(to: .allocated) else { throw Self.refusal(OrderTransitionError(from: order.status, to: .allocated)) }
        let left = try await orders.unshipped(order.id, in: context.transaction)
        var allocated: [Int: Int] = [:]
        for allocation in command.allocations { allocated[allocation.line, default: 0] += allocation.quantity }
        for line in allocated.keys where left[line] == nil { throw CommandRefused("unknown-line", "order \(order.id) has no line \(line)") }
        // Every unit to ship is allocated, no more (a line added after the reservation was made is not).
        for (line, ordered) in left.sorted(by: { $0.key < $1.key }) where allocated[line, default: 0] != ordered {
            throw CommandRefused("validation", "line \(line): \(allocated[line, default: 0]) allocated, \(ordered) to ship")
        }
        try await orders.allocate(order.id, command.allocations, in: context.transaction)
        let warehouses = Array(Set(command.allocations.map(\.warehouse))).sorted().joined(separator: ", ")
        try await intake.move(
            order.id, from: order.status, to: .allocated, reason: "stock reserved in \(warehouses)", actor: context.envelope.source, order.total,
            context)
        let placed = try await orders.placedBy(order.id, in: context.transaction)
        try await context.publish(
            event: OrderEvent.Allocated(
                order: order.id, platform: placed.platform, shop: placed.shop, externalId: placed.externalID, allocations: command.allocations))
        return OrderCommand.Changed(order: order.id, status: OrderStatus.allocated, total: order.total)
    }

    func reportShipLate(_ command: OrderCommand.ReportShipLate, _ context: HandlerContext) async throws -> OrderCommand.Changed {
        let order = try await locked(command.order, context)
        guard [.allocated, .partiallyShipped].contains(order.status) else {
            // Shipped (or cancelled) meanwhile: nothing is late.
            return OrderCommand.Changed(order: order.id, status: order.status, total: order.total)
        }
        let reason =
            "not shipped within \(command.hours) hours of allocation (ERP_SHIP_BY_HOURS)"
            + (order.status == .partiallyShipped ? ": shipped in part" : "")
        try await orders.flag(order.id, reason, in: context.transaction)
        try await context.publish(event: OrderEvent.ShipLate(order: order.id, hours: command.hours, reason: reason))
        try await context.publish(event: OrderEvent.NeedsAttention(order: order.id, reason: reason))
        return OrderCommand.Changed(order: order.id, status: order.status, total: order.total)
    }
}

extension Intake {
    /// Records a parcel that left a warehouse: only lines allocated there and not yet shipped,
    /// at most what is left; the same shipment again changes nothing, the same id with other
    /// content is refused. The order becomes partially_shipped, then shipped.
    func recordShipment(_ command: OrderCommand.Ship, actor: String, _ context: HandlerContext) async throws -> OrderCommand.Changed {
        var command = command
        for (value, field) in [(command.shipment, "shipment"), (command.carrier, "carrier"), (command.trackingNumber, "tracking_number")] {
            guard !value.trimmingCharacters(in: .whitespaces).isEmpty else { throw CommandRefused("validation", "\(field) is empty") }
            guard value.unicodeScalars.count <= 100 else { throw CommandRefused("validation", "\(field) is longer than 100 characters") }
        }
        guard !command.lines.isEmpty else { throw CommandRefused("validation", "a shipment holds at least one line") }
        guard Set(command.lines.map(\.line)).count == command.lines.count else {
            throw CommandRefused("validation", "a line appears twice in the shipment")
        }
        for line in command.lines where line.quantity <= 0 {
            throw CommandRefused("validation", "line \(line.line): \(line.quantity) to ship; a shipment holds at least one unit of each of its lines")
        }
        if let weight = command.weightGrams, weight <= 0 { throw CommandRefused("validation", "weight_grams \(weight) is not positive") }
        let tx = context.transaction
        guard let order = try await orders.lock(command.order, in: tx) else { throw CommandRefused("unknown-order", "no order \(command.order)") }
        if let earlier = try await orders.shipment(order.id, command.shipment, in: tx) {
            if let difference = Self.difference(earlier, command) {
                throw CommandRefused(
                    "duplicate-shipment",
                    "order \(order.id) already has shipment \(PrintableText.of(command.shipment)) with other content (\(difference))")
            }
            return OrderCommand.Changed(order: order.id, status: order.status, total: order.total)  // the same parcel again
        }
        guard [.allocated, .partiallyShipped].contains(order.status) else {
            throw CommandRefused(
                "illegal-transition", "an order that is \(order.status.rawValue) cannot ship (it ships once allocated: its stock reserved)")
        }
        let left = try await orders.unshipped(order.id, in: tx)
        for line in command.lines where left[line.line] == nil {
            throw CommandRefused("unknown-line", "order \(order.id) has no line \(line.line)")
        }
        let shippable = try await orders.shippable(order.id, in: tx)
        if command.warehouse == nil {
            let candidates = Set(shippable.filter { place in place.left > 0 && command.lines.contains { $0.line == place.line } }.map(\.warehouse))
            guard candidates.count == 1, let only = candidates.first else {
                throw CommandRefused(
                    "validation",
                    candidates.isEmpty
                        ? "nothing of lines \(command.lines.map { String($0.line) }.joined(separator: ", ")) is left to ship"
                        : "name the warehouse the parcel left: these lines are allocated in \(candidates.sorted().joined(separator: ", "))")
            }
            command.warehouse = only
        }
        let warehouse = command.warehouse!
        for line in command.lines {
            let here = shippable.first { $0.line == line.line && $0.warehouse == warehouse }
            guard let here, line.quantity <= here.left else {
                let allocated = here.map { "\($0.allocated) allocated there, \($0.shipped) shipped" } ?? "none allocated there"
                throw CommandRefused(
                    "over-allocation", "line \(line.line): \(line.quantity) to ship from \(PrintableText.of(warehouse)), \(allocated)")
            }
        }
        guard try await orders.addShipment(command, in: tx) else { throw IntakeRaceError() }
        let complete = command.lines.reduce(into: left) { $0[$1.line, default: 0] -= $1.quantity }.values.allSatisfy { $0 == 0 }
        try await context.publish(
            event: OrderEvent.Shipped(
                order: order.id, shipment: command.shipment, carrier: command.carrier, trackingNumber: command.trackingNumber, lines: command.lines,
                complete: complete, warehouse: warehouse, shippedAt: command.shippedAt))
        try await outbound.shipped(command, warehouse: warehouse, context)
        let parcel = "shipment \(command.shipment) from \(warehouse) by \(command.carrier) (\(command.trackingNumber))"
        let next: OrderStatus = complete ? .shipped : .partiallyShipped
        if next != order.status {
            try await move(order.id, from: order.status, to: next, reason: parcel, actor: actor, order.total, context)
        }
        return OrderCommand.Changed(order: order.id, status: next, total: order.total)
    }

    /// How `command` differs from the shipment recorded under its id, or nil if it is the same parcel.
    static func difference(_ earlier: OrderCommand.Ship, _ command: OrderCommand.Ship) -> String? {
        var differences: [String] = []
        if earlier.carrier != command.carrier { differences.append("carrier \(earlier.carrier), now \(command.carrier)") }
        if earlier.trackingNumber != command.trackingNumber {
            differences.append("tracking number \(earlier.trackingNumber), now \(PrintableText.of(command.trackingNumber))")
        }
        if earlier.lines.sorted(by: { $0.line < $1.line }) != command.lines.sorted(by: { $0.line < $1.line }) { differences.append("other lines") }
        if let warehouse = command.warehouse, earlier.warehouse != warehouse {
            differences.append("warehouse \(earlier.warehouse ?? "-"), now \(PrintableText.of(warehouse))")
        }
        if let at = command.shippedAt, let before = earlier.shippedAt, abs(at.timeIntervalSince(before)) >= 1 {
            differences.append("another shipped_at")
        }
        if let weight = command.weightGrams, earlier.weightGrams != weight { differences.append("another weight") }
        return differences.isEmpty ? nil : differences.joined(separator: "; ")
    }

    /// A warehouse's shipment confirmation from `erp.ingest`: read, matched to its order and
    /// recorded; what the order does not allow is quarantined with the reason.
    func takeShipment(_ message: IngestMessage, _ context: HandlerContext) async throws {
        let confirmation = try WarehouseShipment.read(message, configuration: configuration)
        let id: Int64
        switch confirmation.order {
        case .id(let given):
            id = given
        case .external(let platform, let shop, let externalID):
            guard let existing = try await orders.lock(platform: platform, shop: shop, externalID: externalID, in: context.transaction) else {
                throw IntakeRejection("unknown-order", "no \(confirmation.order)")
            }
            id = existing.id
        }
        do {
            _ = try await recordShipment(confirmation.command(order: id), actor: "warehouse:\(confirmation.warehouse)", context)
        } catch let refusal as CommandRefused {
            throw IntakeRejection(refusal.code, refusal.reason)
        }
    }
}
