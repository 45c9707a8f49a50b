import Contracts
import Messaging
import ServiceKit

/// The catalog service: products, SKUs and their variants, prices, barcodes, categories,
/// tags, images and translations. It consumes `catalog.commands` (every `catalog.*`
/// command) and `catalog.events` (inventory's issue events, which mark SKUs as sold).
/// The handlers are in `Handlers/`.
public enum CatalogService {
    public static let name = "catalog"

    /// `queuePrefix` names the queues `<prefix>.commands` and `<prefix>.events`; tests give
    /// each service its own prefix and exchanges.
    public static func definition(
        schema: String = "catalog", queuePrefix: String = "catalog", commandsExchange: String = Exchanges.commands,
        eventsExchange: String = Exchanges.events
    ) -> ServiceDefinition {
        let handlers = CatalogHandlers(store: CatalogStore(schema: schema))
        var registry = MessageHandlers()
        handlers.register(in: &registry)
        return ServiceDefinition(
            name: name, schema: schema, defaultHTTPPort: 8091, migrations: CatalogMigrations.all,
            queues: [
                ServiceQueue(name: "\(queuePrefix).commands", bindings: [QueueBinding(exchange: commandsExchange, routingKey: "catalog.#")]),
                ServiceQueue(
                    name: "\(queuePrefix).events",
                    bindings: [QueueBinding(exchange: eventsExchange, routingKey: InventoryEvent.Issued.type.rawValue)]),
            ],
            handlers: registry)
    }
}
