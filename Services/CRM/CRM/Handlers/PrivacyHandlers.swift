import Contracts
import Foundation
import Messaging

/// Consent and forgetting: what a customer allows, and erasing what is held about them.
extension CRMHandlers {
    func setConsent(_ command: CRMCommand.SetConsent, _ context: HandlerContext) async throws -> CRMResult.ConsentRecorded {
        let actor = try CRMRules.actor(command.actor)
        let source = command.source.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !source.isEmpty, source.count <= 200 else {
            throw CommandRefused("source-required", "say where the customer said it (at most 200 characters): a form, a call, an unsubscribe link")
        }
        let at = command.at ?? context.envelope.occurredAt
        guard at <= clock.now.addingTimeInterval(300) else {
            throw CommandRefused("consent-in-future", "a consent cannot be dated in the future (\(UTCTimestamp.string(from: at)))")
        }
        guard at >= Date(timeIntervalSince1970: 946_684_800) else {
            throw CommandRefused("consent-too-old", "a consent dated before 2000 is a mistake (\(UTCTimestamp.string(from: at)))")
        }
        guard let customer = try await store.live(command.customer, in: context.transaction) else {
            throw CommandRefused("unknown-customer", "unknown customer \(command.customer)")
        }
        if try await store.isForgotten(customer, in: context.transaction) {
            throw CommandRefused("customer-forgotten", "customer \(customer) was forgotten")
        }
        let optedIn = try await store.setConsent(
            customer: customer, channel: command.channel, optedIn: command.optedIn, at: at, source: source, actor: actor, in: context.transaction)
        try await store.addToTimeline(
            customer: customer, at: at, kind: "consent",
            summary: "\(command.optedIn ? "opted in to" : "opted out of") \(command.channel.rawValue) marketing (\(source))", actor: actor,
            message: context.envelope.id, in: context.transaction)
        return CRMResult.ConsentRecorded(customer: customer, channel: command.channel, optedIn: optedIn)
    }

    /// Erases the person in the CRM and has the orders service erase them from their orders.
    func forgetCustomer(_ command: CRMCommand.ForgetCustomer, _ context: HandlerContext) async throws -> CRMResult.Forgotten {
        let actor = try CRMRules.actor(command.actor)
        let reason = command.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= 500 else {
            throw CommandRefused("reason-required", "say why (the request it answers), in at most 500 characters")
        }
        let forgotten = try await store.forget(command.customer, reason: reason, actor: actor, in: context.transaction)
        if !forgotten.orders.isEmpty {
            let erase = try context.envelope.reply(
                OrderCommand.ForgetCustomer(orders: forgotten.orders, pseudonym: forgotten.pseudonym), source: "crm")
            context.enqueue(erase, exchange: commandsExchange)
        }
        try await context.publish(
            event: CRMEvent.CustomerForgotten(customer: forgotten.customer, pseudonym: forgotten.pseudonym, orders: forgotten.orders))
        return CRMResult.Forgotten(customer: forgotten.customer, pseudonym: forgotten.pseudonym, orders: forgotten.orders)
    }
}
