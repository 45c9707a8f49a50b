import Contracts
import Foundation

/// A platform order after validation: typed amounts, computed totals, a revision. What the
/// orders service stores. Built only by ``IntakeValidation``.
public struct IntakeOrder: Sendable, Equatable {
    public struct Line: Sendable, Equatable, Codable {
        public let number: Int
        public let sku: String
        public let title: String?
        public let quantity: Int
        public let unitPrice: Money
        public let discount: Money
        /// quantity × unit price − discount.
        public let total: Money
    }

    public enum PaymentStatus: String, Sendable, Codable {
        case pending, paid, refunded
    }

    public struct Payment: Sendable, Equatable, Codable {
        public let status: PaymentStatus
        public let method: String?
        public let amount: Money?
        public let paidAt: Date?
        public let transactionID: String?
    }

    public let platform: String
    public let shop: String
    public let externalID: String
    public let revision: Int64
    public let event: IngestRoutingKey.Event
    public let placedAt: Date
    public let currency: Currency
    public let pricesIncludeTax: Bool
    public let customer: CanonicalOrder.Customer?
    public let shippingAddress: CanonicalOrder.Address?
    public let shippingMethod: String?
    public let shippingFee: Money
    public let lines: [Line]
    public let payment: Payment
    public let note: String?

    /// Σ line totals.
    public var merchandise: Money { Money(minorUnits: lines.reduce(0) { $0 + $1.total.minorUnits }, currency: currency) }
    public var discountTotal: Money { Money(minorUnits: lines.reduce(0) { $0 + $1.discount.minorUnits }, currency: currency) }
    /// What the customer pays: line totals plus shipping.
    public var total: Money { Money(minorUnits: merchandise.minorUnits + shippingFee.minorUnits, currency: currency) }

    /// The state a new order starts in, before the SKU check.
    public var initialStatus: OrderStatus {
        switch (event, payment.status) {
        case (.cancelled, _): return .cancelled
        case (_, .paid): return .paid
        default: return .pendingPayment
        }
    }
}

/// Turns a canonical platform message into an ``IntakeOrder`` or says exactly what is
/// wrong with it. Pure.
public enum IntakeValidation {
    public static let maximumLines = 500

    public static func validate(_ order: CanonicalOrder, key: IngestRoutingKey) throws(IntakeRejection) -> IntakeOrder {
        func reject(_ reason: String) -> IntakeRejection { IntakeRejection("invalid", reason) }
        guard order.platform == key.platform else {
            throw IntakeRejection("platform-mismatch", "the body says platform '\(order.platform)', the routing key '\(key.platform)'")
        }
        guard !order.shop.isEmpty, order.shop.count <= 100 else { throw reject("shop must be 1 to 100 characters") }
        guard !order.externalId.isEmpty, order.externalId.count <= 100 else { throw reject("external_id must be 1 to 100 characters") }
        let revision = order.revision ?? 1
        guard revision >= 1 else { throw reject("revision must be at least 1 (got \(revision))") }
        guard let placedAt = ISODateTime.parse(order.placedAt) else {
            throw reject("placed_at '\(order.placedAt)' is not an ISO 8601 date-time such as 2026-11-28T10:15:00Z")
        }
        let currency: Currency
        do { currency = try Currency(code: order.currency) } catch { throw reject("\(error)") }
        func amount(_ text: String?, _ field: String) throws(IntakeRejection) -> Money {
            guard let text else { return .zero(currency) }
            let money: Money
            do { money = try Money(parsing: text, currency: currency) } catch { throw reject("\(field): \(error)") }
            guard !money.isNegative else { throw reject("\(field) '\(text)' is negative") }
            return money
        }
        guard !order.lines.isEmpty else { throw reject("an order needs at least one line") }
        guard order.lines.count <= maximumLines else { throw reject("\(order.lines.count) lines is more than \(maximumLines)") }
        var lines: [IntakeOrder.Line] = []
        for (index, line) in order.lines.enumerated() {
            let number = index + 1
            guard !line.sku.trimmingCharacters(in: .whitespaces).isEmpty else { throw reject("line \(number) has no sku") }
            guard line.quantity > 0 else { throw reject("line \(number) (\(line.sku)): quantity \(line.quantity) must be at least 1") }
            let unit = try amount(line.unitPrice, "line \(number) unit_price")
            let discount = try amount(line.discount, "line \(number) discount")
            let (gross, overflow) = unit.minorUnits.multipliedReportingOverflow(by: Int64(line.quantity))
            guard !overflow else { throw reject("line \(number): the amount is too large") }
            guard discount.minorUnits <= gross else {
                throw reject("line \(number) (\(line.sku)): discount \(discount.decimalString) is more than the line's \(Money(minorUnits: gross, currency: currency).decimalString)")
            }
            lines.append(IntakeOrder.Line(
                number: number, sku: line.sku, title: line.title, quantity: line.quantity, unitPrice: unit, discount: discount,
                total: Money(minorUnits: gross - discount.minorUnits, currency: currency)))
        }
        let shippingFee = try amount(order.shippingFee, "shipping_fee")
        if let address = order.shippingAddress {
            guard address.country.count == 2, address.country.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                throw reject("shipping_address.country '\(address.country)' is not an ISO 3166 code such as CN")
            }
            guard !address.line1.trimmingCharacters(in: .whitespaces).isEmpty else { throw reject("shipping_address.line1 is empty") }
        }
        let status: IntakeOrder.PaymentStatus
        switch order.payment?.status ?? "pending" {
        case "pending": status = .pending
        case "paid": status = .paid
        case "refunded": status = .refunded
        case let other: throw reject("payment.status '\(other)' is not pending, paid or refunded")
        }
        var paidAt: Date?
        if let text = order.payment?.paidAt {
            guard let date = ISODateTime.parse(text) else { throw reject("payment.paid_at '\(text)' is not an ISO 8601 date-time") }
            paidAt = date
        }
        let paymentAmount = try order.payment?.amount.map { text throws(IntakeRejection) in try amount(text, "payment.amount") }
        let intake = IntakeOrder(
            platform: order.platform, shop: order.shop, externalID: order.externalId, revision: Int64(revision), event: key.event,
            placedAt: placedAt, currency: currency, pricesIncludeTax: order.pricesIncludeTax ?? true, customer: order.customer,
            shippingAddress: order.shippingAddress, shippingMethod: order.shippingMethod, shippingFee: shippingFee, lines: lines,
            payment: IntakeOrder.Payment(
                status: status, method: order.payment?.method, amount: paymentAmount, paidAt: paidAt, transactionID: order.payment?.transactionId),
            note: order.note)
        if status == .paid {
            guard let paid = paymentAmount else { throw reject("a paid order needs payment.amount") }
            guard paid == intake.total else {
                throw IntakeRejection(
                    "amount-mismatch",
                    "payment.amount \(paid.decimalString) is not the order total \(intake.total.decimalString) (lines \(intake.merchandise.decimalString) + shipping \(shippingFee.decimalString))")
            }
        }
        return intake
    }
}
