import Contracts
import Foundation
import Ingest
import Messaging
import ServiceKit

/// The orders service. Queues:
/// - `orders.ingest`: platforms' orders and return requests (`platform.*.order.*`,
///   `platform.*.return.*`) from `erp.ingest`, taken by ``Intake`` (their customers,
///   buyers' messages and survey answers go to the CRM's `crm.ingest`);
/// - `orders.ingest.shipments`: warehouses' shipment confirmations (`warehouse.#`) and
///   carriers' tracking events (`carrier.#`) from `erp.ingest`, taken by ``Intake`` on a
///   consumer of their own (a flood of platform orders does not hold up the parcels);
/// - `orders.ingest.unrouted`: what `erp.ingest` could route to no queue (its alternate
///   exchange `erp.ingest.unrouted`), quarantined as `bad-routing-key`;
/// - `orders.events`: `catalog.sku.changed.v1`, copied into `orders.skus` (orders on hold
///   for an unknown SKU proceed when it appears), and `finance.payment.received.v1` (a
///   pending order becomes paid), and `finance.refund.recorded.v1` (told to the platform);
/// - `orders.commands`: every `orders.*` command.
///
/// It tells the platforms back on `erp.outbound` (``OutboundPublisher``) and declares their
/// queues `outbound.<platform>` (`ERP_OUTBOUND_PLATFORMS`).
public enum OrdersService {
    public static let name = "orders"

    /// Tests give each service its own exchanges; `queuePrefix` names the three queues.
    public static func definition(
        schema: String = "orders", queuePrefix: String = "orders", configuration: IngestConfiguration = IngestConfiguration(),
        returnPolicy: ReturnPolicy = ReturnPolicy(), outbound: OutboundConfiguration = OutboundConfiguration(),
        ingestExchange: String = Exchanges.ingest, unroutedExchange: String? = nil,
        eventsExchange: String = Exchanges.events, commandsExchange: String = Exchanges.commands, outboundExchange: String? = nil
    ) -> ServiceDefinition {
        // erp.outbound, except beside a test's own ingest exchange: then one of the test's own
        // (never the ingest exchange, whose platform bindings would read the messages back).
        let outboundExchange = outboundExchange ?? (ingestExchange == Exchanges.ingest ? Exchanges.outbound : "\(queuePrefix).outbound")
        let store = OrderStore(schema: schema)
        let handlers = OrderHandlers(
            intake: Intake(
                orders: store, quarantine: QuarantineStore(schema: schema), configuration: configuration,
                outbound: OutboundPublisher(exchange: outboundExchange, configuration: outbound, orders: store)),
            returnPolicy: returnPolicy)
        // The alternate exchange of the ingest exchange; by default erp.ingest's (a test with
        // an ingest exchange of its own names its own, or has none).
        let unrouted = unroutedExchange ?? (ingestExchange == Exchanges.ingest ? Exchanges.unrouted : nil)
        var registry = MessageHandlers()
        handlers.register(
            in: &registry, ingestQueues: ["\(queuePrefix).ingest", "\(queuePrefix).ingest.shipments"], unroutedQueue: "\(queuePrefix).ingest.unrouted"
        )
        var queues = [
            ServiceQueue(
                name: "\(queuePrefix).ingest",
                bindings: [
                    QueueBinding(exchange: ingestExchange, routingKey: "platform.*.order.*"),
                    QueueBinding(exchange: ingestExchange, routingKey: "platform.*.return.*"),
                ],
                // Until this version it took every platform message; the CRM takes the rest now.
                retiredBindings: [QueueBinding(exchange: ingestExchange, routingKey: "platform.#")]),
            ServiceQueue(
                name: "\(queuePrefix).ingest.shipments",
                bindings: [
                    QueueBinding(exchange: ingestExchange, routingKey: "warehouse.#"),
                    QueueBinding(exchange: ingestExchange, routingKey: "carrier.#"),
                ]),
            ServiceQueue(
                name: "\(queuePrefix).events",
                bindings: [
                    QueueBinding(exchange: eventsExchange, routingKey: CatalogEvent.SKUChanged.type.rawValue),
                    QueueBinding(exchange: eventsExchange, routingKey: FinanceEvent.PaymentReceived.type.rawValue),
                    QueueBinding(exchange: eventsExchange, routingKey: FinanceEvent.RefundRecorded.type.rawValue),
                ]),
            ServiceQueue(name: "\(queuePrefix).commands", bindings: [QueueBinding(exchange: commandsExchange, routingKey: "orders.#")]),
        ]
        if let unrouted {
            queues.append(ServiceQueue(name: "\(queuePrefix).ingest.unrouted", bindings: [QueueBinding(exchange: unrouted, routingKey: "#")]))
        }
        var definition = ServiceDefinition(
            name: name, schema: schema, defaultHTTPPort: 8093, migrations: OrdersMigrations.all, queues: queues,
            handlers: registry)
        // The platforms' outbound queues exist before anything is told to them.
        let platforms = outbound.platforms.sorted()
        let prefix = outboundExchange == Exchanges.outbound ? "" : "\(queuePrefix)."
        definition.topology = [
            { connection in
                if outboundExchange != Exchanges.outbound { try await connection.declareExchange(outboundExchange, type: .topic, durable: false) }
                try await Topology.declareOutbound(platforms: platforms, exchange: outboundExchange, prefix: prefix, on: connection)
            }
        ]
        definition.otherQueues = platforms.map { prefix + Topology.outboundQueue(platform: $0) }
        if outboundExchange != Exchanges.outbound { definition.otherExchanges = [outboundExchange] }
        return definition
    }
}

