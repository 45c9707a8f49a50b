import Contracts
import Foundation
import SagaKit

/// A return (RMA): the orders service approves it (or refuses it: the return is rejected)
/// → wait for the goods to be received and inspected (refund-only returns skip; a return
/// whose goods do not come back in time is cancelled) → put them back into stock or into
/// quarantine (inventory) → refund the returned lines with a credit note that reverses
/// their VAT (finance; returns without refund skip) → close the return (the order becomes
/// `partially_returned` or `returned`; CRM gets `orders.return.completed.v1`).
public enum Return {
    public static let type = "return"

    public struct Data: ReturnSagaData {
        public var order: Int64
        public var rma: String
        public var lines: [OrderCommand.ShipmentLine]
        public var kind: ReturnKind
        public var reason: String
        public var approved: OrderCommand.ReturnApproved?
        public var inspected: [OrderEvent.ReturnInspected.Item] = []
        public var replacements: [ReplacementLine]? { nil }

        public init(order: Int64, rma: String, lines: [OrderCommand.ShipmentLine], kind: ReturnKind, reason: String) {
            (self.order, self.rma, self.lines, self.kind, self.reason) = (order, rma, lines, kind, reason)
        }
    }

    public static func key(order: Int64, rma: String) -> String { "order:\(order):return:\(rma)" }

    public static func definition(goodsTimeout: Duration = .seconds(30 * 86_400)) -> SagaDefinition<Data> {
        SagaDefinition(type: type, steps: ReturnSteps.goodsAndRefund(goodsTimeout: goodsTimeout) + [ReturnSteps.close()])
    }
}

/// What a return and an exchange have in common.
public protocol ReturnSagaData: Codable, Sendable, Equatable {
    var order: Int64 { get }
    var rma: String { get }
    var lines: [OrderCommand.ShipmentLine] { get }
    var kind: ReturnKind { get }
    var reason: String { get }
    var approved: OrderCommand.ReturnApproved? { get set }
    var inspected: [OrderEvent.ReturnInspected.Item] { get set }
    var replacements: [ReplacementLine]? { get }
}

/// The steps of a return, for the return and exchange sagas.
enum ReturnSteps {
    /// Approve → await the goods → restock → refund the returned lines.
    static func goodsAndRefund<D: ReturnSagaData>(goodsTimeout: Duration) -> [SagaStep<D>] {
        goods(goodsTimeout: goodsTimeout) + [refund(skip: { !$0.kind.refunds || ($0.approved?.refund.isZero ?? true) })]
    }

    /// Approve → await the goods → restock.
    static func goods<D: ReturnSagaData>(goodsTimeout: Duration) -> [SagaStep<D>] {
        [
            SagaStep(
                "approve return",
                action: {
                    try SagaCommand(
                        OrderCommand.RequestReturn(
                            order: $0.order, rma: $0.rma, lines: $0.lines, kind: $0.kind, reason: $0.reason, replacements: $0.replacements))
                },
                onSuccess: { data, result in data.approved = try result?.decode(OrderCommand.ReturnApproved.self) },
                compensation: { try SagaCommand(OrderCommand.CancelReturn(rma: $0.rma, reason: "the return could not be completed")) }),
            SagaStep(
                "await goods", timeout: goodsTimeout, skip: { !$0.kind.goodsComeBack }, action: { _ in nil },
                awaiting: .event(OrderEvent.ReturnInspected.type),
                matches: { data, body in (try? body.decode(OrderEvent.ReturnInspected.self))?.rma == data.rma },
                onSuccess: { data, body in data.inspected = try body?.decode(OrderEvent.ReturnInspected.self).items ?? [] }),
            // The goods are back (or, refund-only, nothing was to come): from here the return only goes forward.
            SagaStep(
                "restock", forwardOnly: true, retryWhen: ["not-issued"], skip: { !$0.kind.goodsComeBack },
                action: { data in
                    try SagaCommand(
                        InventoryCommand.ReturnOrderStock(
                            order: String(data.order), reference: data.rma,
                            items: data.inspected.map { .init(sku: $0.sku, quantity: $0.quantity, condition: $0.condition) }))
                }),
        ]
    }

    /// Refunds the returned lines (credit note reversing their VAT), unless `skip` says not.
    static func refund<D: ReturnSagaData>(skip: @escaping @Sendable (D) -> Bool) -> SagaStep<D> {
        SagaStep(
            "refund", forwardOnly: true, retryWhen: FinanceCatchingUp.codes, skip: skip,
            action: { data in
                guard let approved = data.approved else { return nil }
                return try SagaCommand(
                    FinanceCommand.RecordRefund(
                        order: data.order, amount: approved.refund, reason: "return \(data.rma): \(data.reason)", reference: data.rma,
                        lines: approved.lines.filter { !$0.refund.isZero }.map {
                            .init(line: $0.line, amount: $0.refund, quantity: data.kind.goodsComeBack ? $0.quantity : nil)
                        }))
            })
    }

    static func close<D: ReturnSagaData>() -> SagaStep<D> {
        SagaStep("close return", forwardOnly: true, action: { try SagaCommand(OrderCommand.CompleteReturn(rma: $0.rma)) })
    }
}
