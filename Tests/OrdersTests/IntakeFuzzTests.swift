import Contracts
import Foundation
import Ingest
import Orders
import PropertyBased
import TestSupport
import Testing

/// Hostile bodies, generated: each one is read into an order within every bound, or refused
/// with a reason; nothing traps. (`erp-bench fuzz` runs many more cases.)
@Suite struct IntakeFuzzTests {
    struct PropertyFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// What must hold of one body; throws (with the body) when it does not.
    static func check(changes: [Int], structural: Int) throws {
        let body = HostileBodies.body(id: "FZ-1", changes: changes, structural: structural)
        let message = IngestMessage(
            exchange: "erp.ingest", routingKey: "platform.web.order.created", messageID: nil, signature: nil, shopHeader: nil, body: body)
        let shown = String(decoding: body.prefix(400), as: UTF8.self)
        do {
            let order = try IntakeReading.read(message, configuration: IngestConfiguration())
            let amounts = [order.total, order.merchandise, order.shippingFee] + order.lines.flatMap { [$0.unitPrice, $0.total, $0.discount] }
            guard amounts.allSatisfy({ (0...IntakeLimits.amountMinorUnits).contains($0.minorUnits) }) else {
                throw PropertyFailure(description: "an amount out of bounds was taken: \(shown)")
            }
            guard order.lines.allSatisfy({ (1...IntakeLimits.quantity).contains($0.quantity) }) else {
                throw PropertyFailure(description: "a quantity out of bounds was taken: \(shown)")
            }
            let texts = [order.platform, order.shop, order.externalID] + order.lines.map(\.sku)
            guard !texts.contains(where: { $0.unicodeScalars.contains("\u{0}") }) else {
                throw PropertyFailure(description: "a NUL character was taken: \(shown)")
            }
            // Finance computes VAT on every amount: it must not overflow either.
            for amount in amounts { _ = try amount.applying(basisPoints: 10_000) }
        } catch let rejection as IntakeRejection {
            guard !rejection.code.isEmpty, !rejection.reason.isEmpty else {
                throw PropertyFailure(description: "a rejection without a reason: \(shown)")
            }
        }
    }

    @Test func everyHostileBodyIsAnOrderWithinBoundsOrARejectionWithAReason() async {
        await propertyCheck(
            count: 400, input: Gen.int(in: 0..<HostileBodies.changeCount).array(of: 0...3), Gen.int(in: 0...HostileBodies.structuralChanges)
        ) { changes, structural in
            try Self.check(changes: changes, structural: structural)
        }
    }

    @Test func everySingleChangeAndEveryStructuralChangeIsCovered() throws {
        for change in 0..<HostileBodies.changeCount { try Self.check(changes: [change], structural: 0) }
        for structural in 0...HostileBodies.structuralChanges { try Self.check(changes: [], structural: structural) }
    }
}
