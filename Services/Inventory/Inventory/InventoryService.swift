import Contracts
import Messaging
import ServiceKit

/// The inventory service: warehouses, stock by lot, reservations, transfers, returns,
/// reorder rules, and purchasing (suppliers, purchase orders). It consumes
/// `inventory.commands` (every `inventory.*` and `purchasing.*` command on `erp.commands`);
/// the handlers for each command are in `Handlers/`. It tells the
/// platforms their stock levels on `erp.outbound` (``StockLevelPublisher``) and the other
/// services when a SKU comes into stock or goes out of it (``AvailabilityPublisher``).
public enum InventoryService {
    public static let name = "inventory"

    /// `commandsExchange` is `erp.commands` except in tests, which give each service its own.
    /// `receiptTolerancePercent`: how much more than an order line's quantity a receipt may
    /// bring in (`ERP_PURCHASING_TOLERANCE_PERCENT`).
    /// With `stockLevels`, the platforms are told their stock levels (``StockLevelPublisher``)
    /// on `outboundExchange` (`erp.outbound`; a test names its own); `onStockLevelRound` is
    /// called after each of its rounds (a test waits for rounds instead of for time). With
    /// `availabilityInterval`, SKUs coming into stock or going out of it are announced on the
    /// events exchange that often at most (``AvailabilityPublisher``).
    public static func definition(
        schema: String = "inventory", queue: String = "inventory.commands", commandsExchange: String = Exchanges.commands,
        stockLevels: StockLevelSettings? = nil, outboundExchange: String = Exchanges.outbound,
        onStockLevelRound: (@Sendable () -> Void)? = nil, availabilityInterval: Duration? = nil, receiptTolerancePercent: Int = 0
    ) -> ServiceDefinition {
        let handlers = InventoryHandlers(schema: schema, receiptTolerancePercent: receiptTolerancePercent)
        var registry = MessageHandlers()
        handlers.register(in: &registry)
        var definition = ServiceDefinition(
            name: name, schema: schema, defaultHTTPPort: 8092, migrations: InventoryMigrations.all,
            queues: [
                ServiceQueue(
                    name: queue,
                    bindings: [
                        QueueBinding(exchange: commandsExchange, routingKey: "inventory.#"),
                        QueueBinding(exchange: commandsExchange, routingKey: "purchasing.#"),
                    ])
            ],
            handlers: registry)
        if let stockLevels {
            // A test's own outbound exchange has queues named after the service's queue.
            let prefix = outboundExchange == Exchanges.outbound ? "" : "\(queue)."
            definition.topology = [
                { connection in
                    if outboundExchange != Exchanges.outbound { try await connection.declareExchange(outboundExchange, type: .topic, durable: false) }
                    try await Topology.declareOutbound(platforms: stockLevels.platforms, exchange: outboundExchange, prefix: prefix, on: connection)
                }
            ]
            definition.otherQueues = stockLevels.platforms.map { prefix + Topology.outboundQueue(platform: $0) }
            if outboundExchange != Exchanges.outbound { definition.otherExchanges = [outboundExchange] }
            definition.background = [
                { context in
                    StockLevelPublisher(
                        schema: schema, settings: stockLevels, exchange: outboundExchange, pool: context.pool, logger: context.logger,
                        onRound: onStockLevelRound)
                }
            ]
        }
        if let availabilityInterval {
            definition.background.append { context in
                AvailabilityPublisher(
                    schema: schema, interval: availabilityInterval, exchange: context.eventsExchange, pool: context.pool, logger: context.logger)
            }
        }
        return definition
    }
}

/// The inventory command handlers. Each validates its command (a refusal names the field
/// and the rule), changes stock through ``StockStore`` in the consumer's transaction,
/// publishes its events, applies the reorder rules to what it lowered, and returns the
/// result that the command's outcome carries.
struct InventoryHandlers: Sendable {
    let store: StockStore
    let reorder: ReorderStore
    let purchasing: PurchasingStore
    /// How much more than a purchase order line's quantity may be received, in percent.
    let receiptTolerancePercent: Int

