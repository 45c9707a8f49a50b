import Contracts
import Foundation
import Ingest

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

    public typealias PaymentStatus = Contracts.PaymentStatus

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
    public let merchandise: Money
    public let discountTotal: Money
    /// What the customer pays: line totals plus shipping.
    public let total: Money

    /// The state a new order starts in, before the SKU check.
    public var initialStatus: OrderStatus {
        switch (event, payment.status) {
        case (.cancelled, _): return .cancelled
        case (_, .paid): return .paid
        default: return .pendingPayment
        }
    }
}

/// The largest values intake takes, so that nothing computed from an order (line totals,
/// order totals, tax in basis points, sums over merged orders) can overflow.
public enum IntakeLimits {
    /// Lines in one order.
    public static let lines = 500
    /// Units on one line.
    public static let quantity = 1_000_000
    /// Any one amount (a unit price, a discount, the shipping fee, a line total, the order
    /// total): 10^12 minor units, 10,000,000,000.00 CNY.
    public static let amountMinorUnits: Int64 = 1_000_000_000_000
    /// Characters (code points) of any text field; shop, external id and SKU: 100.
    public static let textLength = 4_000
}

/// Turns a canonical platform message into an ``IntakeOrder`` or says exactly what is
/// wrong with it. Pure.
public enum IntakeValidation {

