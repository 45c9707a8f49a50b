import Contracts
import Foundation
import Ingest
import Messaging
import Postgres

/// The CRM's intake from `erp.ingest` (queue `crm.ingest`): platforms' customers
/// (`platform.<platform>.customer.<created|updated>`), buyers' messages
/// (`platform.<platform>.customer.message`), customers' product views
/// (`platform.<platform>.customer.viewed`, for recommendations) and survey answers
/// (`platform.<platform>.survey.response`), read by ``CRMIngest``. A message that is not
/// taken is kept in the CRM's quarantine with its reason and announced with
/// `crm.ingest.rejected.v1`; nothing is lost and nothing is parked.
struct CRMIntake: Sendable {
    let handlers: CRMHandlers
    let quarantine: QuarantineStore
    let configuration: IngestConfiguration
    var store: CRMStore { handlers.store }

    /// The raw handler of `crm.ingest`.
    func handle(_ delivery: RawDelivery, _ context: HandlerContext) async throws {
        let message = IngestMessage(delivery)
        if let rejection = try await context.intakeRejection({ _ = try await take(message, context) }) {
            try await reject(message, rejection, context)
        }
    }

    /// Takes one message; returns the customer it was about.
    func take(_ message: IngestMessage, _ context: HandlerContext) async throws -> Int64 {
        switch try CRMIngest.kind(of: message.routingKey).kind {
        case .customer: return try await takeCustomer(message, context)
        case .buyerMessage: return try await takeBuyerMessage(message, context)
        case .view: return try await takeView(message, context)
        case .surveyResponse:
            let answer = try CRMIngest.surveyAnswer(message, configuration: configuration)
            do { return try await handlers.answerSurvey(answer, context).customer } catch let refused as CommandRefused {
                throw IntakeRejection(refused.code, refused.reason)
            }
        }
    }

    /// A platform's customer: linked to one person by its keys (profiles it links are
    /// merged), with its names, addresses, language, tags and marketing consent.
    func takeCustomer(_ message: IngestMessage, _ context: HandlerContext) async throws -> Int64 {
        let account = try CRMIngest.customer(message, configuration: configuration, defaultRegion: handlers.defaultRegion)
        try notInTheFuture(account.at, "the customer")
        let tx = context.transaction
        let customer = try await handlers.resolve(
            CRMStore.Sighting(
                keys: account.keys, names: [], addresses: account.addresses, at: account.at,
                source: "customer \(account.externalID) of \(account.platform)/\(account.shop)"), context)
        // The first name is the primary one: the others are seen a moment earlier.
        for (index, name) in account.names.enumerated() {
            try await store.record(name: name, address: nil, at: account.at - Double(index) / 1_000, of: customer, in: tx)
        }
        try await store.describe(customer, language: account.language, tags: account.tags, in: tx)
        // Only what changes is recorded (a repeat of the account states nothing new), on one timeline entry.
        let source = "platform \(account.platform)/\(account.shop)", actor = "intake:\(account.platform)"
        var stated: [String] = []
        for channel in MarketingChannel.allCases {
            guard let optedIn = account.consent[channel], try await !store.consentIs(optedIn, customer: customer, channel: channel, in: tx)
            else { continue }
            _ = try await store.setConsent(
                customer: customer, channel: channel, optedIn: optedIn, at: account.at, source: source, actor: actor, in: tx)
            stated.append("\(optedIn ? "opted in to" : "opted out of") \(channel.rawValue)")
        }
        if !stated.isEmpty {
            try await store.addToTimeline(
                customer: customer, at: account.at, kind: "consent", summary: "\(stated.joined(separator: ", ")) marketing (\(source))",
                actor: actor, message: context.envelope.id, in: tx)
        }
        try await context.publish(
            event: CRMEvent.PlatformCustomerTaken(customer: customer, platform: account.platform, shop: account.shop, externalId: account.externalID))
        return customer
    }

    /// A buyer's message: on the timeline of the customer the platform id names (once).
    func takeBuyerMessage(_ message: IngestMessage, _ context: HandlerContext) async throws -> Int64 {
        let buyer = try CRMIngest.buyerMessage(message, configuration: configuration)
        let tx = context.transaction
        guard let customer = try await store.customer(byKey: buyer.customerKey, in: tx) else {
            throw IntakeRejection(
                "unknown-customer",
                "no customer \(buyer.customerKey.value) is known yet (an order or a customer message names them first; then retry this one)")
        }
        var order: Int64?
        if let external = buyer.orderExternalID {
            order = try await store.order(platform: buyer.platform, shop: buyer.shop, externalID: external, of: customer, in: tx)
            guard order != nil else {
                throw IntakeRejection(
                    "unknown-order", "order \(external) of \(buyer.platform)/\(buyer.shop) is not one of customer \(customer)'s orders")
            }
        }
        try await store.addToTimeline(
            customer: customer, at: buyer.sentAt, kind: "contact", summary: buyer.text, order: order, channel: InteractionChannel.platform.rawValue,
            direction: InteractionDirection.inbound.rawValue, actor: "\(buyer.platform)/\(buyer.shop)", message: buyer.timelineID, in: tx)
        return customer
    }

    /// A customer's look at a SKU: counted for recommendations (a customer the CRM does not know
    /// yet is quarantined, as a buyer's message is: retry it once they are known).
    func takeView(_ message: IngestMessage, _ context: HandlerContext) async throws -> Int64 {
        let view = try CRMIngest.view(message, configuration: configuration)
        try notInTheFuture(view.at, "the view")
        guard let customer = try await store.customer(byKey: view.customerKey, in: context.transaction) else {
            throw IntakeRejection(
                "unknown-customer",
                "no customer \(view.customerKey.value) is known yet (an order or a customer message names them first; then retry this one)")
        }
        try await handlers.recommendations.recordView(customer: customer, sku: view.sku, at: view.at, in: context.transaction)
        return customer
    }

    /// A platform's clock may run a little ahead (five minutes); a date later than that is refused.
    func notInTheFuture(_ at: Date, _ what: String) throws(IntakeRejection) {
        guard at <= handlers.clock.now.addingTimeInterval(300) else {
            throw IntakeRejection("invalid", "\(what) is dated in the future (\(UTCTimestamp.string(from: at)))")
        }
    }

    /// Keeps a message that was not taken in the quarantine and announces it.
    func reject(_ message: IngestMessage, _ rejection: IntakeRejection, _ context: HandlerContext) async throws {
        let (id, isNew) = try await quarantine.keep(message, rejection: rejection, in: context.transaction)
        guard isNew else { return }  // delivered again: kept and announced the first time
        let routingKey = PrintableText.of(message.routingKey), reason = PrintableText.of(rejection.reason)
        context.logger.notice(
            "platform message quarantined",
            metadata: ["quarantine": "\(id)", "routing_key": "\(routingKey)", "code": "\(rejection.code)", "reason": "\(reason)"])
        try await context.publish(event: CRMEvent.IngestRejected(quarantine: id, routingKey: routingKey, code: rejection.code, reason: reason))
    }

    /// Runs a quarantined message through intake again; a second rejection updates its reason.
    func retry(_ command: CRMCommand.RetryQuarantined, _ context: HandlerContext) async throws -> CRMResult.Retried {
        switch try await quarantine.retry(command.quarantine, made: "customer", context, take: { try await take($0, context) }) {
        case .taken(let customer): return CRMResult.Retried(accepted: true, customer: customer, code: nil, reason: nil)
        case .rejectedAgain(let rejection):
            return CRMResult.Retried(accepted: false, customer: nil, code: rejection.code, reason: PrintableText.of(rejection.reason))
        }
    }
}
