import Contracts
import Foundation
import Ingest
import Messaging
import Metrics
import Postgres

/// Platform order intake: reads a message from `erp.ingest` (size, routing key, platform,
/// signature, format, validation), then creates the order or applies it as a later
/// revision. A message that is not taken is kept in the quarantine with its reason and
/// announced with `orders.ingest.rejected.v1`; nothing is lost and nothing is parked.
struct Intake: Sendable {
    let orders: OrderStore
    let quarantine: QuarantineStore
    let configuration: IngestConfiguration
    let outbound: OutboundPublisher
    let repeats = Counter(label: "erp_orders_ingest_repeats_total")
    let rejections = Counter(label: "erp_orders_ingest_rejected_total")

    enum Outcome: Sendable, Equatable {
        case created(Int64, OrderStatus)
        case revised(Int64)
        case repeated(Int64)
        case flagged(Int64, String)

        var order: Int64 {
            switch self {
            case .created(let id, _), .revised(let id), .repeated(let id), .flagged(let id, _): return id
            }
        }
    }

    /// Everything that can be checked without the database.
    func read(_ message: IngestMessage) throws(IntakeRejection) -> IntakeOrder {
        try IntakeReading.read(message, configuration: configuration)
    }

    /// The raw handler of `orders.ingest`.
    func handle(_ delivery: RawDelivery, _ context: HandlerContext) async throws {
        let message = Self.message(delivery)
        if TrackingUpdate.isTracking(message.routingKey) || WarehouseShipment.isShipment(message.routingKey) {
            if let rejection = try await guarded(context, { _ = try await self.take(message, context) }) {
                try await reject(message, rejection, context)
            }
            return
        }
        var order: IntakeOrder?
        if !PlatformReturn.isReturnRequest(message.routingKey) {
            // What can be checked without the database needs no savepoint.
            do { order = try read(message) } catch { return try await reject(message, error, context) }
        }
        if let rejection = try await guarded(
            context,
            {
                if let order { _ = try await self.take(order, context) } else { try await self.takeReturn(message, context) }
            })
        {
            try await reject(message, rejection, context)
        }
    }

    /// The raw handler of `orders.ingest.unrouted`: a message `erp.ingest` had no queue
    /// for (its routing key is not one any service takes) is quarantined, never lost.
    func handleUnrouted(_ delivery: RawDelivery, _ context: HandlerContext) async throws {
        let message = Self.message(delivery)
        try await reject(
            message,
            IntakeRejection(
                "bad-routing-key",
                "no service takes routing key '\(PrintableText.of(message.routingKey))' on \(message.exchange) (expected platform.<platform>.order.<event>, platform.<platform>.return.requested, platform.<platform>.customer.<created|updated|message>, platform.<platform>.survey.response, warehouse.<warehouse>.shipment.confirmed, carrier.<carrier>.tracking.<event>)"
            ),
            context)
    }

    static func message(_ delivery: RawDelivery) -> IngestMessage { IngestMessage(delivery) }

    /// Takes a message from outside: an order (its outcome), a return request, a shipment confirmation or a tracking event (nil).
    func take(_ message: IngestMessage, _ context: HandlerContext) async throws -> Outcome? {
        if TrackingUpdate.isTracking(message.routingKey) {
            try await takeTracking(message, context)
            return nil
        }
        if WarehouseShipment.isShipment(message.routingKey) {
            try await takeShipment(message, context)
            return nil
        }
        if PlatformReturn.isReturnRequest(message.routingKey) {
            try await takeReturn(message, context)
            return nil
        }
        return try await take(try read(message), context)
    }

    /// Runs `body`; a rejection (or a value the database refuses) is returned with its effects undone.
    func guarded(_ context: HandlerContext, _ body: () async throws -> Void) async throws -> IntakeRejection? {
        try await context.intakeRejection(body)
    }

    /// Keeps a message that was not taken in the quarantine and announces it.
    func reject(_ message: IngestMessage, _ rejection: IntakeRejection, _ context: HandlerContext) async throws {
        let (id, isNew) = try await quarantine.keep(message, rejection: rejection, in: context.transaction)
        guard isNew else { return }  // delivered again: kept and announced the first time
        rejections.increment()
        let routingKey = PrintableText.of(message.routingKey), reason = PrintableText.of(rejection.reason)
        context.logger.notice(
            "platform message quarantined",
            metadata: [
                "quarantine": "\(id)", "routing_key": "\(routingKey)", "code": "\(rejection.code)", "reason": "\(reason)",
            ])
        try await context.publish(event: OrderEvent.IngestRejected(quarantine: id, routingKey: routingKey, code: rejection.code, reason: reason))
    }

    /// Stores a valid order: new, a later revision, or a repeat.
    func take(_ order: IntakeOrder, _ context: HandlerContext) async throws -> Outcome {
        let tx = context.transaction
        let actor = "intake:\(order.platform)"
        if let created = try await orders.createIfNew(order, actor: actor, in: tx) {
            try await context.publish(event: OrderEvent.Placed(snapshot: snapshot(of: order, id: created.id, status: created.status)))
            return .created(created.id, created.status)
        }
        guard let existing = try await orders.lock(platform: order.platform, shop: order.shop, externalID: order.externalID, in: tx) else {
            // Created and removed between the two statements: cannot happen (orders are never deleted); retry.
            throw IntakeRaceError()
        }
        guard order.revision > existing.revision else {
            try await orders.countRepeat(existing.id, in: tx)
            repeats.increment()
            return .repeated(existing.id)
        }
        return try await revise(existing, with: order, actor: actor, context)
    }

