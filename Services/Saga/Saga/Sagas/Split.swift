import Contracts
import Foundation
import SagaKit

/// Order split: split the order into children (orders) → move its reservation to them
/// (inventory; nothing if it held none) → move its invoice to them (finance: the parent's is
/// voided, each child's issued, what was paid carried over). A failure undoes the moves and
/// restores the parent exactly. When it completes, the coordinator stops the parent's
/// fulfilment and starts one for each child.
public enum Split {
    public static let type = "split"

    public struct Data: Codable, Sendable, Equatable {
        public var order: Int64
        public var parts: [[OrderCommand.ShipmentLine]]
        /// For a split by warehouse: the warehouse of each part.
        public var warehouses: [String]?
        public var reason: String
        public var children: [OrderSnapshot] = []
        public var reservations: [String: [InventoryResult.Reservation]] = [:]

        public init(order: Int64, parts: [[OrderCommand.ShipmentLine]], warehouses: [String]?, reason: String) {
            (self.order, self.parts, self.warehouses, self.reason) = (order, parts, warehouses, reason)
        }

        /// Parts that keep each warehouse's units together, from the order's reservations.
        public init(order: Int64, byWarehouse reservations: [InventoryResult.Reservation], reason: String) {
            let grouped = Dictionary(grouping: reservations, by: \.warehouse).sorted { $0.key < $1.key }
            self.init(
                order: order,
                parts: grouped.map { _, held in
                    Dictionary(grouping: held, by: \.line).sorted { $0.key < $1.key }.map { line, shares in
                        OrderCommand.ShipmentLine(line: line, quantity: shares.reduce(0) { $0 + $1.quantity })
                    }
                },
                warehouses: grouped.map(\.key), reason: reason)
        }

        /// Every child's units, taken from the parent's line of the same number (from the
        /// part's warehouse when splitting by warehouse).
        var moves: InventoryCommand.MoveReservations {
            InventoryCommand.MoveReservations(
                moves: children.enumerated().flatMap { index, child in
                    child.lines.map { line in
                        InventoryCommand.MoveReservations.Move(
                            from: String(order), fromLine: line.line, to: String(child.order), toLine: line.line, quantity: line.quantity,
                            warehouse: warehouses.flatMap { $0.indices.contains(index) ? $0[index] : nil })
                    }
                })
        }

        var reinvoice: FinanceCommand.Reinvoice {
            FinanceCommand.Reinvoice(
                from: [order], to: children,
                origins: children.flatMap { child in child.lines.map { .init(order: child.order, line: $0.line, fromOrder: order, fromLine: $0.line) }
                },
                reason: "order \(order) split into \(children.map { String($0.order) }.joined(separator: ", ")): \(reason)")
        }
    }

    public static func key(order: Int64) -> String { "order:\(order):split" }

    public static let definition = SagaDefinition<Data>(
        type: type,
        steps: [
            SagaStep(
                "split order", action: { try SagaCommand(OrderCommand.Split(order: $0.order, parts: $0.parts, reason: $0.reason)) },
                onSuccess: { data, result in data.children = try result?.decode(OrderCommand.SplitResult.self).children ?? [] },
                compensation: { try SagaCommand(OrderCommand.UndoSplit(order: $0.order, reason: "the split could not be completed")) }),
            SagaStep(
                "move reservation", action: { try SagaCommand($0.moves) },
                onSuccess: { data, result in data.reservations = try result?.decode(InventoryResult.Moved.self).reservations ?? [:] },
                compensation: { try SagaCommand($0.moves.reversed) }),
            SagaStep("move invoice", retryWhen: FinanceCatchingUp.codes, action: { try SagaCommand($0.reinvoice) }),
        ])
}
