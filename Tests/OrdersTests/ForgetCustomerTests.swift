import Contracts
import Foundation
import Messaging
import Orders
import Postgres
import ServiceTestSupport
import TestSupport
import Testing

/// A person forgotten by the CRM is erased from their orders: no name, email, phone or
/// street left in the order, its change history or the quarantine; amounts and lines stay.
@Suite(.timeLimit(.minutes(6))) struct ForgetCustomerTests {
    @Test func aForgottenCustomersOrdersKeepTheirAmountsUnderAPseudonymAndNothingPersonal() async throws {
        try await IntakeServiceTests.withOrders { harness async throws in
            let id = try await OrderCommandTests.placed(harness, "FORGET-1", paid: false)
            let other = try await OrderCommandTests.placed(harness, "KEEP-1", paid: false)
            // A change puts a snapshot into the history; a bad revision of it goes to the quarantine with its body.
            let changed = try await harness.client.send(OrderCommand.ChangeShippingMethod(order: id, method: "express"))
            #expect(changed.status == .done, "\(changed)")
            try await IntakeServiceTests.ingest(harness, "platform.web.order.updated", Data(#"{"external_id": "FORGET-1", "broken": "#.utf8))
            let quarantined = try await eventually {
                try await harness.pool.query("SELECT count(*)::int FROM \(identifier: harness.schema).quarantine")[0].decode(Int.self, at: 0) == 1
            }
            #expect(quarantined)
            try await harness.pool.query("UPDATE \(identifier: harness.schema).quarantine SET order_id = \(id)")
            let before = try await harness.pool.query("SELECT total_minor FROM \(identifier: harness.schema).orders WHERE id = \(id)")[0]
                .decode(Int64.self, at: 0)

            let outcome = try await harness.client.send(OrderCommand.ForgetCustomer(orders: [id, 999_999], pseudonym: "forgotten-7"))
            #expect(try outcome.decodeResult(OrderCommand.Forgotten.self) == OrderCommand.Forgotten(orders: 1), "the unknown order is skipped")
            let text = try await harness.pool.query(
                """
                SELECT o.customer::text || o.shipping_address::text || (SELECT string_agg(snapshot::text, '') FROM \(identifier: harness.schema).order_changes WHERE order_id = o.id)
                       || (SELECT string_agg(convert_from(body, 'UTF8'), '') FROM \(identifier: harness.schema).quarantine WHERE order_id = o.id)
                FROM \(identifier: harness.schema).orders o WHERE o.id = \(id)
                """)[0].decode(String.self, at: 0)
            for personal in ["张三", "z@example.com", "+8613800000000", "文三路", "杭州市", "310000", "c-1"] {
                #expect(!text.contains(personal), "\(personal) is erased")
            }
            #expect(text.contains("forgotten-7"))
            #expect(text.contains("浙江省"), "the province stays for analysis")
            let after = try await harness.pool.query("SELECT total_minor FROM \(identifier: harness.schema).orders WHERE id = \(id)")[0]
                .decode(Int64.self, at: 0)
            #expect(after == before, "amounts are kept")
            let snapshot = try await harness.client.send(OrderCommand.ChangeStatus(order: id, to: .cancelled, reason: "test"))
            #expect(snapshot.status == .done, "the erased order still reads and changes: \(snapshot)")
            let kept = try await harness.pool.query("SELECT customer->>'email' FROM \(identifier: harness.schema).orders WHERE id = \(other)")[0]
                .decode(String?.self, at: 0)
            #expect(kept == "z@example.com", "another order of the same address is not touched")
            #expect(try await harness.client.send(OrderCommand.ForgetCustomer(orders: [id], pseudonym: " ")).code == "pseudonym-required")
            #expect(try await harness.client.send(OrderCommand.ForgetCustomer(orders: [], pseudonym: "x")).code == "orders-required")
        }
    }

    @Test func existingOrdersAreAnnouncedAgainPageByPageForAServiceThatCameLater() async throws {
        try await IntakeServiceTests.withOrders { harness async throws in
            let first = try await OrderCommandTests.placed(harness, "AGAIN-1", paid: false)
            let second = try await OrderCommandTests.placed(harness, "AGAIN-2", paid: true)
            func page(after: Int64, limit: Int = 1) async throws -> OrderCommand.Republished {
                try await harness.client.send(OrderCommand.RepublishOrders(after: after, limit: limit)).decodeResult(OrderCommand.Republished.self)
            }
            #expect(try await page(after: 0) == OrderCommand.Republished(count: 1, last: first))
            #expect(try await page(after: first) == OrderCommand.Republished(count: 1, last: second))
            #expect(try await page(after: second) == OrderCommand.Republished(count: 0, last: nil))
            #expect(try await harness.client.send(OrderCommand.RepublishOrders(after: 0, limit: 0)).code == "validation")
            #expect(try await harness.client.send(OrderCommand.RepublishOrders(after: -1, limit: 5)).code == "validation")
            let announced = try await harness.outboxTypes().filter { $0 == OrderEvent.Republished.type.rawValue }.count
            #expect(announced == 2)
        }
    }
}
