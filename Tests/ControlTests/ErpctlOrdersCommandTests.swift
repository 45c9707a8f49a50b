import Contracts
import Foundation
import Messaging
import Orders
import Postgres
import ServiceTestSupport
import TestSupport
import Testing

/// `erpctl orders ...` against a running orders service.
@Suite(.timeLimit(.minutes(6))) struct ErpctlOrdersCommandTests {
    static func withOrders<T>(_ body: (ServiceHarness) async throws -> T) async throws -> T {
        try await ServiceHarness.run(
            prefix: "t_ctlord",
            { schema, queue, exchange in
                OrdersService.definition(
                    schema: schema, queuePrefix: String(queue.dropLast(".commands".count)), ingestExchange: exchange, eventsExchange: exchange,
                    commandsExchange: exchange)
            }, body)
    }

    @Test func aJSONLImportGoesThroughIntakeAndReportsQuarantinedLines() async throws {
        try await Self.withOrders { harness async throws in
            try await harness.pool.query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO \(harness.schema).skus (code, product, title, tax_category, active) VALUES ('TEE-RED-M', 'TEE', 'Tee', 'standard', true)
                        """))
            let encoder = MessageCoding.encoder()
            var bad = OrderSamplesForControl.order("IMP-2")
            bad.lines[0].quantity = 0
            let lines = [
                String(decoding: try encoder.encode(OrderSamplesForControl.order("IMP-1")), as: UTF8.self),
                String(decoding: try encoder.encode(bad), as: UTF8.self),
                "{ not json",
            ]
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(harness.schema).jsonl")
            try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            let imported = try await ErpctlCommandTests.erpctl([
                "orders", "import", file.path, "--ingest-exchange", harness.exchange, "--schema", harness.schema, "--timeout", "60",
            ])
            #expect(imported.status == 1, "\(imported.output)")
            #expect(imported.output.contains("1 taken"), "\(imported.output)")
            #expect(imported.output.contains("line 2: invalid"), "\(imported.output)")
            #expect(imported.output.contains("line 3: not a JSON order"), "\(imported.output)")

            let csv = FileManager.default.temporaryDirectory.appendingPathComponent("\(harness.schema).csv")
            try """
            platform,shop,external_id,placed_at,currency,line,sku,quantity,unit_price,discount,shipping_fee,payment_status,payment_amount
            web,main,CSV-1,2026-11-28T10:15:00Z,CNY,1,TEE-RED-M,2,99.00,0,10.00,paid,218.00
            web,main,CSV-1,2026-11-28T10:15:00Z,CNY,2,TEE-RED-M,1,10.00,0,10.00,paid,218.00
            web,main,CSV-2,2026-11-28T10:15:00Z,CNY,1,TEE-RED-M,two,99.00,0,0,pending,
            """.write(to: csv, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: csv) }
            let fromCSV = try await ErpctlCommandTests.erpctl([
                "orders", "import", csv.path, "--ingest-exchange", harness.exchange, "--schema", harness.schema, "--timeout", "60",
            ])
            #expect(fromCSV.output.contains("1 taken"), "\(fromCSV.output)")
            #expect(fromCSV.output.contains("line 4: quantity 'two'"), "\(fromCSV.output)")
            let csvLines = try await harness.pool.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT count(*)::int FROM \(harness.schema).order_lines l JOIN \(harness.schema).orders o ON o.id = l.order_id
                        WHERE o.external_id = 'CSV-1'
                        """))
            #expect(try csvLines[0].decode(Int.self, at: 0) == 2, "the two rows of CSV-1 are one order of two lines")
            let retried = try await ErpctlCommandTests.erpctl(["orders", "quarantine", "retry", "1", "--commands-exchange", harness.exchange])
            #expect(retried.status == 1)
            #expect(retried.output.contains("rejected again (invalid)"), "\(retried.output)")
        }
    }
}

extension ErpctlOrdersCommandTests {
    /// Without --limit an export takes every order (the listing's 100 is not its cap).
    @Test func anExportWithoutALimitExportsEveryOrder() async throws {
        try await Self.withOrders { harness async throws in
            let encoder = MessageCoding.encoder()
            let lines = try (1...130).map { String(decoding: try encoder.encode(OrderSamplesForControl.order("EXP-\($0)")), as: UTF8.self) }
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(harness.schema)-export.jsonl")
            try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            let imported = try await ErpctlCommandTests.erpctl([
                "orders", "import", file.path, "--ingest-exchange", harness.exchange, "--schema", harness.schema, "--timeout", "60",
            ])
            #expect(imported.output.contains("130 taken"), "\(imported.output)")
            let all = try await ErpctlCommandTests.erpctl(["orders", "export", "--schema", harness.schema])
            #expect(all.status == 0, "\(all.output)")
            let exported = all.output.split(separator: "\n").filter { $0.hasPrefix("{") }.count
            #expect(exported == 130)
            let capped = try await ErpctlCommandTests.erpctl(["orders", "export", "--schema", harness.schema, "--limit", "7", "--format", "csv"])
            let rows = capped.output.split(separator: "\n").filter { $0.hasPrefix("web,") }.count
            #expect(rows == 7)
        }
    }
}

enum OrderSamplesForControl {
    static func order(_ id: String) -> CanonicalOrder {
        CanonicalOrder(
            platform: "web", shop: "main", externalId: id, placedAt: "2026-11-28T10:15:00Z", currency: "CNY",
            lines: [.init(sku: "TEE-RED-M", quantity: 1, unitPrice: "99.00")], shippingFee: "0.00", payment: .init(status: "pending"))
    }
}
