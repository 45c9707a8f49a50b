/// Reads a canonical order straight from a document that follows ``CanonicalOrderSchema``
/// (so every field has its type and every integer fits), without a second pass of a JSON
/// decoder over the body.
extension CanonicalOrder {
    public init(validated json: StrictJSON) throws(StrictJSONError) {
        func text(_ value: StrictJSON?, _ path: String) throws(StrictJSONError) -> String? {
            switch value {
            case nil, .null?: return nil
            case .string(let text)?: return text
            default: throw StrictJSONError(path: path, reason: "is not a string")
            }
        }
        func required(_ value: StrictJSON?, _ path: String) throws(StrictJSONError) -> String {
            guard let text = try text(value, path) else { throw StrictJSONError(path: path, reason: "is missing (required)") }
            return text
        }
        func integer(_ value: StrictJSON?, _ path: String) throws(StrictJSONError) -> Int? {
            switch value {
            case nil, .null?: return nil
            case .number(let literal)?:
                guard let number = Int(literal) else { throw StrictJSONError(path: path, reason: "\(literal) is out of range") }
                return number
            default: throw StrictJSONError(path: path, reason: "is not an integer")
            }
        }
        func flag(_ value: StrictJSON?) -> Bool? {
            if case .bool(let flag)? = value { return flag }
            return nil
        }
        var lines: [Line] = []
        if case .array(let items)? = json["lines"] {
            for (index, item) in items.enumerated() {
                let at = "lines[\(index)]"
                lines.append(
                    Line(
                        sku: try required(item["sku"], "\(at).sku"), quantity: try integer(item["quantity"], "\(at).quantity") ?? 0,
                        unitPrice: try required(item["unit_price"], "\(at).unit_price"), discount: try text(item["discount"], "\(at).discount"),
                        title: try text(item["title"], "\(at).title")))
            }
        }
        var customer: Customer?
        if let object = json["customer"], case .object = object {
            customer = Customer(
                externalId: try text(object["external_id"], "customer.external_id"), name: try text(object["name"], "customer.name"),
                email: try text(object["email"], "customer.email"), phone: try text(object["phone"], "customer.phone"))
        }
        var address: Address?
        if let object = json["shipping_address"], case .object = object {
            let at = "shipping_address"
            address = Address(
                name: try text(object["name"], "\(at).name"), phone: try text(object["phone"], "\(at).phone"),
                country: try required(object["country"], "\(at).country"), province: try text(object["province"], "\(at).province"),
                city: try text(object["city"], "\(at).city"), district: try text(object["district"], "\(at).district"),
                line1: try required(object["line1"], "\(at).line1"), line2: try text(object["line2"], "\(at).line2"),
                postalCode: try text(object["postal_code"], "\(at).postal_code"))
        }
        var payment: Payment?
        if let object = json["payment"], case .object = object {
            payment = Payment(
                status: try required(object["status"], "payment.status"), method: try text(object["method"], "payment.method"),
                amount: try text(object["amount"], "payment.amount"), paidAt: try text(object["paid_at"], "payment.paid_at"),
                transactionId: try text(object["transaction_id"], "payment.transaction_id"))
        }
        self.init(
            platform: try required(json["platform"], "platform"), shop: try required(json["shop"], "shop"),
            externalId: try required(json["external_id"], "external_id"), revision: try integer(json["revision"], "revision"),
            placedAt: try required(json["placed_at"], "placed_at"), currency: try required(json["currency"], "currency"),
            pricesIncludeTax: flag(json["prices_include_tax"]), customer: customer, shippingAddress: address, lines: lines,
            shippingFee: try text(json["shipping_fee"], "shipping_fee"), shippingMethod: try text(json["shipping_method"], "shipping_method"),
            payment: payment, note: try text(json["note"], "note"))
    }
}
