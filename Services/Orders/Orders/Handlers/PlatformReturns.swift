import Contracts
import Foundation
import Ingest
import Messaging
import Postgres

/// Return requests from platforms (`platform.<platform>.return.requested` on `erp.ingest`):
/// checked like orders (registered platform, signature, JSON), matched to the order and its
/// lines by SKU, and handed to the saga coordinator as `orders.return.requested.v1`. What
/// cannot be taken is quarantined with its reason, as an order would be.
extension Intake {
    func takeReturn(_ message: IngestMessage, _ context: HandlerContext) async throws {
        let (platform, request, kind) = try PlatformReturn.read(message, configuration: configuration)
        guard let order = try await orders.lock(platform: platform, shop: request.shop, externalID: request.externalId, in: context.transaction)
        else {
            throw IntakeRejection("unknown-order", "no order \(request.externalId) of \(platform)/\(request.shop)")
        }
        // Units of a SKU come from its lines in line order.
        var left = Dictionary(grouping: order.lines, by: \.sku).mapValues { $0.sorted { $0.number < $1.number }.map { ($0.number, $0.quantity) } }
        var lines: [Int: Int] = [:]
        for wanted in request.lines {
            var units = wanted.quantity
            for (index, line) in (left[wanted.sku] ?? []).enumerated() where units > 0 && line.1 > 0 {
                let taken = min(units, line.1)
                lines[line.0, default: 0] += taken
                left[wanted.sku]![index].1 -= taken
                units -= taken
            }
            guard units == 0 else {
                throw IntakeRejection(
                    "unknown-line", "order \(request.externalId) has \(wanted.quantity - units) units of \(wanted.sku), not \(wanted.quantity)")
            }
        }
        try await context.publish(
            event: OrderEvent.ReturnRequested(
                order: order.id, rma: "RMA-\(platform)-\(request.returnId)",
                lines: lines.sorted { $0.key < $1.key }.map { .init(line: $0.key, quantity: $0.value) }, kind: kind,
                reason: request.reason.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 } ?? "requested on \(platform)"
            ))
    }
}
