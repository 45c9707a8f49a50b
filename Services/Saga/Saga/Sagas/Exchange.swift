import Contracts
import Foundation
import SagaKit

/// An exchange: a return (approved with its replacements checked → goods back → restock →
/// refund of the returned lines) → place the replacement order (it gets its own fulfilment:
/// reserved, then shipped as a new shipment once paid) → make sure it is invoiced → pay it
/// from the refund (the
/// smaller of the two: a dearer replacement leaves the difference owing on its invoice, a
/// cheaper one leaves the difference refunded) → close the return.
public enum Exchange {
    public static let type = "exchange"

    public struct Data: ReturnSagaData {
        public var order: Int64
        public var rma: String
        public var lines: [OrderCommand.ShipmentLine]
        public var kind: ReturnKind { .return }
        public var reason: String
        public var approved: OrderCommand.ReturnApproved?
        public var inspected: [OrderEvent.ReturnInspected.Item] = []
        public var replacementLines: [ReplacementLine]
        public var replacement: OrderSnapshot?
        public var replacements: [ReplacementLine]? { replacementLines }

        public init(order: Int64, rma: String, lines: [OrderCommand.ShipmentLine], replacements: [ReplacementLine], reason: String) {
            (self.order, self.rma, self.lines, self.replacementLines, self.reason) = (order, rma, lines, replacements, reason)
        }

        /// What the refund pays of the replacement.
        var credit: Money? {
            guard let refund = approved?.refund, let total = replacement?.total else { return nil }
            return Money(minorUnits: min(refund.minorUnits, total.minorUnits), currency: total.currency)
        }
    }

    public static func key(order: Int64, rma: String) -> String { "order:\(order):exchange:\(rma)" }

    public static func definition(goodsTimeout: Duration = .seconds(30 * 86_400)) -> SagaDefinition<Data> {
        SagaDefinition(
            type: type,
            steps: ReturnSteps.goodsAndRefund(goodsTimeout: goodsTimeout) + [
                SagaStep(
                    "place replacement", forwardOnly: true,
                    action: { try SagaCommand(OrderCommand.PlaceReplacement(order: $0.order, rma: $0.rma, lines: $0.replacementLines)) },
                    onSuccess: { data, result in data.replacement = try result?.decode(OrderSnapshot.self) }),
                // Finance also invoices it when it sees it placed; the payment must not come first.
                SagaStep(
                    "invoice replacement", forwardOnly: true, retryWhen: FinanceCatchingUp.codes,
                    action: { data in try data.replacement.map { try SagaCommand(FinanceCommand.InvoiceOrder(order: $0)) } }),
                SagaStep(
                    "pay replacement", forwardOnly: true, skip: { ($0.credit?.isZero ?? true) },
                    action: { data in
                        guard let credit = data.credit, let replacement = data.replacement else { return nil }
                        return try SagaCommand(
                            FinanceCommand.RecordPayment(
                                order: replacement.order, amount: credit, method: "exchange", reference: "\(data.rma)-credit"))
                    }),
                ReturnSteps.close(),
            ])
    }
}
