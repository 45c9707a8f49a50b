import Contracts
import Foundation
import Messaging
import SagaKit

/// The operators' requests (`saga.*` on `erp.commands`): start a split, merge, return or
/// exchange, or retry a stuck saga. Each answers with the saga it started.
extension Coordinator {
    func registerRequests(in registry: inout MessageHandlers) {
        registry.command(SagaRequest.StartSplit.self, startSplit)
        registry.command(SagaRequest.StartReturn.self) { request, context in
            guard request.kind != .repair else {
                throw CommandRefused("validation", "a repair starts from a repair ticket (erpctl crm ticket open --kind repair)")
            }
            let (rma, reason) = try Self.returnRequest(request.order, request.lines, request.reason, context)
            let state = try await start(
                returns, Return.Data(order: request.order, rma: rma, lines: request.lines, kind: request.kind, reason: reason),
                key: Return.key(order: request.order, rma: rma), context)
            return SagaRequest.Started(saga: state.id, type: Return.type, status: state.status.rawValue)
        }
        registry.command(SagaRequest.StartExchange.self) { request, context in
            let (rma, reason) = try Self.returnRequest(request.order, request.lines, request.reason, context)
            guard !request.replacements.isEmpty else { throw CommandRefused("validation", "an exchange names at least one replacement") }
            let state = try await start(
                exchange, Exchange.Data(order: request.order, rma: rma, lines: request.lines, replacements: request.replacements, reason: reason),
                key: Exchange.key(order: request.order, rma: rma), context)
            return SagaRequest.Started(saga: state.id, type: Exchange.type, status: state.status.rawValue)
        }
        // Customer service (CRM tickets): a repair comes back and goes out again repaired (or is refunded); a re-send goes out again.
        registry.command(SagaRequest.StartRepair.self) { request, context in
            let (_, reason) = try Self.returnRequest(request.order, request.lines, request.reason, context)
            let rma = Repair.rma(ticket: request.ticket)
            let state = try await start(
                repairs, Repair.Data(order: request.order, rma: rma, lines: request.lines, ticket: request.ticket, reason: reason),
                key: Repair.key(order: request.order, rma: rma), context)
            return SagaRequest.Started(saga: state.id, type: Repair.type, status: state.status.rawValue)
        }
        registry.command(SagaRequest.StartResend.self) { request, context in
            let reason = request.reason.trimmingCharacters(in: .whitespaces)
            guard !reason.isEmpty else { throw CommandRefused("validation", "a re-send needs a reason") }
            guard !request.lines.isEmpty else { throw CommandRefused("validation", "a re-send names at least one line") }
            let state = try await start(
                resends, Resend.Data(order: request.order, lines: request.lines, ticket: request.ticket, reason: reason),
                key: Resend.key(order: request.order, ticket: request.ticket), context)
            return SagaRequest.Started(saga: state.id, type: Resend.type, status: state.status.rawValue)
        }
        registry.command(SagaRequest.StartMerge.self) { request, context in
            let reason = request.reason.trimmingCharacters(in: .whitespaces)
            guard !reason.isEmpty else { throw CommandRefused("validation", "a merge needs a reason") }
            guard Set(request.orders).count >= 2, Set(request.orders).count == request.orders.count else {
                throw CommandRefused("validation", "a merge takes at least two different orders")
            }
            let state = try await start(
                merge, Merge.Data(orders: request.orders, reason: reason), key: Merge.key(orders: request.orders, request: context.envelope.id),
                context)
            return SagaRequest.Started(saga: state.id, type: Merge.type, status: state.status.rawValue)
        }
        registry.command(SagaRequest.Retry.self) { request, context in
            guard let row = try await store.byID(request.saga, in: context.transaction) else {
                throw CommandRefused("unknown-saga", "no saga \(request.saga)")
            }
            guard row.status == "stuck" else {
                throw CommandRefused("not-stuck", "saga \(request.saga) is \(row.status); only a stuck saga is retried")
            }
            let status = try await advance(row, input: .retry, context)
            return SagaRequest.Started(saga: row.id, type: row.type, status: status)
        }
    }

    /// An operator's split: by the parts given, or by the warehouses the order's fulfilment reserved in.
    func startSplit(_ request: SagaRequest.StartSplit, _ context: HandlerContext) async throws -> SagaRequest.Started {
        let reason = request.reason.trimmingCharacters(in: .whitespaces)
        guard !reason.isEmpty else { throw CommandRefused("validation", "a split needs a reason") }
        let data: Split.Data
        if request.byWarehouse {
            guard request.parts.isEmpty else { throw CommandRefused("validation", "give parts or split by warehouse, not both") }
            let fulfilment = try await store.byKey(Fulfilment.key(order: request.order), in: context.transaction)
                .map { try MessageCoding.decoder().decode(SagaState<Fulfilment.Data>.self, from: $0.state) }
            if let fulfilment, fulfilment.status == .waiting, fulfilment.data.reservations.isEmpty {
                throw CommandRefused("busy", "order \(request.order) is not reserved yet; split it by warehouse once it is")
            }
            let reservations = fulfilment?.data.reservations ?? []
            let warehouses = Set(reservations.map(\.warehouse))
            guard warehouses.count >= 2 else {
                throw CommandRefused(
                    "one-warehouse",
                    "order \(request.order) is reserved in \(warehouses.isEmpty ? "no warehouse" : "one warehouse"): nothing to split by")
            }
            data = Split.Data(order: request.order, byWarehouse: reservations, reason: reason)
        } else {
            guard !request.parts.isEmpty else { throw CommandRefused("validation", "give the parts (lines and quantities) or split by warehouse") }
            data = Split.Data(order: request.order, parts: request.parts, warehouses: nil, reason: reason)
        }
        let key = "\(Split.key(order: request.order)):\(context.envelope.id.uuidString.lowercased())"
        let state = try await start(split, data, key: key, context)
        return SagaRequest.Started(saga: state.id, type: Split.type, status: state.status.rawValue)
    }

    /// A return's RMA number (from the request's message id) and its trimmed reason.
    static func returnRequest(
        _ order: Int64, _ lines: [OrderCommand.ShipmentLine], _ reason: String, _ context: HandlerContext
    ) throws -> (rma: String, reason: String) {
        let reason = reason.trimmingCharacters(in: .whitespaces)
        guard !reason.isEmpty else { throw CommandRefused("validation", "a return needs a reason") }
        guard !lines.isEmpty else { throw CommandRefused("validation", "a return names at least one line") }
        return ("RMA-\(order)-\(context.envelope.id.uuidString.prefix(8))", reason)
    }
}
