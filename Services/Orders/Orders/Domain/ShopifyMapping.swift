import Contracts
import Foundation
import Ingest

/// Maps Shopify's order JSON onto the canonical format (then validated like any other).
/// The revision is `updated_at` in milliseconds, so a later webhook wins; the shop is the
/// `x-shopify-shop-domain` header; `financial_status` paid (or partially refunded) makes
/// the order paid for its `total_price`; each line's `total_discount` is its discount; the
/// shipping lines' prices add up to the shipping fee. Pure.
public enum ShopifyMapping {
    public static func canonical(_ order: ShopifyOrder, shop: String) throws(IntakeRejection) -> CanonicalOrder {
        guard let revisionDate = ISODateTime.parse(order.updatedAt ?? order.createdAt) else {
            throw IntakeRejection("invalid", "updated_at '\(order.updatedAt ?? order.createdAt)' is not an ISO 8601 date-time")
        }
        var lines: [CanonicalOrder.Line] = []
        for (index, item) in order.lineItems.enumerated() {
            guard let sku = item.sku, !sku.isEmpty else {
                throw IntakeRejection("invalid", "line item \(index + 1) (\(item.title ?? "untitled")) has no sku")
            }
            lines.append(
                CanonicalOrder.Line(
                    sku: sku, quantity: item.quantity, unitPrice: item.price,
                    discount: item.totalDiscount.flatMap { $0 == "0.00" || $0 == "0" ? nil : $0 }, title: item.title))
        }
        let currency: Currency
        do { currency = try Currency(code: order.currency) } catch { throw IntakeRejection("invalid", "\(error)") }
        var shipping = Money.zero(currency)
        for line in order.shippingLines ?? [] {
            do { shipping = try shipping + Money(parsingUnsigned: line.price, currency: currency) } catch {
                throw IntakeRejection("invalid", "shipping line price '\(line.price)': \(error)")
            }
        }
        let paid = ["paid", "partially_refunded"].contains(order.financialStatus ?? "")
        let customerName = [order.customer?.firstName, order.customer?.lastName].compactMap { $0 }.joined(separator: " ")
        let address = order.shippingAddress.map { address in
            CanonicalOrder.Address(
                name: address.name ?? [address.firstName, address.lastName].compactMap { $0 }.joined(separator: " "), phone: address.phone,
                country: address.countryCode ?? "", province: address.province, city: address.city, line1: address.address1 ?? "",
                line2: address.address2, postalCode: address.zip)
        }
        return CanonicalOrder(
            platform: "shopify", shop: shop, externalId: String(order.id),
            revision: Int(revisionDate.timeIntervalSince1970 * 1000), placedAt: order.processedAt ?? order.createdAt,
            currency: order.currency, pricesIncludeTax: order.taxesIncluded ?? false,
            customer: CanonicalOrder.Customer(
                externalId: order.customer?.id.map(String.init), name: customerName.isEmpty ? nil : customerName,
                email: order.customer?.email ?? order.email, phone: order.customer?.phone ?? order.phone),
            shippingAddress: address, lines: lines,
            shippingFee: shipping.decimalString,
            shippingMethod: order.shippingLines?.first.flatMap { $0.code ?? $0.title },
            payment: paid
                ? CanonicalOrder.Payment(status: "paid", method: order.gateway, amount: order.totalPrice, paidAt: order.processedAt)
                : CanonicalOrder.Payment(status: order.financialStatus == "refunded" ? "refunded" : "pending", method: order.gateway),
            note: order.note)
    }
}
