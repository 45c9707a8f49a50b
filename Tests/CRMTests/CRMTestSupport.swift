import AMQP
import CRM
import Contracts
import Foundation
import Ingest
import Messaging
import Postgres
import ServiceKit
import ServiceTestSupport
import TestSupport
import Testing

/// Drives a CRM service under test with the events other services publish.
enum CRMTest {
    /// Platforms the tests' CRM takes customers from; `signed` signs with `s3cret`.
    static let ingest = IngestConfiguration(genericPlatforms: ["web", "tmall", "jd", "signed"], secrets: ["signed": "s3cret"])

    /// The CRM on the test's own exchange: events, commands and platform messages all come through it.
    static func definition(_ schema: String, _ queue: String, _ exchange: String) -> ServiceDefinition {
        CRMService.definition(
            ingest: ingest, schema: schema, queuePrefix: String(queue.dropLast(".commands".count)), commandsExchange: exchange,
            eventsExchange: exchange, ingestExchange: exchange)
    }

    /// Publishes as a platform would: a raw body with its routing key (and headers).
    static func ingest(_ key: String, _ body: String, _ harness: ServiceHarness, headers: AMQPTable = [:]) async throws {
        let publisher = try await AMQPPublisher.connect(ServiceHarness.environment.broker)
        let outcome = try await publisher.publish(
            AMQPMessage(
                exchange: harness.exchange, routingKey: key, body: Data(body.utf8),
                properties: AMQPProperties(contentType: "application/json", headers: headers, persistent: true), mandatory: true))
        await publisher.close()
        #expect(outcome == .confirmed, "\(key) reached a queue")
    }

    /// The CRM's quarantine: (code, reason) by id.
    static func quarantined(_ harness: ServiceHarness) async throws -> [(id: Int64, code: String, reason: String, status: String)] {
        try await harness.pool.query("SELECT id, code, reason, status FROM \(identifier: harness.schema).quarantine ORDER BY id").map {
            (
                try $0.decode(Int64.self, at: 0), try $0.decode(String.self, at: 1), try $0.decode(String.self, at: 2),
                try $0.decode(String.self, at: 3)
            )
        }
    }

    /// Publishes events as their services would, on the harness's exchange, routed by type
    /// (or by `routingKeys[i]`, the key the service publishes that event under).
    static func publish(_ envelopes: [Envelope], _ harness: ServiceHarness, routingKeys: [String?] = []) async throws {
        let publisher = try await AMQPPublisher.connect(ServiceHarness.environment.broker)
        for (index, envelope) in envelopes.enumerated() {
            let key = (index < routingKeys.count ? routingKeys[index] : nil) ?? envelope.type.rawValue
            let outcome = try await publisher.publish(
                AMQPMessage(exchange: harness.exchange, routingKey: key, body: envelope.payload, properties: envelope.amqpProperties))
            #expect(outcome == .confirmed)
        }
        await publisher.close()
    }

    /// One event, under the routing key its service uses: a status change goes as the orders
    /// service sends it (`orders.order.status_changed.v1.<from>.<to>`), not under its bare type.
    static func publish<M: Message>(_ event: M, _ harness: ServiceHarness, id: UUID = .random(), at: Date = Date()) async throws {
        let key = (event as? OrderEvent.StatusChanged)?.routingKey
        try await publish([try Envelope(event, source: "tests", id: id, occurredAt: at)], harness, routingKeys: [key])
    }

    static func cny(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .cny) }

    /// An order as the orders service announces it.
    static func order(
        _ id: Int64, platform: String = "web", shop: String = "main", externalID: String? = nil, total: Money = cny(25_800),
        status: OrderStatus = .pendingPayment, customer: CanonicalOrder.Customer?, city: String = "上海市", placedAt: Date = Date()
    ) -> OrderSnapshot {
        OrderSnapshot(
            order: id, platform: platform, shop: shop, externalId: externalID ?? "EXT-\(id)", revision: 1, status: status,
            currency: total.currency.code, pricesIncludeTax: true,
            lines: [
                .init(line: 1, sku: "TEE-RED-M", quantity: 1, unitPrice: total, discount: .zero(total.currency), total: total)
            ], shippingFee: .zero(total.currency), total: total, paymentStatus: .pending, customer: customer,
            shippingAddress: .init(name: customer?.name, country: "CN", province: city, city: city, line1: "南京路 1 号"), shippingMethod: nil,
            placedAt: placedAt)
    }

    static func placed(_ snapshot: OrderSnapshot, _ harness: ServiceHarness) async throws {
        try await publish(OrderEvent.Placed(snapshot: snapshot), harness)
    }

    /// The live profile an order is on, once the CRM has it.
    static func customer(ofOrder order: Int64, _ harness: ServiceHarness) async throws -> Int64? {
        try await harness.pool.query("SELECT customer FROM \(identifier: harness.schema).customer_orders WHERE order_id = \(order)").first?
            .decode(Int64.self, at: 0)
    }

    static func waitForOrders(_ orders: [Int64], _ harness: ServiceHarness) async throws -> [Int64] {
        var customers: [Int64] = []
        let arrived = try await eventually {
            customers = []
            for order in orders {
                guard let customer = try await customer(ofOrder: order, harness) else { return false }
                customers.append(customer)
            }
            return true
        }
        #expect(arrived, "the CRM recorded orders \(orders)")
        return customers
    }

    static func count(_ sql: String, _ harness: ServiceHarness) async throws -> Int {
        try await harness.pool.query(PostgresQuery(unsafeSQL: sql.replacingOccurrences(of: "crm.", with: "\(harness.schema).")))[0].decode(
            Int.self, at: 0)
    }

    static func profile(_ customer: Int64, _ harness: ServiceHarness, limit: Int = 100) async throws -> CRMQueries.Profile? {
        try await CRMQueries(schema: harness.schema).profile(customer, limit: limit, harness.pool)
    }
}
