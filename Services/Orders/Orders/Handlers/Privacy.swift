import Contracts
import Foundation
import Messaging

extension OrderHandlers {
    /// Erases a forgotten person's personal data from their orders (Store/OrderPrivacy.swift).
    func forgetCustomer(_ command: OrderCommand.ForgetCustomer, _ context: HandlerContext) async throws -> OrderCommand.Forgotten {
        let pseudonym = command.pseudonym.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !pseudonym.isEmpty, pseudonym.count <= 100 else {
            throw CommandRefused("pseudonym-required", "a forgotten customer's orders need a pseudonym of at most 100 characters")
        }
        guard !command.orders.isEmpty, command.orders.count <= 100_000 else {
            throw CommandRefused("orders-required", "name the orders to erase (1 to 100,000)")
        }
        let erased = try await orders.forget(orders: command.orders, pseudonym: pseudonym, in: context.transaction)
        return OrderCommand.Forgotten(orders: erased)
    }
}

extension OrderHandlers {
    /// Announces a page of existing orders again for services that came later (the CRM).
    func republishOrders(_ command: OrderCommand.RepublishOrders, _ context: HandlerContext) async throws -> OrderCommand.Republished {
        guard (1...1_000).contains(command.limit) else { throw CommandRefused("validation", "limit is 1 to 1,000 (\(command.limit) given)") }
        guard command.after >= 0 else { throw CommandRefused("validation", "after is an order id, 0 or more") }
        let ids = try await orders.ids(after: command.after, limit: command.limit, in: context.transaction)
        for id in ids {
            try await context.publish(event: OrderEvent.Republished(snapshot: try await orders.snapshot(id, in: context.transaction)))
        }
        return OrderCommand.Republished(count: ids.count, last: ids.last)
    }
}
