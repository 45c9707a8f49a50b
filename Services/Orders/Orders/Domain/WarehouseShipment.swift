import Contracts
import Foundation
import Ingest

/// A warehouse's shipment confirmation (`warehouse.<warehouse>.shipment.confirmed` on
/// `erp.ingest`), read and checked without the database: the routing key, the warehouse's
/// signature (when `ERP_INGEST_SECRET_WAREHOUSE_<WAREHOUSE>` is set), strict JSON and
/// `warehouse-shipment.schema.json`. What the order allows is checked when it is recorded.
public struct WarehouseShipment: Sendable, Equatable {
    /// How the message names the order.
    public enum OrderReference: Sendable, Equatable, CustomStringConvertible {
        case id(Int64)
        case external(platform: String, shop: String, externalID: String)

        public var description: String {
            switch self {
            case .id(let id): return "order \(id)"
            case .external(let platform, let shop, let externalID):
                return "order \(PrintableText.of(externalID)) of \(PrintableText.of(platform))/\(PrintableText.of(shop))"
            }
        }
    }

    public let warehouse: String
    public let order: OrderReference
    public let shipment: String
    public let lines: [OrderCommand.ShipmentLine]
    public let carrier: String
    public let trackingNumber: String
    public let shippedAt: Date
    public let weightGrams: Int?

    public static func isShipment(_ routingKey: String) -> Bool { routingKey.hasPrefix("warehouse.") }

    /// The command that records it, once the order's id is known.
    public func command(order id: Int64) -> OrderCommand.Ship {
        OrderCommand.Ship(
            order: id, shipment: shipment, carrier: carrier, trackingNumber: trackingNumber, lines: lines, warehouse: warehouse,
            shippedAt: shippedAt, weightGrams: weightGrams)
    }

    public static func read(_ message: IngestMessage, configuration: IngestConfiguration) throws(IntakeRejection) -> WarehouseShipment {
        try message.requireSize()
        let parts = message.routingKey.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, parts[0] == "warehouse", parts[2] == "shipment", parts[3] == "confirmed",
            (1...50).contains(parts[1].count), parts[1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else {
            throw IntakeRejection(
                "bad-routing-key", "routing key '\(PrintableText.of(message.routingKey))' is not warehouse.<warehouse>.shipment.confirmed")
        }
        let warehouse = parts[1]
        try configuration.verify(message, platform: "warehouse-\(warehouse.lowercased().replacingOccurrences(of: "_", with: "-"))")
        let document = try IntakeReading.strictJSON(message.body)
        if let violation = WarehouseShipmentSchema.schema.violation(of: document) {
            throw IntakeRejection(violation.structural ? "undecodable" : "invalid", violation.description)
        }
        func text(_ value: StrictJSON?, _ key: String) throws(IntakeRejection) -> String? {
            guard case .string(let text)? = value else { return nil }
            guard !text.unicodeScalars.contains("\u{0}") else {
                throw IntakeRejection("invalid", "\(key) contains a NUL character (U+0000), which no text field may hold")
            }
            return text
        }
        func integer(_ value: StrictJSON?) -> Int? {
            guard case .number(let literal)? = value else { return nil }
            return Int(literal)
        }
        let order: OrderReference
        switch document["order"] {
        case .number(let literal)?:
            guard let id = Int64(literal) else { throw IntakeRejection("invalid", "order \(literal) is not an order id") }
            order = .id(id)
        case let reference?:
            guard let platform = try text(reference["platform"], "order.platform"), let shop = try text(reference["shop"], "order.shop"),
                let externalID = try text(reference["external_id"], "order.external_id")
            else { throw IntakeRejection("undecodable", "order needs platform, shop and external_id") }
            order = .external(platform: platform, shop: shop, externalID: externalID)
        case nil:
            throw IntakeRejection("undecodable", "order is required")
        }
        guard case .array(let items)? = document["lines"] else { throw IntakeRejection("undecodable", "lines are required") }
        var lines: [OrderCommand.ShipmentLine] = []
        for item in items {
            guard let line = integer(item["line"]), let quantity = integer(item["quantity"]) else {
                throw IntakeRejection("undecodable", "every line needs line and quantity")
            }
            guard !lines.contains(where: { $0.line == line }) else { throw IntakeRejection("invalid", "line \(line) appears twice in the shipment") }
            lines.append(.init(line: line, quantity: quantity))
        }
        guard let shipment = try text(document["shipment_id"], "shipment_id"), let carrier = try text(document["carrier"], "carrier"),
            let trackingNumber = try text(document["tracking_number"], "tracking_number"), let when = try text(document["shipped_at"], "shipped_at"),
            let shippedAt = ISODateTime.parse(when)
        else { throw IntakeRejection("undecodable", "shipment_id, carrier, tracking_number and shipped_at are required") }
        return WarehouseShipment(
            warehouse: warehouse, order: order, shipment: shipment, lines: lines, carrier: carrier, trackingNumber: trackingNumber,
            shippedAt: shippedAt, weightGrams: integer(document["weight_grams"]))
    }
}
