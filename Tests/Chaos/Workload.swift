import AMQP
import Analytics
import Contracts
import Foundation
import Messaging
import TestSupport

/// The soak's platforms and operators: new platform orders at a steady rate in both formats,
/// with later payments, address changes and cancellations; bad messages mixed in; stock
/// receipts and transfers. Every choice comes from the seed; every message goes through
/// the broker as the outside world sends it.
final class Workload: Sendable {
    let publisher: SoakPublisher
    let ledger: SoakLedger
    let settings: SoakSettings

    init(publisher: SoakPublisher, ledger: SoakLedger, settings: SoakSettings) {
        (self.publisher, self.ledger, self.settings) = (publisher, ledger, settings)
    }

    enum Action {
        case revise(PlatformMessages.Draft, revision: Int, event: String, paid: Bool, addressVersion: Int)
        case receiveTransfer(String)
    }

    /// Runs until `end`.
    func run(until end: ContinuousClock.Instant) async {
        var random = SplitMixRandom(seed: settings.seed)
        let start = ContinuousClock.now
        let half = start + (end - start) / 2
        var scheduled: [(due: ContinuousClock.Instant, action: Action)] = []
        var nextStock = start + .seconds(3), nextTransfer = start + .seconds(6)
        var index = 0, receipts = 0, transfers = 0
        while ContinuousClock.now < end {
            let due = start + .milliseconds(Int(Double(index) * 1000 / settings.rate))
            if due > ContinuousClock.now { try? await Task.sleep(until: due) }
            let now = ContinuousClock.now
            let ready = scheduled.filter { $0.due <= now }
            scheduled.removeAll { $0.due <= now }
            for (_, action) in ready { await perform(action) }
            index += 1
            for (delay, action) in await placeOrder(index, &random, neverPaidAllowed: now < half) {
                scheduled.append((now + delay, action))
            }
            if Double.random(in: 0..<1, using: &random) < 0.06 { await sendBad(index, &random) }
            if index % 97 == 0 { await sendMalformedCommand() }
            if now >= nextStock {
                receipts += 1
                nextStock = now + .seconds(5)
                await receive(receipts, &random)
            }
            if now >= nextTransfer {
                transfers += 1
                nextTransfer = now + .seconds(10)
                if let transfer = await startTransfer(transfers, &random) { scheduled.append((now + .seconds(3), .receiveTransfer(transfer))) }
            }
        }
        // What was promised is still sent: a payment due after the end is sent at the end.
        for (_, action) in scheduled { await perform(action) }
    }

    func perform(_ action: Action) async {
        switch action {
        case .revise(let draft, let revision, let event, let paid, let addressVersion):
            await sendPlatform(draft, revision: revision, event: event, paid: paid, addressVersion: addressVersion)
        case .receiveTransfer(let transfer):
            await sendCommand(InventoryCommand.ReceiveTransfer(transfer: transfer))
        }
    }

    /// Places order `index` (two for a merge) and returns its later revisions with their delays.
    func placeOrder(_ index: Int, _ random: inout SplitMixRandom, neverPaidAllowed: Bool) async -> [(Duration, Action)] {
        let roll = Double.random(in: 0..<1, using: &random)
        var intent: SoakLedger.Intent =
            switch roll {
            case ..<0.50: .paidAtOnce
            case ..<0.65: .paidLater
            case ..<0.72: .addressChangedThenPaid
            case ..<0.80: .cancelled
            case ..<0.84: .neverPaid
            case ..<0.90: .split
            default: .merged
            }
        if intent == .neverPaid && !neverPaidAllowed { intent = .paidLater }
        let webOnly = intent == .split || intent == .merged
        let platform = !webOnly && Double.random(in: 0..<1, using: &random) < 0.3 ? "shopify" : "web"
        let customer = Int.random(in: 1...60, using: &random)
        func draft(_ suffix: String, lines minimum: Int) -> PlatformMessages.Draft {
            let count = Int.random(in: minimum...3, using: &random)
            let skus = PlatformMessages.skus.shuffled(using: &random).prefix(count)
            return PlatformMessages.Draft(
                platform: platform, externalID: platform == "shopify" ? String(10_000_000 + index) : "S\(settings.seed)-\(index)\(suffix)",
                customer: customer, lines: skus.map { ($0.sku, Int.random(in: 1...3, using: &random), $0.price) },
                shippingFee: [0, 1_000, 1_200].randomElement(using: &random)!)
        }
        let after: SoakLedger.AfterCompletion? =
            intent == .paidAtOnce || intent == .paidLater
            ? {
                let r = Double.random(in: 0..<1, using: &random); return r < 0.06 ? .return : r < 0.10 ? .exchange : nil
            }() : nil
        let first = draft("", lines: intent == .split ? 2 : 1)
        let second = intent == .merged ? draft("M", lines: 1) : nil
        await ledger.plan(
            .init(
                key: first.key, platform: first.platform, shop: first.shop, externalID: first.externalID, intent: intent, after: after,
                lines: first.lines.count, mergeWith: second?.key))
        if let second {
            await ledger.plan(
                .init(
                    key: second.key, platform: second.platform, shop: second.shop, externalID: second.externalID, intent: intent, after: nil,
                    lines: second.lines.count))
        }
        let later = Duration.milliseconds(Int.random(in: 500...4_000, using: &random))
        var actions: [(Duration, Action)] = []
        for draft in [first] + (second.map { [$0] } ?? []) {
            await ledger.sentFirst(draft.key, at: Date())
            await sendPlatform(draft, revision: 1, event: "created", paid: intent == .paidAtOnce, addressVersion: 0)
            switch intent {
            case .paidLater: actions.append((later, .revise(draft, revision: 2, event: "paid", paid: true, addressVersion: 0)))
            case .cancelled: actions.append((later, .revise(draft, revision: 2, event: "cancelled", paid: false, addressVersion: 0)))
            case .addressChangedThenPaid:
                actions.append((later, .revise(draft, revision: 2, event: "updated", paid: false, addressVersion: 1)))
                actions.append((later * 2, .revise(draft, revision: 3, event: "paid", paid: true, addressVersion: 1)))
            case .paidAtOnce, .neverPaid, .split, .merged: break
            }
        }
        return actions
    }