    init(schema: String, receiptTolerancePercent: Int = 0) {
        store = StockStore(schema: schema)
        reorder = ReorderStore(schema: schema)
        purchasing = PurchasingStore(schema: schema)
        self.receiptTolerancePercent = receiptTolerancePercent
    }

    func register(in registry: inout MessageHandlers) {
        registry.command(InventoryCommand.AddWarehouse.self, addWarehouse)
        registry.command(InventoryCommand.Receive.self, receive)
        registry.command(InventoryCommand.Adjust.self, adjust)
        registry.command(InventoryCommand.Count.self, count)
        registry.command(InventoryCommand.Return.self, returnStock)
        registry.command(InventoryCommand.RecallLot.self, recallLot)
        registry.command(InventoryCommand.ReturnOrderStock.self, returnOrderStock)
        registry.command(InventoryCommand.SetReorderRule.self, setReorderRule)
        registry.command(InventoryCommand.Reserve.self, reserve)
        registry.command(InventoryCommand.Release.self, release)
        registry.command(InventoryCommand.CheckAvailability.self, checkAvailability)
        registry.command(InventoryCommand.Rereserve.self, rereserve)
        registry.command(InventoryCommand.Issue.self, issue)
        registry.command(InventoryCommand.MoveReservations.self, moveReservations)
        registry.command(InventoryCommand.StartTransfer.self, startTransfer)
        registry.command(InventoryCommand.ReceiveTransfer.self) { command, context in
            try await finishTransfer(command.transfer, received: true, context)
        }
        registry.command(InventoryCommand.CancelTransfer.self) { command, context in
            try await finishTransfer(command.transfer, received: false, context)
        }
        registerPurchasing(in: &registry)
    }

    // MARK: - Shared checks

    static func validation(_ reason: String) -> CommandRefused { CommandRefused("validation", reason) }

    static func require(_ value: String, _ field: String) throws {
        guard !value.trimmingCharacters(in: .whitespaces).isEmpty else { throw validation("\(field) is empty") }
        guard value.count <= 100 else { throw validation("\(field) is longer than 100 characters") }
    }

    static func requirePositive(_ quantity: Int, _ field: String = "quantity") throws {
        guard quantity > 0 else { throw validation("\(field) must be at least 1 (got \(quantity))") }
    }

    func requireWarehouse(_ code: String, _ context: HandlerContext) async throws {
        try Self.require(code, "warehouse")
        guard try await store.warehouseIsActive(code, in: context.transaction) else {
            throw CommandRefused("unknown-warehouse", "no active warehouse '\(code)'")
        }
    }

    func level(_ sku: String, _ warehouse: String, _ context: HandlerContext) async throws -> InventoryResult.Level {
        let level = try await store.level(sku: sku, warehouse: warehouse, in: context.transaction)
        return InventoryResult.Level(sku: sku, warehouse: warehouse, onHand: level.onHand, reserved: level.reserved, available: level.available)
    }

    /// Applies the reorder rules of the places whose available stock went down
    /// (`knownToHaveRules` when the caller already picked the places that have one).
    func applyReorderRules(
        _ places: [(sku: String, warehouse: String)], _ context: HandlerContext, knownToHaveRules: Bool = false
    ) async throws {
        let ruled = knownToHaveRules ? places : try await reorder.placesWithRules(places, in: context.transaction)
        for (sku, warehouse) in ruled {
            guard let raised = try await reorder.evaluate(sku: sku, warehouse: warehouse, in: context.transaction) else { continue }
            try await context.publish(event: raised.low)
            try await context.publish(event: raised.request)
            context.logger.info(
                "stock low; purchase requested",
                metadata: [
                    "sku": "\(sku)", "warehouse": "\(warehouse)", "request": "\(raised.request.request)", "quantity": "\(raised.request.quantity)",
                ])
        }
    }
}
