import Contracts
import Ingest
import Messaging
import ServiceKit

/// The CRM service: one customer profile per person across every platform and shop,
/// their purchase history and the timeline of every contact. It consumes `crm.events`
/// (orders' and finance's events about orders), `crm.commands` (every `crm.*` command),
/// `crm.notify` (every event a notification rule can name: Handlers/NotificationHandlers.swift; the
/// catalog's and inventory's events for recommendations: Handlers/RecommendationHandlers.swift) and
/// `crm.ingest` (platforms' customers, buyers' messages and survey answers from
/// `erp.ingest`: Handlers/IngestHandlers.swift). The handlers are in `Handlers/`.
public enum CRMService {
    public static let name = "crm"

    public struct Settings: Sendable, Equatable {
        /// The region a phone number written without its country code is read in.
        public var defaultRegion: String
        /// Tickets' deadlines by priority.
        public var sla: TicketSLA
        /// How long after delivery an order's satisfaction survey is sent.
        public var surveyDelay: Duration
        /// At most one survey per customer in this long.
        public var surveyCooldown: Duration
        /// The shop's currency (`ERP_CRM_CURRENCY`, default CNY): RFM's monetary value counts orders in it.
        public var currency: Currency = .cny
        /// Channels, team addresses and limits of notifications (``NotificationSettings``).
        public var notifications = NotificationSettings()

        public init(
            defaultRegion: String = "CN", sla: TicketSLA = .standard, surveyDelay: Duration = .seconds(72 * 3_600),
            surveyCooldown: Duration = .seconds(30 * 86_400)
        ) {
            (self.defaultRegion, self.sla, self.surveyDelay, self.surveyCooldown) = (defaultRegion, sla, surveyDelay, surveyCooldown)
        }

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
            func whole(_ variable: String, default fallback: Int, unit: Int, in range: ClosedRange<Int>) throws -> Duration {
                guard let text = environment[variable] else { return .seconds(fallback * unit) }
                guard let value = Int(text), range.contains(value) else {
                    throw ConfigurationError(
                        variable: variable, value: text, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
                }
                return .seconds(value * unit)
            }
            surveyDelay = try whole("ERP_CRM_SURVEY_DELAY_HOURS", default: 72, unit: 3_600, in: 0...8_760)
            surveyCooldown = try whole("ERP_CRM_SURVEY_COOLDOWN_DAYS", default: 30, unit: 86_400, in: 0...3_650)
            notifications = try NotificationSettings(environment: environment)
            if let code = environment["ERP_CRM_CURRENCY"] {
                guard let currency = try? Currency(code: code) else {
                    throw ConfigurationError(
                        variable: "ERP_CRM_CURRENCY", value: code, expected: "the ISO 4217 code of a currency this ERP knows, such as CNY")
                }
                self.currency = currency
            }
        }
    }

    /// `queuePrefix` names the queues `<prefix>.commands` and `<prefix>.events`; tests give
    /// each service its own prefix and exchanges.
    public static func definition(
        settings: Settings = Settings(), ingest: IngestConfiguration = IngestConfiguration(), schema: String = "crm", queuePrefix: String = "crm",
        commandsExchange: String = Exchanges.commands, eventsExchange: String = Exchanges.events, ingestExchange: String = Exchanges.ingest,
        clock: any DeadlineClock = SystemDeadlineClock()
    ) -> ServiceDefinition {
        let handlers = CRMHandlers(
            store: CRMStore(schema: schema), tickets: TicketStore(schema: schema), surveys: SurveyStore(schema: schema),
            segments: SegmentStore(schema: schema), recommendations: RecommendationStore(schema: schema), currency: settings.currency,
            sla: settings.sla,
            surveyDelay: settings.surveyDelay, clock: clock,
            defaultRegion: settings.defaultRegion, commandsExchange: commandsExchange)
        var registry = MessageHandlers()
        handlers.register(in: &registry)
        let intake = CRMIntake(handlers: handlers, quarantine: QuarantineStore(schema: schema, takenColumn: "customer_id"), configuration: ingest)
        registry.raw(queue: "\(queuePrefix).ingest", intake.handle)
        registry.command(CRMCommand.RetryQuarantined.self, intake.retry)
        // Notifications: made from events on <prefix>.notify (Handlers/NotificationHandlers.swift), sent by NotificationDispatcher.
        NotificationHandlers(store: NotificationStore(schema: schema)).register(in: &registry, queue: "\(queuePrefix).notify")
        // Recommendations: the catalog's and inventory's facts (Handlers/RecommendationHandlers.swift).
        RecommendationHandlers(store: handlers.recommendations).register(in: &registry)
        var definition = ServiceDefinition(
            name: name, schema: schema, defaultHTTPPort: 8096, migrations: CRMMigrations.all,
            queues: [
                ServiceQueue(name: "\(queuePrefix).commands", bindings: [QueueBinding(exchange: commandsExchange, routingKey: "crm.#")]),
                ServiceQueue(
                    name: "\(queuePrefix).events",
                    // `type.#`: some events go under a longer key (a status change under
                    // `orders.order.status_changed.v1.<from>.<to>`), which the bare type would miss.
                    bindings: (CRMHandlers.consumedEvents + RecommendationHandlers.consumedEvents).map {
                        QueueBinding(exchange: eventsExchange, routingKey: "\($0.rawValue).#")
                    }),
                ServiceQueue(
                    name: "\(queuePrefix).ingest",
                    bindings: [
                        QueueBinding(exchange: ingestExchange, routingKey: "platform.*.customer.*"),
                        QueueBinding(exchange: ingestExchange, routingKey: "platform.*.survey.*"),
                    ]),
                ServiceQueue(
                    name: "\(queuePrefix).notify",
                    bindings: NotificationEvents.types.map { QueueBinding(exchange: eventsExchange, routingKey: "\($0).#") }),
            ],
            handlers: registry)
        // Every statement of its handlers goes by key; planned anew each time, the identity
        // lookup cost more to plan than to run (erp-bench crm).
        definition.genericPlans = true
        definition.background = [
            { context in
                SegmentTimer(
                    schema: schema, currency: settings.currency, clock: clock, eventsExchange: context.eventsExchange, pool: context.pool,
                    logger: context.logger)
            },
            { context in
                NotificationDispatcher(schema: schema, settings: settings.notifications, pool: context.pool, logger: context.logger)
            },
            { context in
                TicketTimer(schema: schema, clock: clock, eventsExchange: context.eventsExchange, pool: context.pool, logger: context.logger)
            },
            { context in
                SurveyTimer(
                    schema: schema, cooldown: settings.surveyCooldown, clock: clock, eventsExchange: context.eventsExchange, pool: context.pool,
                    logger: context.logger)
            },
        ]
        return definition
    }
}