    func sendPlatform(_ draft: PlatformMessages.Draft, revision: Int, event: String, paid: Bool, addressVersion: Int) async {
        let id = UUID.random().uuidString.lowercased()
        guard
            let message = try? PlatformMessages.message(
                draft, revision: revision, event: event, paid: paid, addressVersion: addressVersion, messageID: id)
        else { return }
        let (attempts, accepted) = await publisher.publish(message)
        await ledger.record(
            platformMessage: id, kind: "\(draft.platform) order \(event)", expectation: .order(draft.key), attempts: attempts, accepted: accepted)
    }

    /// A bad platform message: half hostile bodies (an order within every bound or a
    /// quarantine row), half messages that must be quarantined.
    func sendBad(_ index: Int, _ random: inout SplitMixRandom) async {
        let id = UUID.random().uuidString.lowercased()
        let externalID = "B\(settings.seed)-\(index)"
        if Bool.random(using: &random) {
            // Hostile bodies keep their platform, shop and external id (fields 0–2), so the order they may become is known.
            let cases = HostileBodies.cases(seed: random.next(), count: 8).filter { $0.changes.allSatisfy { $0 / HostileBodies.values.count > 2 } }
            guard let chosen = cases.first else { return }
            let message = AMQPMessage(
                exchange: Exchanges.ingest, routingKey: "platform.web.order.created",
                body: HostileBodies.body(id: externalID, changes: chosen.changes, structural: chosen.structural),
                properties: PlatformMessages.properties(messageID: id))
            let (attempts, accepted) = await publisher.publish(message)
            await ledger.record(
                platformMessage: id, kind: "hostile body", expectation: .orderOrQuarantine("web/main/\(externalID)"), attempts: attempts,
                accepted: accepted)
        } else {
            guard let (kind, message) = try? PlatformMessages.bad(Int(random.next() % 5), externalID: externalID, messageID: id) else { return }
            let (attempts, accepted) = await publisher.publish(message)
            await ledger.record(platformMessage: id, kind: kind, expectation: .quarantine, attempts: attempts, accepted: accepted)
        }
    }

    /// A command its service cannot read (a body that is not the command's JSON): it must be parked with its reason.
    func sendMalformedCommand() async {
        let id = UUID.random().uuidString.lowercased()
        let message = AMQPMessage(
            exchange: Exchanges.commands, routingKey: InventoryCommand.Receive.type.rawValue, body: Data(#"{"sku": 12, "warehouse": []}"#.utf8),
            properties: AMQPProperties(contentType: "application/json", persistent: true, messageID: id, type: InventoryCommand.Receive.type.rawValue)
        )
        let (_, accepted) = await publisher.publish(message)
        await ledger.record(badCommand: id, accepted: accepted)
    }

    func receive(_ number: Int, _ random: inout SplitMixRandom) async {
        let sku = PlatformMessages.skus.randomElement(using: &random)!.sku
        let warehouse = PlatformMessages.warehouses.randomElement(using: &random)!
        let reference = "SOAK-R-\(number)"
        let units = 50
        await ledger.record(receipt: reference, units: units)
        await sendCommand(
            InventoryCommand.Receive(
                sku: sku, warehouse: warehouse, lot: "SOAK-\(number)",
                expiry: sku == "TEA-OOLONG" ? try? BusinessDate(year: 2028, month: 6, day: 30) : nil,
                unitCost: Money(minorUnits: 1_500, currency: .cny), quantity: units, purchaseReference: reference))
    }

    func startTransfer(_ number: Int, _ random: inout SplitMixRandom) async -> String? {
        let sku = PlatformMessages.skus.randomElement(using: &random)!.sku
        let from = PlatformMessages.warehouses.randomElement(using: &random)!
        let to = PlatformMessages.warehouses.filter { $0 != from }.randomElement(using: &random)!
        let transfer = "SOAK-T-\(number)"
        await sendCommand(InventoryCommand.StartTransfer(transfer: transfer, sku: sku, from: from, to: to, quantity: 5))
        return transfer
    }

    func sendCommand<M: Message>(_ command: M) async {
        guard let (envelope, accepted) = try? await publisher.send(command) else { return }
        await ledger.record(command: envelope.id, type: envelope.type.rawValue, accepted: accepted)
    }
}
