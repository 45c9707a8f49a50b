import Contracts
import Foundation
import SagaKit

/// A repair (a customer-service repair ticket): a return of kind `repair` (approved without
/// window or final-sale limits) → wait for the goods, inspected as any return → put them back
/// into stock → wait for the ticket's resolution (`crm.repair.decided.v1`) → repaired: the
/// same SKUs go back to the customer as a free replacement order (price 0, paid; its cost of
/// goods is a replacement expense in finance) and the return ends `repaired`; beyond repair:
/// the lines are refunded and the return completes as any other.
public enum Repair {
    public static let type = "repair"

    public struct Data: ReturnSagaData {
        public var order: Int64
        public var rma: String
        public var lines: [OrderCommand.ShipmentLine]
        public var kind: ReturnKind { .repair }
        public var reason: String
        public var ticket: Int64
        public var approved: OrderCommand.ReturnApproved?
        public var inspected: [OrderEvent.ReturnInspected.Item] = []
        public var outcome: RepairOutcome?
        public var replacement: OrderSnapshot?
        public var replacements: [ReplacementLine]? { nil }

        public init(order: Int64, rma: String, lines: [OrderCommand.ShipmentLine], ticket: Int64, reason: String) {
            (self.order, self.rma, self.lines, self.ticket, self.reason) = (order, rma, lines, ticket, reason)
        }
    }

    /// Under the order's keys, as a return's: its inspection and a cancellation reach it.
    public static func key(order: Int64, rma: String) -> String { "order:\(order):repair:\(rma)" }
    public static func rma(ticket: Int64) -> String { SagaRequest.StartRepair.rma(ticket: ticket) }

    public static func definition(goodsTimeout: Duration = .seconds(30 * 86_400), repairTimeout: Duration = .seconds(60 * 86_400))
        -> SagaDefinition<Data>
    {
        SagaDefinition(
            type: type,
            steps: ReturnSteps.goods(goodsTimeout: goodsTimeout) + [
                // Not decided in time: the saga stops for a person (the goods are in stock; nothing is undone).
                SagaStep(
                    "await repair", timeout: repairTimeout, forwardOnly: true, action: { _ in nil },
                    awaiting: .event(CRMEvent.RepairDecided.type),
                    matches: { data, body in (try? body.decode(CRMEvent.RepairDecided.self))?.ticket == data.ticket },
                    onSuccess: { data, body in data.outcome = try body?.decode(CRMEvent.RepairDecided.self).outcome }),
                ReturnSteps.refund(skip: { $0.outcome != .unrepairable || ($0.approved?.refund.isZero ?? true) }),
                SagaStep(
                    "send repaired goods", forwardOnly: true, skip: { $0.outcome != .repaired },
                    action: { try SagaCommand(OrderCommand.PlaceReplacement(order: $0.order, rma: $0.rma, kind: .repair, originalLines: $0.lines)) },
                    onSuccess: { data, result in data.replacement = try result?.decode(OrderSnapshot.self) }),
                SagaStep(
                    "close return", forwardOnly: true,
                    action: { try SagaCommand(OrderCommand.CompleteReturn(rma: $0.rma, repaired: $0.outcome == .repaired ? true : nil)) }),
            ])
    }
}
