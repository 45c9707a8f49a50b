import Contracts
import Foundation
import Testing

/// What the canonical platforms are told back follows the JSON Schemas published beside
/// the messages (`Shared/Contracts/Outbound/*.schema.json`), and the schemas refuse a body
/// that lacks what a connector needs.
@Suite struct OutboundSchemaTests {
    static func schema(_ name: String) throws -> JSONSchema {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Shared/Contracts/Outbound/\(name)")
        return try JSONSchema(try String(contentsOf: file, encoding: .utf8))
    }

    static let at = Date(timeIntervalSince1970: 1_796_000_000)
    static let cny = Money(minorUnits: 5_000, currency: .cny)

    static var samples: [(String, Data)] {
        let encoder = MessageCoding.encoder()
        return [
            (
                "outbound-fulfillment-created.schema.json",
                try! encoder.encode(
                    Outbound.FulfillmentCreated(
                        shop: "main", orderId: "SO-1", erpOrder: 7, shipment: "S1", lines: [.init(line: 1, sku: "TEE", quantity: 2)], carrier: "sf",
                        trackingNumber: "SF1", trackingUrl: "https://t.example.com/SF1", shippedAt: at))
            ),
            (
                "outbound-order-cancelled.schema.json",
                try! encoder.encode(
                    Outbound.OrderCancelled(
                        shop: "main", orderId: "SO-1", erpOrder: 7, reason: "not paid in time", cancelledAt: at))
            ),
            (
                "outbound-refund-created.schema.json",
                try! encoder.encode(
                    Outbound.RefundCreated(
                        shop: "main", orderId: "SO-1", erpOrder: 7, amount: cny, reason: "damaged", reference: "RF-1", creditNote: "CN-2026-000001",
                        lines: [.init(line: 1, amount: cny, quantity: 1)]))
            ),
            (
                "outbound-inventory-level.schema.json",
                try! encoder.encode(Outbound.InventoryLevel(sku: "TEE", available: 15, warehouses: ["SH", "GZ"], at: at))
            ),
        ]
    }

    @Test func everyKindOfOutboundMessageFollowsItsSchema() throws {
        for (name, body) in Self.samples {
            let violation = try Self.schema(name).violation(of: try StrictJSON.parse(body))
            #expect(violation == nil, "\(name): \(String(describing: violation)) in \(String(decoding: body, as: UTF8.self))")
        }
    }

    @Test func aBodyWithoutWhatAConnectorNeedsBreaksItsSchema() throws {
        let broken = [
            (
                "outbound-fulfillment-created.schema.json",
                #"{"shop": "main", "order_id": "SO-1", "erp_order": 7, "shipment": "S1", "lines": [], "carrier": "sf", "tracking_number": "SF1", "shipped_at": "2026-11-30T00:00:00Z"}"#
            ),
            ("outbound-order-cancelled.schema.json", #"{"shop": "main", "order_id": "SO-1", "erp_order": 7, "reason": "x"}"#),
            (
                "outbound-refund-created.schema.json",
                #"{"shop": "main", "order_id": "SO-1", "erp_order": 7, "amount": {"minor_units": 1.5, "currency": "CNY"}, "reason": "x", "reference": "R", "credit_note": "CN"}"#
            ),
            ("outbound-inventory-level.schema.json", #"{"sku": "TEE", "available": 1, "warehouses": [], "at": "2026-02-31T00:00:00Z"}"#),
        ]
        for (name, text) in broken {
            let violation = try Self.schema(name).violation(of: try StrictJSON.parse(Data(text.utf8)))
            #expect(violation != nil, "\(name) took \(text)")
        }
    }
}
