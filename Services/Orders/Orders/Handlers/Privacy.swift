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
