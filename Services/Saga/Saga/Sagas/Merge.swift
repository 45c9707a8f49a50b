import Contracts
import Foundation
import SagaKit

/// Order merge: merge the orders into a new one (orders checks they may: same customer,
/// shop, address and currency, none allocated or shipped) → move their reservations to it
/// (inventory; all of them or none held anything) → move their invoices to it (finance:
/// theirs voided, one issued for the sum, what was paid carried over). A failure undoes
/// the moves, cancels the new order and restores the sources exactly. When it completes,
/// the coordinator stops the sources' fulfilments and starts the merged order's.
public enum Merge {
    public static let type = "merge"

    public struct Data: Codable, Sendable, Equatable {
        public var orders: [Int64]
        public var reason: String
        public var merged: OrderSnapshot?
        public var origins: [OrderCommand.LineOrigin] = []

        public init(orders: [Int64], reason: String) { (self.orders, self.reason) = (orders, reason) }

        var moves: InventoryCommand.MoveReservations {
            let quantities = Dictionary(uniqueKeysWithValues: (merged?.lines ?? []).map { ($0.line, $0.quantity) })
            return InventoryCommand.MoveReservations(
                moves: origins.map {
                    .init(
                        from: String($0.fromOrder), fromLine: $0.fromLine, to: String(merged?.order ?? 0), toLine: $0.line,
                        quantity: quantities[$0.line] ?? 0)
                })
        }

        var reinvoice: FinanceCommand.Reinvoice {
            FinanceCommand.Reinvoice(
                from: orders, to: merged.map { [$0] } ?? [],
                origins: origins.map { .init(order: merged?.order ?? 0, line: $0.line, fromOrder: $0.fromOrder, fromLine: $0.fromLine) },
                reason: "orders \(orders.map(String.init).joined(separator: ", ")) merged into \(merged?.order ?? 0): \(reason)")
        }
    }

    public static func key(orders: [Int64], request: UUID) -> String {
        "merge:\(orders.sorted().map(String.init).joined(separator: ",")):\(request.uuidString.lowercased())"
    }

    public static let definition = SagaDefinition<Data>(
        type: type,
        steps: [
            SagaStep(
                "merge orders", action: { try SagaCommand(OrderCommand.Merge(orders: $0.orders, reason: $0.reason)) },
                onSuccess: { data, result in
                    let merged = try result?.decode(OrderCommand.MergeResult.self)
                    (data.merged, data.origins) = (merged?.merged, merged?.origins ?? [])
                },
                compensation: { data in
                    try data.merged.map { try SagaCommand(OrderCommand.UndoMerge(order: $0.order, reason: "the merge could not be completed")) }
                }),
            SagaStep("move reservations", action: { try SagaCommand($0.moves) }, compensation: { try SagaCommand($0.moves.reversed) }),
            SagaStep("move invoices", retryWhen: FinanceCatchingUp.codes, action: { try SagaCommand($0.reinvoice) }),
        ])
}