    private func revise(_ existing: OrderStore.Existing, with order: IntakeOrder, actor: String, _ context: HandlerContext) async throws -> Outcome {
        let tx = context.transaction
        func flag(_ reason: String) async throws -> Outcome {
            try await orders.setRevision(existing.id, order.revision, in: tx)
            try await orders.flag(existing.id, reason, in: tx)
            try await context.publish(event: OrderEvent.NeedsAttention(order: existing.id, reason: reason))
            return .flagged(existing.id, reason)
        }
        if order.event == .cancelled {
            if existing.status == .cancelled {
                try await orders.setRevision(existing.id, order.revision, in: tx)
                return .revised(existing.id)
            }
            guard existing.status.canMove(to: .cancelled) else {
                return try await flag("platform cancelled revision \(order.revision) but the order is \(existing.status.rawValue)")
            }
            try await orders.setRevision(existing.id, order.revision, in: tx)
            try await move(
                existing.id, from: existing.status, to: .cancelled, reason: "cancelled on \(order.platform)", actor: actor, order.total, context)
            return .revised(existing.id)
        }
        let linesChanged = existing.lines.map(Self.comparable) != order.lines.map(Self.comparable)
        let shippingChanged = existing.shippingAddress != order.shippingAddress || existing.shippingMethod != order.shippingMethod
        if linesChanged && !existing.status.allowsLineChanges {
            return try await flag("revision \(order.revision) changes the lines but the order is \(existing.status.rawValue)")
        }
        if shippingChanged && !existing.status.allowsShippingChanges {
            return try await flag("revision \(order.revision) changes the shipping address or method but the order is \(existing.status.rawValue)")
        }
        // New lines are an amendment: the order keeps its lines until they are reserved and
        // invoiced (a revision that also says paid becomes paid then).
        let thenPaid = order.payment.status == .paid && existing.paymentStatus != .paid && existing.status == .pendingPayment
        if linesChanged {
            var current = try await orders.snapshot(existing.id, in: tx)
            current.shippingFee = order.shippingFee
            let lines = order.lines.map {
                OrderSnapshot.Line(
                    line: $0.number, sku: $0.sku, quantity: $0.quantity, unitPrice: $0.unitPrice, discount: $0.discount, total: $0.total)
            }
            do {
                _ = try await requestAmendment(
                    current, lines: lines, what: "revision \(order.revision) from \(order.platform)", actor: actor, thenPaid: thenPaid, context)
            } catch let problem as LineAmendment.Problem {
                return try await flag("revision \(order.revision) changes the lines, which cannot be carried through: \(problem.description)")
            }
        }
        try await orders.replaceContents(existing.id, with: order, keepingLines: linesChanged, in: tx)
        var what: [String] = []
        if shippingChanged { what.append("shipping") }
        if order.payment.status != existing.paymentStatus { what.append("payment") }
        if !what.isEmpty {
            let snapshot = try await orders.snapshot(existing.id, in: tx)
            try await orders.recordChange(snapshot, what: what, actor: actor, in: tx)
            try await context.publish(event: OrderEvent.Changed(snapshot: snapshot, what: what))
        }
        if thenPaid && !linesChanged {
            try await move(existing.id, from: .pendingPayment, to: .paid, reason: "paid on \(order.platform)", actor: actor, order.total, context)
        }
        return .revised(existing.id)
    }

    func move(
        _ id: Int64, from: OrderStatus, to: OrderStatus, reason: String, actor: String, _ total: Money, _ context: HandlerContext
    ) async throws {
        try await orders.transition(id, from: from, to: to, reason: reason, actor: actor, in: context.transaction)
        if to == .cancelled { try await outbound.cancelled(id, reason: reason, actor: actor, context) }
        try await context.publish(
            statusChange: OrderEvent.StatusChanged(
                order: id, from: from, to: to, reason: reason, actor: actor, total: total))
    }

    struct ComparableLine: Equatable {
        let number: Int, sku: String, quantity: Int, unitPrice: Int64, discount: Int64
    }

    static func comparable(_ line: IntakeOrder.Line) -> ComparableLine {
        ComparableLine(
            number: line.number, sku: line.sku, quantity: line.quantity, unitPrice: line.unitPrice.minorUnits, discount: line.discount.minorUnits)
    }

    func snapshot(of order: IntakeOrder, id: Int64, status: OrderStatus) -> OrderSnapshot {
        OrderSnapshot(
            order: id, platform: order.platform, shop: order.shop, externalId: order.externalID, revision: order.revision,
            status: status, currency: order.currency.code, pricesIncludeTax: order.pricesIncludeTax,
            lines: order.lines.map {
                OrderSnapshot.Line(
                    line: $0.number, sku: $0.sku, quantity: $0.quantity, unitPrice: $0.unitPrice, discount: $0.discount, total: $0.total)
            },
            shippingFee: order.shippingFee, total: order.total, paymentStatus: order.payment.status, customer: order.customer,
            shippingAddress: order.shippingAddress, shippingMethod: order.shippingMethod, placedAt: order.placedAt)
    }
}

/// An order neither created nor found: a transient race, retried.
struct IntakeRaceError: TransientFailure, CustomStringConvertible {
    var description: String { "the order was neither created nor found; retrying" }
}

extension HandlerContext {
    /// Publishes a status change under its own routing key (``OrderEvent/StatusChanged/routingKey``).
    func publish(statusChange event: OrderEvent.StatusChanged) async throws {
        _ = try await publish(event: event, routingKey: event.routingKey)
    }
}
