import Contracts
import Foundation
import Logging
import Messaging
import Postgres
import SagaKit
import ServiceKit
import ServiceLifecycle

/// The saga coordinator: the only component that drives a workflow across services. It
/// starts sagas from events and from operators' requests (`saga.*` commands), sends their
/// commands (through the outbox, with `reply_to` = its reply key and the request id as
/// message id), advances them on replies and events, and fires their persisted deadlines.
/// The sagas are in `Sagas/`; ``Coordinator`` runs them.
public enum SagaService {
    public static let name = "saga"

    public struct Settings: Sendable {
        public var paymentTimeout: Duration
        /// How long a return waits for its goods before it is cancelled.
        public var returnGoodsTimeout: Duration
        /// How long an allocated order may wait for its shipments before it is flagged and
        /// announced late (`orders.order.ship_late.v1`); nothing is cancelled.
        public var shipBy: Duration
        /// How long fulfilment waits for a delivery scan before it takes the parcel as delivered.
        public var deliveryTimeout: Duration
        /// How long a new order is held for another of the same customer to the same address
        /// to merge with (zero: no automatic merging).
        public var mergeWindow: Duration
        public var backorders: Fulfilment.Backorders
        /// What of a backorder ships while the rest waits (`ERP_BACKORDER_PARTIAL`).
        public var backorderPartial: BackorderPartial = .wait
        public enum BackorderPartial: String, Sendable, CaseIterable {
            /// The order waits whole.
            case wait
            /// The part in stock is split off and ships; the rest is a child order that waits.
            case ship
        }
        public init(
            paymentTimeout: Duration = .seconds(1800), returnGoodsTimeout: Duration = .seconds(30 * 86_400), shipBy: Duration = .seconds(48 * 3600),
            deliveryTimeout: Duration = .seconds(30 * 86_400), mergeWindow: Duration = .zero, backorders: Fulfilment.Backorders = .hold
        ) {
            (self.paymentTimeout, self.returnGoodsTimeout, self.deliveryTimeout) = (paymentTimeout, returnGoodsTimeout, deliveryTimeout)
            self.shipBy = shipBy
            (self.mergeWindow, self.backorders) = (mergeWindow, backorders)
        }
        /// `ERP_SAGA_PAYMENT_TIMEOUT_SECONDS` (default 1800), `ERP_SAGA_RETURN_GOODS_DAYS` (default 30),
        /// `ERP_SHIP_BY_HOURS` (default 48), `ERP_SAGA_DELIVERY_DAYS` (default 30), `ERP_MERGE_WINDOW_SECONDS` (default 0: off), `ERP_SAGA_BACKORDERS`
        /// (`hold`, the default, or `cancel`), `ERP_BACKORDER_PARTIAL` (`wait`, the default, or `ship`).
        public init(environment: [String: String]) throws {
            let settings = EnvironmentReader(environment)
            let day = 86_400, year = 365
            self.init(
                paymentTimeout: .seconds(try settings.integer("ERP_SAGA_PAYMENT_TIMEOUT_SECONDS", default: 1800, in: 1...year * day)),
                returnGoodsTimeout: .seconds(try settings.integer("ERP_SAGA_RETURN_GOODS_DAYS", default: 30, in: 1...year) * day),
                shipBy: .seconds(try settings.integer("ERP_SHIP_BY_HOURS", default: 48, in: 1...year * 24) * 3600),
                deliveryTimeout: .seconds(try settings.integer("ERP_SAGA_DELIVERY_DAYS", default: 30, in: 1...year) * day),
                mergeWindow: .seconds(try settings.integer("ERP_MERGE_WINDOW_SECONDS", default: 0, in: 0...day)),
                backorders: try settings.choice("ERP_SAGA_BACKORDERS", default: Fulfilment.Backorders.hold))
            backorderPartial = try settings.choice("ERP_BACKORDER_PARTIAL", default: BackorderPartial.wait)
        }
    }

    public static func definition(
        schema: String = "saga", queuePrefix: String = "saga", settings: Settings = Settings(), replyKey: String = "saga.replies",
        eventsExchange: String = Exchanges.events, commandsExchange: String = Exchanges.commands, repliesExchange: String = Exchanges.replies,
        clock: any SagaClock = SystemSagaClock()
    ) -> ServiceDefinition {
        var coordinator = Coordinator(
            store: SagaStore(schema: schema),
            fulfilment: SagaEngine(
                Fulfilment.definition(
                    paymentTimeout: settings.paymentTimeout, shipBy: settings.shipBy, deliveryTimeout: settings.deliveryTimeout,
                    mergeWindow: settings.mergeWindow,
                    backorders: settings.backorders)),
            returns: SagaEngine(Return.definition(goodsTimeout: settings.returnGoodsTimeout)),
            exchange: SagaEngine(Exchange.definition(goodsTimeout: settings.returnGoodsTimeout)), mergeWindow: settings.mergeWindow,
            replyKey: replyKey,
            commandsExchange: commandsExchange, backorders: settings.backorders, partialBackorders: settings.backorderPartial == .ship)
        coordinator.clock = clock
        coordinator.eventsExchange = eventsExchange
        let timed = coordinator
        var registry = MessageHandlers()
        coordinator.register(in: &registry)
        var definition = ServiceDefinition(
            name: name, schema: schema, defaultHTTPPort: 8095, migrations: SagaMigrations.all,
            queues: [
                ServiceQueue(name: "\(queuePrefix).replies", bindings: [QueueBinding(exchange: repliesExchange, routingKey: replyKey)]),
                // Of the status changes, only those a saga waits for or stops at, and orders leaving on_hold.
                ServiceQueue(
                    name: "\(queuePrefix).events",
                    bindings: Coordinator.awaitedStatuses.sorted { $0.rawValue < $1.rawValue }.map {
                        QueueBinding(exchange: eventsExchange, routingKey: OrderEvent.StatusChanged.routingKey(to: $0))
                    } + [
                        QueueBinding(exchange: eventsExchange, routingKey: OrderEvent.Placed.type.rawValue),
                        QueueBinding(exchange: eventsExchange, routingKey: OrderEvent.StatusChanged.routingKey(from: .onHold)),
                        QueueBinding(exchange: eventsExchange, routingKey: OrderEvent.ReturnInspected.type.rawValue),
                        QueueBinding(exchange: eventsExchange, routingKey: CRMEvent.RepairDecided.type.rawValue),
                        QueueBinding(exchange: eventsExchange, routingKey: OrderEvent.ReturnRequested.type.rawValue),
                        QueueBinding(exchange: eventsExchange, routingKey: OrderEvent.Shipped.type.rawValue),
                        QueueBinding(exchange: eventsExchange, routingKey: OrderEvent.Changed.type.rawValue),
                        QueueBinding(exchange: eventsExchange, routingKey: OrderEvent.AmendmentRequested.type.rawValue),
                    ] + Coordinator.stockArrivals.map { QueueBinding(exchange: eventsExchange, routingKey: $0.rawValue) }),
                ServiceQueue(name: "\(queuePrefix).commands", bindings: [QueueBinding(exchange: commandsExchange, routingKey: "saga.#")]),
            ],
            handlers: registry)
        definition.background = [
            { context in SagaTimer(schema: schema, coordinator: timed, pool: context.pool, logger: context.logger) },
            { context in SagaGauges(schema: schema, pool: context.pool, logger: context.logger) },
        ]
        return definition
    }
}