struct OrderHandlers: Sendable {
    let intake: Intake
    let returnPolicy: ReturnPolicy
    var orders: OrderStore { intake.orders }

    /// Where every message of the orders service is handled.
    func register(in registry: inout MessageHandlers, ingestQueues: [String], unroutedQueue: String) {
        // From outside: platform orders, returns, warehouse shipments and carrier tracking (Handlers/Intake.swift and beside it).
        for queue in ingestQueues { registry.raw(queue: queue) { delivery, context in try await intake.handle(delivery, context) } }
        registry.raw(queue: unroutedQueue) { delivery, context in try await intake.handleUnrouted(delivery, context) }
        registry.command(OrderCommand.RetryQuarantined.self, retry)
        // Commands on existing orders (Handlers/OrderCommandHandlers.swift, Shipments.swift).
        registry.command(OrderCommand.ChangeStatus.self, changeStatus)
        registry.command(OrderCommand.ChangeAddress.self, changeAddress)
        registry.command(OrderCommand.ChangeShippingMethod.self, changeShippingMethod)
        registry.command(OrderCommand.Allocate.self, allocate)
        registry.command(OrderCommand.Ship.self) { command, context in
            try await intake.recordShipment(command, actor: context.envelope.source, context)
        }
        registry.command(OrderCommand.ReportShipLate.self, reportShipLate)
        // Amendments of lines (Handlers/Amendments.swift).
        registry.command(OrderCommand.ChangeLine.self, changeLine)
        registry.command(OrderCommand.AddLine.self, addLine)
        registry.command(OrderCommand.ApplyAmendment.self, applyAmendment)
        registry.command(OrderCommand.RefuseAmendment.self, refuseAmendment)
        registry.command(OrderCommand.SettleAmendment.self, settleAmendment)
        // Split and merge (Handlers/SplitHandlers.swift, MergeHandlers.swift).
        registry.command(OrderCommand.Split.self, split)
        registry.command(OrderCommand.UndoSplit.self, undoSplit)
        registry.command(OrderCommand.Merge.self, merge)
        registry.command(OrderCommand.UndoMerge.self, undoMerge)
        // Returns and exchanges (Handlers/ReturnHandlers.swift).
        registry.command(OrderCommand.RequestReturn.self, requestReturn)
        registry.command(OrderCommand.InspectReturn.self, inspectReturn)
        registry.command(OrderCommand.CompleteReturn.self, completeReturn)
        registry.command(OrderCommand.CancelReturn.self, cancelReturn)
        registry.command(OrderCommand.PlaceReplacement.self, placeReplacement)
        // A person forgotten by the CRM; orders announced again for a service that came later (Handlers/Privacy.swift).
        registry.command(OrderCommand.ForgetCustomer.self, forgetCustomer)
        registry.command(OrderCommand.RepublishOrders.self, republishOrders)
        // Events of other services (here and Handlers/FinanceEventHandlers.swift).
        registry.on(CatalogEvent.SKUChanged.self, skuChanged)
        registry.on(FinanceEvent.PaymentReceived.self, paymentReceived)
        registry.on(FinanceEvent.RefundRecorded.self) { refund, context in try await intake.outbound.refunded(refund, context) }
    }

    /// Copies the SKU; orders that waited for it (and for nothing else) proceed.
    func skuChanged(_ sku: CatalogEvent.SKUChanged, _ context: HandlerContext) async throws {
        try await orders.upsertSKU(sku, in: context.transaction)
        guard sku.active else { return }
        for hold in try await orders.releasableHolds(sku: sku.code, in: context.transaction) {
            let snapshot = try await orders.snapshot(hold.id, in: context.transaction)
            try await intake.move(
                hold.id, from: .onHold, to: hold.heldFrom, reason: "every SKU is in the catalog now (\(sku.code) arrived)",
                actor: "catalog", snapshot.total, context)
        }
    }

    /// Runs a quarantined message through intake again; a second rejection updates its reason.
    func retry(_ command: OrderCommand.RetryQuarantined, _ context: HandlerContext) async throws -> OrderCommand.RetryResult {
        switch try await intake.quarantine.retry(command.quarantine, made: "order", context, take: { try await intake.take($0, context)?.order }) {
        case .taken(let order): return OrderCommand.RetryResult(accepted: true, order: order, code: nil, reason: nil)
        case .rejectedAgain(let rejection):
            return OrderCommand.RetryResult(accepted: false, order: nil, code: rejection.code, reason: PrintableText.of(rejection.reason))
        }
    }
}
