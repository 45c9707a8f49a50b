import AMQP
@testable import Analytics
import CRM
import Catalog
import Contracts
import Finance
import Foundation
import Inventory
import Messaging
import Postgres
import ServiceKit
import ServiceTestSupport
import TestSupport
import Testing

/// The analysts' views over a whole system's data (orders paid, shipped, returned, split and
/// cancelled, in two currencies): every figure equals what the services hold, each sale is
/// counted once, every column is documented and docs/analytics.md is what the views say.
@Suite(.timeLimit(.minutes(10))) struct AnalyticsViewsTests {
    typealias S = SplitTests

    static let crmAndCatalog: [String: @Sendable (String, String, String, String) -> ServiceDefinition] = [
        "catalog": { schema, prefix, commands, events in
            CatalogService.definition(schema: schema, queuePrefix: prefix, commandsExchange: commands, eventsExchange: events)
        },
        "crm": { schema, prefix, commands, events in
            CRMService.definition(schema: schema, queuePrefix: prefix, commandsExchange: commands, eventsExchange: events, ingestExchange: commands)
        },
    ]

    /// Makes the test's own analytics schema over its services' schemas, as `erpctl migrate` does.
    static func migrateAnalytics(_ system: SystemHarness) async throws -> AnalyticsSchemas {
        let schemas = AnalyticsSchemas(prefix: system.prefix)
        try await system.pool("orders").query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schemas.analytics) AUTHORIZATION erp_analytics"))
        try await AnalyticsViewMigrations.migrate(schemas, pool: system.pool("orders"))
        _ = try await refresh(schemas, system)
        return schemas
    }

    /// The refresh job, as erp-analytics runs it (its role's rights only).
    static func refresh(_ schemas: AnalyticsSchemas, _ system: SystemHarness) async throws -> String {
        try await system.pool("orders").withTransaction { tx in
            try await tx.query("SET LOCAL ROLE erp_analytics")
            return try await JobRunner.run(.refresh, schemas: schemas, now: Date(), settle: 0, in: tx)
        }
    }

    /// A pool of the analysts' role: what it reads, only the views let it read.
    static func analystPool() throws -> PostgresPool {
        var analyst = try PostgresConfiguration(url: TestEnvironment.databaseURL)
        (analyst.user, analyst.password) = ("erp_analyst", "erp_analyst")
        return PostgresPool(configuration: analyst, size: 1)
    }

    static func rows(_ system: SystemHarness, _ sql: String, _ schemas: AnalyticsSchemas) async throws -> [[String?]] {
        let result = try await system.pool("orders").query(PostgresQuery(unsafeSQL: schemas.substitute(sql)))
        return try result.map { row in try (0..<result.columns.count).map { try row.decode(String?.self, at: $0) } }
    }

    static func int(_ system: SystemHarness, _ sql: String, _ schemas: AnalyticsSchemas) async throws -> Int64 {
        try await system.pool("orders").query(PostgresQuery(unsafeSQL: schemas.substitute(sql)))[0].decode(Int64?.self, at: 0) ?? 0
    }

    /// An order of 2 shirts and a cap placed yesterday; its id once shipped (paid) or taken (unpaid: reserved and invoiced).
    static func placeYesterday(_ system: SystemHarness, _ externalID: String, paid: Bool = true) async throws -> Int64 {
        let formatter = ISO8601DateFormatter()
        let order = CanonicalOrder(
            platform: "web", shop: "main", externalId: externalID, placedAt: formatter.string(from: Date().addingTimeInterval(-86_400)),
            currency: "CNY", customer: .init(name: "张三", email: "z@example.com"),
            shippingAddress: .init(country: "CN", province: "上海市", city: "上海市", line1: "南京路 1 号"),
            lines: [.init(sku: "TEE-RED-M", quantity: 2, unitPrice: "99.00"), .init(sku: "CAP-BLUE", quantity: 1, unitPrice: "49.99")],
            shippingFee: "0.00", payment: paid ? .init(status: "paid", method: "alipay", amount: "247.99") : .init(status: "pending"))
        try await FulfilmentTests.publish(system, order)
        return try #require(try await FulfilmentTests.waitFor(system, externalID, status: paid ? "shipped" : "pending_payment"))
    }

    /// A paid order of one shirt in US dollars from another shop and customer; its id once shipped.
    static func placeInDollars(_ system: SystemHarness) async throws -> Int64 {
        let order = CanonicalOrder(
            platform: "web", shop: "us", externalId: "AN-USD", placedAt: "2026-11-28T10:15:00Z", currency: "USD",
            customer: .init(name: "Ann", email: "ann@example.com"),
            shippingAddress: .init(country: "CN", province: "上海市", city: "上海市", line1: "南京路 2 号"),
            lines: [.init(sku: "TEE-RED-M", quantity: 1, unitPrice: "25.00")], shippingFee: "5.00",
            payment: .init(status: "paid", method: "card", amount: "30.00"))
        try await FulfilmentTests.publish(system, order)
        return try #require(try await FulfilmentTests.waitFor(system, "AN-USD", status: "shipped"))
    }

    @Test func everyViewAgreesWithTheServicesAndCountsEachSaleOnce() async throws {
        try await FulfilmentTests.withSystem(more: Self.crmAndCatalog) { system async throws in
            try await S.stock(system)
            // A shipped, B returned in part, C split in two, D cancelled: 2 shirts (197.00) and a cap (49.99) each.
            let shipped = try await S.place(system, "AN-A", paid: true)
            let returned = try await ReturnTests.completedOrder(system, "AN-B")
            let rma = try await ReturnTests.returnOne(system, returned, line: 1)
            let split = try await S.placeReserved(system, "AN-C")
            let splitSaga = try await S.split(system, .init(order: split, parts: [], byWarehouse: true, reason: "one parcel per warehouse"))
            let splitDone = try await eventually { try await S.sagaStatus(system, splitSaga) == "completed" }
            #expect(splitDone)
            // E and F merged into one order (a receipt of more shirts first: 11 are wanted in all).
            let more = try await system.client.send(
                InventoryCommand.Receive(
                    sku: "TEE-RED-M", warehouse: "SH", lot: "L2", expiry: nil, unitCost: Money(minorUnits: 2_000, currency: .cny), quantity: 10,
                    purchaseReference: "PO-MORE"))
            #expect(more.status == .done, "\(more)")
            let mergeA = try await S.placeReserved(system, "AN-E"), mergeB = try await S.placeReserved(system, "AN-F")
            let mergeSaga = try await MergeTests.merge(system, [mergeA, mergeB])
            let mergeDone = try await eventually { try await S.sagaStatus(system, mergeSaga) == "completed" }
            #expect(mergeDone)
            let merged = try #require(try await MergeTests.mergedInto(system, mergeA))
            let cancelled = try await S.place(system, "AN-D", paid: false)
            let cancel = try await system.client.send(OrderCommand.ChangeStatus(order: cancelled, to: .cancelled, reason: "customer changed mind"))
            #expect(cancel.status == .done, "\(cancel)")
            let dollars = try await Self.placeInDollars(system)
            let released = try await eventually { try await S.reservations(system, of: cancelled).isEmpty }
            #expect(released)
            let linked = try await eventually {
                try await system.pool("crm").query(
                    PostgresQuery(
                        unsafeSQL: "SELECT count(*)::int FROM \(system.schema("crm")).customer_orders WHERE order_id = $1", binds: [dollars])
                )[0].decode(Int.self, at: 0) == 1
            }
            #expect(linked, "the CRM has seen the last order")
            // The CRM keeps its own copy of each order's status, from the orders service's events: scored once it caught up.
            let caughtUp = try await eventually {
                let copies = try await system.pool("crm").query(
                    PostgresQuery(unsafeSQL: "SELECT order_id, status FROM \(system.schema("crm")).customer_orders ORDER BY 1"))
                let held = try await system.pool("orders").query(
                    PostgresQuery(
                        unsafeSQL: "SELECT id, status FROM \(system.schema("orders")).orders WHERE id = ANY($1) ORDER BY 1",
                        binds: [try copies.map { try $0.decode(Int64.self, at: 0) }]))
                return try copies.map { try $0.decode(String.self, at: 1) } == held.map { try $0.decode(String.self, at: 1) }
            }
            #expect(caughtUp, "the CRM's copies of the orders' statuses")
            let scoring = try await system.client.send(CRMCommand.RefreshSegments())
            #expect(scoring.status == .done, "the CRM scores its customers (RFM): \(scoring)")
            try await S.invariantsHold(system)

            let schemas = try await Self.migrateAnalytics(system)
            // Orders: the split parent and the cancelled order are there, not counted.
            let orders = try await Self.rows(
                system, "SELECT order_id::text, status, counted::text FROM {analytics}.orders WHERE split_from IS NULL ORDER BY order_id", schemas)
            #expect(orders.count == 8, "\(orders)")
            #expect(orders.contains(["\(mergeA)", "merged", "false"]) && orders.contains(["\(mergeB)", "merged", "false"]))
            #expect(orders.contains(["\(merged)", "pending_payment", "true"]), "the merged order carries their sale")
            #expect(orders.contains(["\(split)", "split", "false"]))
            #expect(orders.contains(["\(cancelled)", "cancelled", "false"]))
            #expect(orders.contains(["\(shipped)", "shipped", "true"]))
            let parts = try await Self.int(
                system, "SELECT count(*) FILTER (WHERE counted) FROM {analytics}.orders WHERE split_from = \(split)", schemas)
            #expect(parts == 2)
            // Sales: five CNY orders of 246.99 (A, B, C's parts, E and F in one), one shirt of B back, and the dollar order.
            let sales = try await Self.rows(
                system,
                """
                SELECT currency, sum(units)::text, sum(revenue_minor)::text, sum(returned_units)::text, sum(refunded_minor)::text, sum(net_minor)::text
                FROM {analytics}.sales_daily GROUP BY currency ORDER BY currency
                """, schemas)
            let refund = try await Self.int(
                system, "SELECT sum(refund_minor)::bigint FROM {orders}.returns WHERE rma = '\(rma)' AND status = 'completed'", schemas)
            #expect(refund == 9_850, "half of the two shirts' 197.00")
            #expect(
                sales == [
                    ["CNY", "15", "123495", "1", "9850", "\(123_495 - 9_850)"],
                    ["USD", "1", "2500", "0", "0", "2500"],
                ], "\(sales)")
            // In the base currency (CNY): the dollar sale has no base amount until a rate is in force on its day (28 November).
            let inBase =
                "SELECT currency, sum(revenue_base_minor)::text, max(rate_effective_on)::text FROM {analytics}.sales_daily_base GROUP BY 1 ORDER BY 1"
            #expect(try await Self.rows(system, inBase, schemas) == [["CNY", "123495", nil], ["USD", nil, nil]])
            for (rate, day) in [("7.1234", "2026-11-01"), ("8", "2026-11-29")] {
                let set = try await system.client.send(
                    FinanceCommand.SetExchangeRate(currency: "USD", rate: rate, effectiveOn: try BusinessDate(day)))
                #expect(set.status == .done, "\(set)")
            }
            let converted = try await Self.rows(system, inBase, schemas)
            #expect(
                converted == [["CNY", "123495", nil], ["USD", "17809", "2026-11-01"]], "25.00 USD at 7.1234, the rate of its day: \(converted)")
            let rates = try await Self.rows(
                system, "SELECT currency, base_currency, effective_on::text, valid_until::text FROM {analytics}.exchange_rates ORDER BY 3", schemas)
            #expect(rates == [["USD", "CNY", "2026-11-01", "2026-11-28"], ["USD", "CNY", "2026-11-29", nil]], "\(rates)")
            let lines = try await Self.rows(
                system,
                "SELECT currency, sum(quantity)::text, sum(total_minor)::text FROM {analytics}.order_lines WHERE counted GROUP BY 1 ORDER BY 1",
                schemas)
            #expect(lines == [["CNY", "15", "123495"], ["USD", "1", "2500"]], "\(lines)")
            let returns = try await Self.rows(system, "SELECT rma, sku, quantity::text, refunded::text FROM {analytics}.returns", schemas)
            #expect(returns == [[rma, "TEE-RED-M", "1", "true"]])
            // Cost of goods: every cost line once, in its own currency; no margin across currencies.
            let costs = try await Self.rows(
                system, "SELECT cost_currency, sum(cost_minor)::text FROM {analytics}.order_lines WHERE cost_minor IS NOT NULL GROUP BY 1", schemas)
            let booked = try await Self.rows(system, "SELECT currency, sum(cost_minor)::text FROM {finance}.cost_lines GROUP BY 1", schemas)
            #expect(costs == booked && !costs.isEmpty, "\(costs) vs \(booked)")
            let dollarMargin = try await Self.rows(
                system, "SELECT cost_currency, margin_minor::text FROM {analytics}.order_lines WHERE order_id = \(dollars)", schemas)
            #expect(dollarMargin == [["CNY", nil]], "a USD sale of goods bought in CNY has no margin: \(dollarMargin)")
            // The monthly P&L adds up to finance's income statement, per currency.
            let income = try await Statements(schema: system.schema("finance")).incomeStatement(from: nil, to: nil, system.pool("finance"))
            let pnl = try await Self.rows(
                system,
                "SELECT currency, sum(revenue_minor)::text, sum(expenses_minor)::text, sum(net_income_minor)::text FROM {analytics}.pnl_monthly GROUP BY 1 ORDER BY 1",
                schemas)
            let statement: [[String?]] = income.filter { $0.totalRevenue != 0 || $0.totalExpenses != 0 }.map { section -> [String?] in
                [section.currency, String(section.totalRevenue), String(section.totalExpenses), String(section.netIncome)]
            }
            #expect(pnl == statement, "\(pnl) vs \(income)")
            // The monthly cash flow adds up to finance's cash-flow statement, per currency and what the money was for.
            let cashFlow = try await Statements(schema: system.schema("finance")).cashFlow(from: nil, to: nil, system.pool("finance"))
            let viewFlows = try await Self.rows(
                system,
                "SELECT currency, category, sum(net_minor)::text FROM {analytics}.cash_flow_monthly_v2 GROUP BY 1, 2 HAVING sum(net_minor) <> 0",
                schemas
            ).sorted { ($0[0] ?? "", $0[1] ?? "") < ($1[0] ?? "", $1[1] ?? "") }
            let statementFlows: [[String?]] = cashFlow.flatMap { section in
                section.flows.map { [section.currency, $0.category, String($0.amount)] }
            }.sorted { ($0[0] ?? "", $0[1] ?? "") < ($1[0] ?? "", $1[1] ?? "") }
            #expect(viewFlows == statementFlows && !viewFlows.isEmpty, "\(viewFlows) vs \(statementFlows)")
            // Stock today equals the inventory's levels.
            let levels = try await InventoryReports(schema: system.schema("inventory")).levels(system.pool("inventory"))
            let stock = try await Self.rows(
                system, "SELECT sku, warehouse, on_hand::text, reserved::text, available::text FROM {analytics}.stock_daily WHERE live ORDER BY 1, 2",
                schemas)
            let held: [[String?]] = levels.rows.map { Array($0.prefix(5)) }
            #expect(stock == held, "\(stock) vs \(held)")
            // Receivables and payables open today equal finance's ageing.
            let today = try BusinessDate(String(ISO8601DateFormatter().string(from: Date()).prefix(10)))
            let ageing = try await Statements(schema: system.schema("finance")).ageingTotals(at: today, system.pool("finance"))
            for (kind, view) in [("receivable", "ar_ageing"), ("payable", "ap_ageing")] {
                let buckets = try await Self.rows(
                    system, "SELECT currency, bucket, sum(open_minor)::text FROM {analytics}.\(view) GROUP BY 1, 2 ORDER BY 1, 2", schemas)
                var expected: [[String?]] = []
                for (key, totals) in ageing where key.hasPrefix(kind + " ") {
                    for (bucket, open) in totals { expected.append([String(key.dropFirst(kind.count + 1)), bucket.rawValue, String(open)]) }
                }
                expected.sort { ($0[0] ?? "", $0[1] ?? "") < ($1[0] ?? "", $1[1] ?? "") }
                #expect(buckets == expected, "\(view): \(buckets) vs \(expected)")
            }
            // Customers: the CNY buyer has A, B less its refund, C (through its parts) and E+F; the dollar buyer one order.
            let customers = try await Self.rows(
                system, "SELECT orders::text, currency, lifetime_value_minor::text FROM {analytics}.customers ORDER BY orders DESC", schemas)
            let cnyTotal = try await Self.int(
                system,
                "SELECT sum(total_minor)::bigint FROM {orders}.orders WHERE currency = 'CNY' AND status NOT IN ('split', 'merged', 'cancelled')",
                schemas)
            #expect(cnyTotal == 5 * 25_700, "the merged order's total is its sources'")
            let buyers: [[String?]] = [["4", "CNY", String(cnyTotal - 9_850)], ["1", "USD", "3000"]]
            #expect(customers == buyers, "\(customers)")
            // The CNY buyer carries the CRM's RFM scores and segment; the CRM scores in its own currency (CNY) only.
            let scored = try await Self.rows(
                system,
                """
                SELECT currency, concat_ws(',', segment, r, f, m, frequency, monetary_currency, monetary_minor)
                FROM {analytics}.customers WHERE orders > 0 ORDER BY currency
                """, schemas)
            #expect(scored == [["CNY", "champions,5,5,5,5,CNY,\(cnyTotal - 9_850)"], ["USD", ""]], "\(scored)")
            let cohorts = try await Self.rows(
                system,
                "SELECT cohort_month::text, months_since_first::text, cohort_customers::text, active_customers::text FROM {analytics}.cohorts_monthly",
                schemas)
            #expect(cohorts == [["2026-11-01", "0", "2", "2"]], "\(cohorts)")

            // The analyses print the same figures, in each currency's decimals, as the analyst.
            let analyses = Analyses(schema: schemas.analytics)
            let pool = try Self.analystPool()
            defer { Task { await pool.close() } }
            // The orders were placed on 2026-11-28; the refund is booked the day the return closed (today).
            let monthly = try await analyses.sales(by: .day, platform: nil, from: "2026-11-28", to: "2026-11-28", top: 5, pool)
            let placedDay: [[String?]] = [
                ["2026-11-28", "web", "CNY", "5", "15", "1234.95", "0.00", "1234.95"],
                ["2026-11-28", "web", "USD", "1", "1", "25.00", "0.00", "25.00"],
            ]
            #expect(monthly.sections[0].table.rows == placedDay, "\(monthly.sections[0].table.rows)")
            #expect(monthly.sections[0].table.columns == ["period", "platform", "currency", "orders", "units", "revenue", "refunded", "net"])
            let best: [String?] = Array(monthly.sections[1].table.rows.first?.prefix(3) ?? [])
            #expect(best == ["TEE-RED-M", "CNY", "10"], "\(monthly.sections[1].table.rows)")
            let afterwards = try await analyses.sales(by: .month, platform: nil, from: "2026-11-29", to: nil, top: 5, pool).sections[0].table.rows
            let refunded = afterwards.map { [$0[2], $0[4], $0[6]] }
            #expect(refunded == [["CNY", "0", "98.50"]], "the refund, on the day the return closed: \(afterwards)")
            let csv = monthly.render(.csv)
            #expect(
                csv.hasPrefix(
                    "# Sales by day\nperiod,platform,currency,orders,units,revenue,refunded,net\n2026-11-28,web,CNY,5,15,1234.95,0.00,1234.95"),
                "\(csv)")
            let json = try JSONSerialization.jsonObject(with: Data(monthly.render(.json).utf8)) as? [String: Any]
            let sectionNames = Set(json?.keys.sorted() ?? [])
            #expect(sectionNames == ["sales", "top_skus"])
            let repeatPurchase = try await analyses.customers(pool).sections[0].table.rows
            let expectedRepeat: [[String?]] = [["2", "2", "1", "50.0", "2.50"]]
            #expect(repeatPurchase == expectedRepeat, "\(repeatPurchase)")
            let books = try await analyses.finance(from: nil, to: nil, pool)
            // Each currency's months (November's sales, and the refund's month) add up to its income statement.
            var netIncome: [String: Decimal] = [:]
            for row in books.sections[0].table.rows {
                netIncome[row[1] ?? "", default: 0] += Decimal(string: row[7] ?? "") ?? 0
            }
            var incomeByCurrency: [String: Decimal] = [:]
            for section in income where section.totalRevenue != 0 || section.totalExpenses != 0 {
                incomeByCurrency[section.currency] = Decimal(
                    string: Money(minorUnits: section.netIncome, currency: try Currency(code: section.currency)).decimalString)
            }
            #expect(netIncome == incomeByCurrency, "\(netIncome)")
            let stockReport = try await analyses.inventory(top: 10, pool)
            #expect(stockReport.sections.map(\.id) == ["warehouses", "value", "attention", "reorder"])

            // A saved report runs as the analyst: its parameters bound, a raw table refused, a write refused, a slow one stopped.
            for (name, sql) in [
                ("units-since", "SELECT currency, sum(units)::int AS units FROM {analytics}.sales_daily WHERE day >= {{from}} GROUP BY 1 ORDER BY 1"),
                ("raw", "SELECT count(*) FROM {orders}.orders WHERE placed_at >= {{from}}"),
                ("write", "DELETE FROM {analytics}.stock_snapshots WHERE day >= {{from}}"), ("slow", "SELECT pg_sleep(5), {{from}}"),
            ] {
                try await system.pool("orders").query(
                    PostgresQuery(
                        unsafeSQL: "INSERT INTO \(schemas.analytics).reports (name, sql, parameters, saved_by) VALUES ($1, $2, $3::jsonb, 'test')",
                        binds: [name, schemas.substitute(sql), #"[{"name": "from", "type": "date"}]"#]))
            }
            let saved = SavedReports(schema: schemas.analytics)
            let units = try await saved.run("units-since", values: ["from": "2026-11-01"], timeout: 10, pool).sections[0].table.rows
            #expect(units == [["CNY", "15"], ["USD", "1"]], "\(units)")
            let later = try await saved.run("units-since", values: ["from": "2099-01-01"], timeout: 10, pool).sections[0].table.rows
            #expect(later.isEmpty)
            for (name, expected) in [("raw", "42501"), ("write", "25006")] {
                let failure = await #expect(throws: SavedReports.Failure.self) {
                    try await saved.run(name, values: ["from": "2026-11-01"], timeout: 10, pool)
                }
                let said = String(describing: failure)
                #expect(said.contains(expected), "\(name): \(said)")
            }
            let stopped = await #expect(throws: SavedReports.Failure.self) {
                try await saved.run("slow", values: ["from": "2026-11-01"], timeout: 1, pool)
            }
            #expect(stopped == .timedOut(report: "slow", seconds: 1))
            let missing = await #expect(throws: SavedReports.Failure.self) { try await saved.run("none", values: [:], timeout: 1, pool) }
            #expect(missing == .unknown("none"))

            // Every view and column is documented, and docs/analytics.md is what they say.
            let dictionary = try await AnalyticsDictionary.read(schema: schemas.analytics, system.pool("orders"))
            #expect(dictionary.views.map(\.name) == AnalyticsViewMigrations.views)
            #expect(dictionary.undocumented.isEmpty, "no COMMENT: \(dictionary.undocumented)")
            let document = try String(contentsOf: TestEnvironment.repo.appendingPathComponent("docs/analytics.md"), encoding: .utf8)
            #expect(
                document == dictionary.markdown,
                "docs/analytics.md is stale: write it again with `erpctl analytics describe --markdown > docs/analytics.md`")
            // Its example queries run, as the analyst, who reads the views and nothing under them.
            var analyst = try PostgresConfiguration(url: TestEnvironment.databaseURL)
            (analyst.user, analyst.password) = ("erp_analyst", "erp_analyst")
            let reader = try await PostgresConnection.connect(analyst)
            for example in document.components(separatedBy: "```sql\n").dropFirst().compactMap({ $0.components(separatedBy: "```").first }) {
                _ = try await reader.query(PostgresQuery(unsafeSQL: example.replacingOccurrences(of: "analytics.", with: "\(schemas.analytics).")))
            }
            let raw = await #expect(throws: PostgresError.self) {
                try await reader.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(schemas.orders).orders"))
            }
            #expect(raw?.sqlState == "42501", "\(String(describing: raw))")
            let snapshots = await #expect(throws: PostgresError.self) {
                try await reader.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(schemas.analytics).stock_snapshots"))
            }
            #expect(snapshots?.sqlState == "42501", "the job runner's own tables are not the analysts': \(String(describing: snapshots))")
            await reader.close()
            try await system.pool("orders").query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schemas.analytics) CASCADE"))
        }
    }

    @Test func theJobsSnapshotTheDaysStockAndForecastDemandThatTheReorderSuggestionsPlanOver() async throws {
        try await FulfilmentTests.withSystem(more: Self.crmAndCatalog) { system async throws in
            try await S.stock(system)
            _ = try await Self.placeYesterday(system, "JOB-1")
            _ = try await Self.placeYesterday(system, "JOB-2")
            let unpaid = try await Self.placeYesterday(system, "JOB-3", paid: false)
            let reserved = try await eventually { try await S.reservations(system, of: unpaid).count == 2 }
            #expect(reserved)
            let invoiced = try await eventually { try await S.invoices(system, of: unpaid) == ["issued"] }
            #expect(invoiced, "the unpaid order is a receivable")
            let schemas = try await Self.migrateAnalytics(system)
            let pool = system.pool("orders")
            let now = Date()
            let snapshot = try await pool.withTransaction { try await StockSnapshotJob(schemas: schemas).run(now: now, in: $0) }
            #expect(snapshot.hasSuffix(": 2 SKU-warehouse rows"), "\(snapshot)")
            let again = try await pool.withTransaction { try await StockSnapshotJob(schemas: schemas).run(now: now, in: $0) }
            #expect(again.hasSuffix(": 0 SKU-warehouse rows"), "a day is snapshot once: \(again)")
            // Yesterday's closing stock and today's live stock both equal the inventory's levels (nothing moved since).
            let levels = try await InventoryReports(schema: system.schema("inventory")).levels(system.pool("inventory"))
            let held: [[String?]] = levels.rows.map { Array($0.prefix(5)) }
            for live in [false, true] {
                let stock = try await Self.rows(
                    system,
                    """
                    SELECT sku, warehouse, on_hand::text, reserved::text, available::text FROM {analytics}.stock_daily
                    WHERE live = \(live) AND day = (now() AT TIME ZONE 'UTC')::date - \(live ? 0 : 1) ORDER BY 1, 2
                    """, schemas)
                #expect(stock == held, "live \(live): \(stock) vs \(held)")
            }
            // Six shirts and three caps a day: the mean day of a one-day history.
            let forecast = try await pool.withTransaction { try await ForecastJob(schemas: schemas).run(now: now, in: $0) }
            #expect(forecast.hasPrefix("2 SKUs forecast (0 by Holt-Winters, 2 by their mean day)"), "\(forecast)")
            let weeks = try await Self.rows(
                system,
                "SELECT sku, count(*)::text, min(units)::text, max(units)::text, min(method) FROM {analytics}.forecast_weekly GROUP BY 1 ORDER BY 1",
                schemas)
            #expect(weeks == [["CAP-BLUE", "8", "21.0", "21.0", "mean"], ["TEE-RED-M", "8", "42.0", "42.0", "mean"]], "\(weeks)")
            let monday = try await Self.int(
                system, "SELECT count(*) FROM {analytics}.forecast_weekly WHERE extract(isodow FROM week_start) <> 1", schemas)
            #expect(monday == 0, "every week starts on a Monday")
            // 14 days (the default) of 6 shirts against the 4 available (2 reserved): order 80; with 7 days, 38.
            let shirts =
                "SELECT lead_time_days::text, demand_over_lead_time::text, available::text, suggested_quantity::text, reorder::text FROM {analytics}.reorder_suggestions WHERE sku = 'TEE-RED-M'"
            #expect(try await Self.rows(system, shirts, schemas) == [["14", "84.0", "4", "80", "true"]])
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: schemas.substitute(
                        "INSERT INTO {analytics}.lead_times (sku, warehouse, days, set_by) VALUES ('TEE-RED-M', '*', 7, 'test')")))
            #expect(try await Self.rows(system, shirts, schemas) == [["7", "42.0", "4", "38", "true"]])
            let caps = try await Self.rows(
                system, "SELECT suggested_quantity::text FROM {analytics}.reorder_suggestions WHERE sku = 'CAP-BLUE'", schemas)
            #expect(caps == [["35"]], "14 days of 3 caps against the 7 available")
            let analyst = try Self.analystPool()
            defer { Task { await analyst.close() } }
            let trends = try await Analyses(schema: schemas.analytics).trends(top: 5, analyst)
            let ahead: [[String?]] = trends.sections[0].table.rows.map { [$0[0], $0[2], $0[4]] }
            let expectedAhead: [[String?]] = [["TEE-RED-M", "6", "168"], ["CAP-BLUE", "3", "84"]]
            #expect(ahead == expectedAhead, "\(trends.sections[0].table.rows)")
            let reorder: [[String?]] = try await Analyses(schema: schemas.analytics).inventory(top: 5, analyst).sections[3].table.rows.map {
                [$0[0], $0[6]]
            }
            let expectedReorder: [[String?]] = [["TEE-RED-M", "38"], ["CAP-BLUE", "35"]]
            #expect(reorder == expectedReorder, "\(reorder)")
            try await Self.dashboardShowsTheViews(system, schemas, analyst)
            // Purchasing: a sent order of 20 shirts with 5 received has 15 still to come (a draft is not on order yet),
            // and the caps' preferred supplier delivers in 10 days: 30 caps against the 7 available.
            let inventory = system.schema("inventory")
            try await system.pool("inventory").withTransaction { tx in
                try await tx.query(
                    PostgresQuery(
                        unsafeSQL: "INSERT INTO \(inventory).suppliers (code, name, currency, payment_terms_days) VALUES ('ACME', 'Acme', 'CNY', 30)")
                )
                try await tx.query(
                    PostgresQuery(
                        unsafeSQL: """
                            INSERT INTO \(inventory).supplier_items (supplier, sku, lead_time_days, minimum_order, pack_size, preferred)
                            VALUES ('ACME', 'CAP-BLUE', 10, 1, 1, true), ('ACME', 'TEE-RED-M', 30, 1, 1, true)
                            """))
                try await tx.query(
                    PostgresQuery(
                        unsafeSQL: """
                            WITH sent AS (
                                INSERT INTO \(inventory).purchase_orders (number, supplier, warehouse, currency, status)
                                VALUES ('PO-SENT', 'ACME', 'SH', 'CNY', 'partially_received') RETURNING id
                            ), draft AS (
                                INSERT INTO \(inventory).purchase_orders (number, supplier, warehouse, currency, status)
                                VALUES ('PO-DRAFT', 'ACME', 'SH', 'CNY', 'draft') RETURNING id
                            )
                            INSERT INTO \(inventory).purchase_order_lines (order_id, line, sku, quantity, unit_price_minor, received_quantity)
                            SELECT id, 1, 'TEE-RED-M', 20, 2000, 5 FROM sent UNION ALL SELECT id, 1, 'TEE-RED-M', 100, 2000, 0 FROM draft
                            """))
            }
            let purchasing =
                "SELECT sku, lead_time_days::text, on_order::text, suggested_quantity::text FROM {analytics}.reorder_suggestions ORDER BY sku"
            let planned = try await Self.rows(system, purchasing, schemas)
            #expect(
                planned == [["CAP-BLUE", "10", "0", "23"], ["TEE-RED-M", "7", "15", "23"]], "the SKU's own lead time beats the supplier's: \(planned)"
            )
            // The refresh takes in a change: the unpaid order cancelled leaves the day's sales.
            let cancel = try await system.client.send(OrderCommand.ChangeStatus(order: unpaid, to: .cancelled, reason: "customer changed mind"))
            #expect(cancel.status == .done, "\(cancel)")
            let refreshed = try await Self.refresh(schemas, system)
            #expect(refreshed.contains("changed days computed again"), "\(refreshed)")
            let shirtsSold = try await Self.int(system, "SELECT sum(units)::bigint FROM {analytics}.sales_daily WHERE sku = 'TEE-RED-M'", schemas)
            #expect(shirtsSold == 4, "two shipped orders of two shirts")
            let totals = "SELECT sum(orders)::bigint * 1000 + sum(units)::bigint FROM {analytics}.sales_daily_totals"
            #expect(try await Self.int(system, totals, schemas) == 2 * 1000 + 6, "two orders of two shirts and a cap")
            // Totals lost (as after analytics migration 6, which came after the SKU rows) are taken whole again.
            try await pool.query(PostgresQuery(unsafeSQL: "DELETE FROM \(schemas.analytics).sales_day_totals"))
            _ = try await Self.refresh(schemas, system)
            #expect(try await Self.int(system, totals, schemas) == 2 * 1000 + 6)
            try await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schemas.analytics) CASCADE"))
        }
    }

    /// The dashboard, rendered by headless Chromium: every chart drawn (marks laid out with a
    /// size), a screenshot of the page, and each figure beside a chart equal to its view's.
    static func dashboardShowsTheViews(_ system: SystemHarness, _ schemas: AnalyticsSchemas, _ analyst: PostgresPool) async throws {
        let page = DashboardPage.render(try await DashboardData.read(schema: schemas.analytics, analyst))
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(schemas.analytics)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let html = folder.appendingPathComponent("dashboard.html")
        try Data(page.utf8).write(to: html)
        let installed = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let browser = try #require(installed, "headless Chromium (Debian's chromium package, installed by deploy/local/servers.sh start)")
        let options = [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1320,1500", "--user-data-dir=\(folder.path)/profile",
        ]
        let shot = folder.appendingPathComponent("dashboard.png")
        _ = try await runProgramAsync(browser, options + ["--screenshot=\(shot.path)", html.absoluteString])
        let png = try Data(contentsOf: shot)
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "a PNG screenshot")
        let pngWidth = png.count > 24 ? png[16..<20].reduce(0) { $0 << 8 | Int($1) } : 0
        #expect(pngWidth == 1320 && png.count > 20_000, "the screenshot is the page (\(png.count) bytes, \(pngWidth) wide)")
        let dom = try await runProgramAsync(browser, options + ["--dump-dom", html.absoluteString]).output
        let charts = dom.matches(of: /<section class="chart" data-chart="([^"]+)" data-drawn="(\d+)"/).map { (String($0.1), Int($0.2) ?? 0) }
        #expect(charts.map(\.0) == ["revenue-CNY", "top-skus", "stock-cover", "ar-ageing-CNY", "cohorts", "forecast"], "\(charts)")
        let undrawn = charts.filter { $0.1 == 0 }.map(\.0)
        #expect(undrawn.isEmpty, "charts with nothing drawn: \(undrawn)")
        var figures: [String: String] = [:]
        for match in dom.matches(of: /<dd data-figure="([^"]+)">([^<]*)<\/dd>/) { figures[String(match.1)] = String(match.2) }
        func view(_ sql: String) async throws -> String? { try await rows(system, sql, schemas).first?.first ?? nil }
        #expect(
            figures["revenue/CNY/web"] == (try await view("SELECT to_char(sum(revenue_minor) / 100.0, 'FM999990.00') FROM {analytics}.sales_daily")))
        #expect(figures["revenue/CNY/web"] == "743.97", "three orders of 247.99")
        #expect(figures["units/TEE-RED-M"] == "6" && figures["units/CAP-BLUE"] == "3")
        #expect(
            figures["cover/TEE-RED-M @ SH"]
                == (try await view("SELECT days_of_cover::text FROM {analytics}.inventory_health WHERE sku = 'TEE-RED-M'")), "\(figures)")
        #expect(
            figures["ar/CNY/current"]
                == (try await view("SELECT to_char(sum(open_minor) / 100.0, 'FM999990.00') FROM {analytics}.ar_ageing WHERE bucket = 'current'")))
        #expect(figures["ar/CNY/current"] == "247.99", "the unpaid order")
        let cohort = try #require(try await view("SELECT to_char(max(cohort_month), 'YYYY-MM') FROM {analytics}.cohorts_monthly"))
        #expect(figures["cohort/\(cohort)/0"] == "100.0")
        let week = try #require(try await view("SELECT min(week_start)::text FROM {analytics}.forecast_weekly WHERE sku = 'TEE-RED-M'"))
        #expect(
            figures["forecast/\(week)"]
                == (try await view("SELECT units::text FROM {analytics}.forecast_weekly WHERE sku = 'TEE-RED-M' AND week_start = '\(week)'")))
        #expect(figures["forecast/\(week)"] == "42.0")
    }
}