    public static func validate(_ order: CanonicalOrder, key: IngestRoutingKey) throws(IntakeRejection) -> IntakeOrder {
        func reject(_ reason: String) -> IntakeRejection { IntakeRejection("invalid", reason) }
        guard order.platform == key.platform else {
            throw IntakeRejection("platform-mismatch", "the body says platform '\(order.platform)', the routing key '\(key.platform)'")
        }
        for (field, text) in order.textFields {
            if text.unicodeScalars.contains("\u{0}") { throw reject("\(field) contains a NUL character (U+0000), which no text field may hold") }
            let most = field == "shop" || field == "external_id" || field.hasSuffix(".sku") ? 100 : IntakeLimits.textLength
            if text.unicodeScalars.count > most {
                throw reject("\(field) is \(text.unicodeScalars.count) characters long, at most \(most) are taken")
            }
        }
        guard !order.shop.isEmpty else { throw reject("shop must be 1 to 100 characters") }
        guard !order.externalId.isEmpty else { throw reject("external_id must be 1 to 100 characters") }
        let revision = order.revision ?? 1
        guard revision >= 1 else { throw reject("revision must be at least 1 (got \(revision))") }
        guard let placedAt = ISODateTime.parse(order.placedAt) else {
            throw reject("placed_at '\(order.placedAt)' is not an ISO 8601 date-time of a day that exists, such as 2026-11-28T10:15:00Z")
        }
        let currency: Currency
        do { currency = try Currency(code: order.currency) } catch { throw reject("\(error)") }
        func bounded(_ money: Money, _ field: String) throws(IntakeRejection) -> Money {
            guard money.minorUnits <= IntakeLimits.amountMinorUnits else {
                throw reject(
                    "\(field) \(money.decimalString) is out of range: at most \(Money(minorUnits: IntakeLimits.amountMinorUnits, currency: currency).decimalString) is taken"
                )
            }
            return money
        }
        func amount(_ text: String?, _ field: String) throws(IntakeRejection) -> Money {
            guard let text else { return .zero(currency) }
            let money: Money
            do { money = try Money(parsingUnsigned: text, currency: currency) } catch MoneyError.overflow {
                throw reject(
                    "\(field) '\(text)' is out of range: at most \(Money(minorUnits: IntakeLimits.amountMinorUnits, currency: currency).decimalString) is taken"
                )
            } catch { throw reject("\(field): \(error)") }
            return try bounded(money, field)
        }
        guard !order.lines.isEmpty else { throw reject("an order needs at least one line") }
        guard order.lines.count <= IntakeLimits.lines else { throw reject("\(order.lines.count) lines is more than \(IntakeLimits.lines)") }
        var lines: [IntakeOrder.Line] = []
        for (index, line) in order.lines.enumerated() {
            let number = index + 1
            guard !line.sku.trimmingCharacters(in: .whitespaces).isEmpty else { throw reject("line \(number) has no sku") }
            guard line.quantity > 0 else { throw reject("line \(number) (\(line.sku)): quantity \(line.quantity) must be at least 1") }
            guard line.quantity <= IntakeLimits.quantity else {
                throw reject("line \(number) (\(line.sku)): quantity \(line.quantity) is out of range: at most \(IntakeLimits.quantity) units a line")
            }
            let unit = try amount(line.unitPrice, "line \(number) unit_price")
            let discount = try amount(line.discount, "line \(number) discount")
            let gross: Money
            do { gross = try bounded(try unit.times(line.quantity), "line \(number) (\(line.sku)) amount") } catch let rejection as IntakeRejection {
                throw rejection
            } catch {
                throw reject("line \(number) (\(line.sku)) amount is out of range")
            }
            guard discount.minorUnits <= gross.minorUnits else {
                throw reject("line \(number) (\(line.sku)): discount \(discount.decimalString) is more than the line's \(gross.decimalString)")
            }
            lines.append(
                IntakeOrder.Line(
                    number: number, sku: line.sku, title: line.title, quantity: line.quantity, unitPrice: unit, discount: discount,
                    total: Money(minorUnits: gross.minorUnits - discount.minorUnits, currency: currency)))
        }
        let shippingFee = try amount(order.shippingFee, "shipping_fee")
        let merchandise: Money, discountTotal: Money, total: Money
        do {
            merchandise = try bounded(try Money.sum(lines.map(\.total), currency: currency), "the lines' total")
            discountTotal = try Money.sum(lines.map(\.discount), currency: currency)
            total = try bounded(try merchandise + shippingFee, "the order total")
        } catch let rejection as IntakeRejection {
            throw rejection
        } catch {
            throw reject(
                "the order total is out of range: at most \(Money(minorUnits: IntakeLimits.amountMinorUnits, currency: currency).decimalString) is taken"
            )
        }
        if let address = order.shippingAddress {
            guard ISO3166.isAssigned(address.country) else {
                throw reject("shipping_address.country '\(address.country)' is not an ISO 3166-1 alpha-2 country code such as CN")
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
            guard let date = ISODateTime.parse(text) else {
                throw reject("payment.paid_at '\(text)' is not an ISO 8601 date-time of a day that exists, such as 2026-11-28T10:15:00Z")
            }
            paidAt = date
        }
        let paymentAmount = try order.payment?.amount.map { text throws(IntakeRejection) in try amount(text, "payment.amount") }
        let intake = IntakeOrder(
            platform: order.platform, shop: order.shop, externalID: order.externalId, revision: Int64(revision), event: key.event,
            placedAt: placedAt, currency: currency, pricesIncludeTax: order.pricesIncludeTax ?? true, customer: order.customer,
            shippingAddress: order.shippingAddress, shippingMethod: order.shippingMethod, shippingFee: shippingFee, lines: lines,
            payment: IntakeOrder.Payment(
                status: status, method: order.payment?.method, amount: paymentAmount, paidAt: paidAt, transactionID: order.payment?.transactionId),
            note: order.note, merchandise: merchandise, discountTotal: discountTotal, total: total)
        if status == .paid {
            guard let paid = paymentAmount else { throw reject("a paid order needs payment.amount") }
            guard paid == intake.total else {
                throw IntakeRejection(
                    "amount-mismatch",
                    "payment.amount \(paid.decimalString) is not the order total \(intake.total.decimalString) (lines \(intake.merchandise.decimalString) + shipping \(shippingFee.decimalString))"
                )
            }
        }
        return intake
    }
}

extension CanonicalOrder {
    /// Every text field with its name as the schema writes it, for checks that apply to all of them.
    var textFields: [(String, String)] {
        var fields: [(String, String?)] = [
            ("platform", platform), ("shop", shop), ("external_id", externalId), ("placed_at", placedAt), ("currency", currency),
            ("shipping_fee", shippingFee), ("shipping_method", shippingMethod), ("note", note),
            ("customer.external_id", customer?.externalId), ("customer.name", customer?.name), ("customer.email", customer?.email),
            ("customer.phone", customer?.phone),
            ("payment.status", payment?.status), ("payment.method", payment?.method), ("payment.amount", payment?.amount),
            ("payment.paid_at", payment?.paidAt), ("payment.transaction_id", payment?.transactionId),
        ]
        if let address = shippingAddress {
            fields += [
                ("shipping_address.name", address.name), ("shipping_address.phone", address.phone), ("shipping_address.country", address.country),
                ("shipping_address.province", address.province), ("shipping_address.city", address.city),
                ("shipping_address.district", address.district), ("shipping_address.line1", address.line1),
                ("shipping_address.line2", address.line2), ("shipping_address.postal_code", address.postalCode),
            ]
        }
        for (index, line) in lines.enumerated() {
            fields += [
                ("lines[\(index)].sku", line.sku), ("lines[\(index)].title", line.title), ("lines[\(index)].unit_price", line.unitPrice),
                ("lines[\(index)].discount", line.discount),
            ]
        }
        return fields.compactMap { name, value in value.map { (name, $0) } }
    }
}
