import Contracts
import Messaging
import ServiceKit

/// The CRM service: one customer profile per person across every platform and shop,
/// their purchase history and the timeline of every contact. It consumes `crm.events`
/// (orders' and finance's events about orders) and `crm.commands` (every `crm.*` command).
/// The handlers are in `Handlers/`.
public enum CRMService {
    public static let name = "crm"

    public struct Settings: Sendable, Equatable {
        /// The region a phone number written without its country code is read in.
        public var defaultRegion: String
        /// Tickets' deadlines by priority.
        public var sla: TicketSLA

        public init(defaultRegion: String = "CN", sla: TicketSLA = .standard) { (self.defaultRegion, self.sla) = (defaultRegion, sla) }

        /// `ERP_CRM_DEFAULT_REGION` (an ISO 3166 code of a region whose numbers are known; default CN) and
        /// `ERP_CRM_SLA_<PRIORITY>` (``TicketSLA``).
        public init(environment: [String: String]) throws {
            do { sla = try TicketSLA(environment: environment) } catch {
                throw ConfigurationError(
                    variable: error.variable, value: error.value,
                    expected: "<first response>/<resolution>, each a number and m, h or d (30m/4h), the first no longer than the second")
            }
            let region = environment["ERP_CRM_DEFAULT_REGION"] ?? "CN"
            guard PhoneNumber.isKnownRegion(region) else {
                throw ConfigurationError(
                    variable: "ERP_CRM_DEFAULT_REGION", value: region,
                    expected: "one of \(PhoneNumber.regions.keys.sorted().joined(separator: ", "))")
            }
            defaultRegion = region
        }
    }

    /// `queuePrefix` names the queues `<prefix>.commands` and `<prefix>.events`; tests give
    /// each service its own prefix and exchanges.
    public static func definition(
        settings: Settings = Settings(), schema: String = "crm", queuePrefix: String = "crm",
        commandsExchange: String = Exchanges.commands, eventsExchange: String = Exchanges.events, clock: any DeadlineClock = SystemDeadlineClock()
    ) -> ServiceDefinition {
        let handlers = CRMHandlers(
            store: CRMStore(schema: schema), tickets: TicketStore(schema: schema), sla: settings.sla, clock: clock,
            defaultRegion: settings.defaultRegion, commandsExchange: commandsExchange)
        var registry = MessageHandlers()
        handlers.register(in: &registry)
        var definition = ServiceDefinition(
            name: name, schema: schema, defaultHTTPPort: 8096, migrations: CRMMigrations.all,
            queues: [
                ServiceQueue(name: "\(queuePrefix).commands", bindings: [QueueBinding(exchange: commandsExchange, routingKey: "crm.#")]),
                ServiceQueue(
                    name: "\(queuePrefix).events",
                    bindings: CRMHandlers.consumedEvents.map { QueueBinding(exchange: eventsExchange, routingKey: $0.rawValue) }),
            ],
            handlers: registry)
        definition.background = [
            { context in
                TicketTimer(schema: schema, clock: clock, eventsExchange: context.eventsExchange, pool: context.pool, logger: context.logger)
            }
        ]
        return definition
    }
}
