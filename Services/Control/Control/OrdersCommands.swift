import AMQP
import ArgumentParser
import Catalog
import Contracts
import Foundation
import Ingest
import Messaging
import Orders
import Postgres
import ServiceKit

/// `erpctl orders ...`: orders (list, show, import, export) and the intake quarantine.
struct OrdersCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orders", abstract: "Orders: list, show, import, export; the intake quarantine.",
        subcommands: [
            List.self, Show.self, Import.self, Export.self, Quarantine.self, Status.self, Ship.self, ChangeAddress.self, ChangeMethod.self,
            ChangeLine.self, AddLine.self, RemoveLine.self, SplitOrder.self, MergeOrders.self, Republish.self,
        ])

    struct Filters: ParsableArguments {
        @Option(help: "Only this status (e.g. paid, on_hold).") var status: String?
        @Option(help: "Only this platform.") var platform: String?
        @Option(help: "Placed at or after this day (YYYY-MM-DD, UTC).") var from: String?
        @Option(help: "Placed before this day (YYYY-MM-DD, UTC).") var to: String?
        @Option(help: "At most this many orders (listing: 100 by default; export: every order).") var limit: Int?
        /// The listing's cap.
        var listLimit: Int { limit ?? 100 }

        func validate() throws {
            if let status, OrderStatus(rawValue: status) == nil {
                throw ValidationError("--status must be one of \(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            _ = try day(from, "--from")
            _ = try day(to, "--to")
            if let limit { guard (1...1_000_000).contains(limit) else { throw ValidationError("--limit must be 1 to 1000000") } }
        }

        func day(_ text: String?, _ option: String) throws -> Date? {
            do { return try text.map { try BusinessDate($0).startOfDayUTC } } catch { throw ValidationError("\(option): \(error)") }
        }

        func filter(needsAttention: Bool = false) throws -> OrderQueries.Filter {
            OrderQueries.Filter(
                status: status, platform: platform, needsAttention: needsAttention, from: try day(from, "--from"), to: try day(to, "--to"),
                limit: listLimit)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List orders.")
        @OptionGroup var report: InventoryCommands.ReportOptions
        @OptionGroup var filters: Filters
        @Flag(help: "Only orders flagged for a person.") var attention = false
        func run() async throws {
            let filter = try filters.filter(needsAttention: attention)
            try await report.withPool { printReport(try await OrderQueries().list(filter, $0), json: report.json) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an order with its lines, status history, linked orders (split, merge, exchange) and returns.")
        @OptionGroup var report: InventoryCommands.ReportOptions
        @Option(help: "The order's id.") var order: Int64?
        @Option var platform: String?
        @Option(name: .customLong("external-id")) var externalID: String?
        @Option var shop: String?

        func validate() throws {
            guard (order != nil) != (platform != nil && externalID != nil) else {
                throw ValidationError("give --order ID, or --platform and --external-id")
            }
        }

        func run() async throws {
            var details: [OrderQueries.Detail] = []
            try await report.withPool { pool in
                let ids: [Int64]
                if let order {
                    ids = [order]
                } else {
                    ids = try await OrderQueries().find(platform: platform!, shop: shop, externalID: externalID!, pool)
                }
                for id in ids {
                    if let detail = try await OrderQueries().detail(id, pool) { details.append(detail) }
                }
            }
            guard !details.isEmpty else {
                throw ControlFailure(description: order.map { "no order \($0)" } ?? "no order \(externalID!) from \(platform!)")
            }
            if report.json {
                let encoder = MessageCoding.encoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(details.count == 1 ? [details[0]] : details), as: UTF8.self))
                return
            }
            for detail in details {
                let order = detail.snapshot
                print(
                    "order \(order.order): \(order.platform)/\(order.shop)/\(order.externalId) revision \(order.revision), \(order.status)"
                        + (detail.holdReason.map { " (\($0))" } ?? "") + ", total \(order.total), payment \(order.paymentStatus)")
                if let attention = detail.attention { print("needs attention: \(attention)") }
                if detail.repeats > 0 { print("repeats ignored: \(detail.repeats)") }
                let links = detail.links
                if let parent = links.parent { print("split from order \(parent)") }
                if !links.children.isEmpty { print("split into orders \(links.children.map(String.init).joined(separator: ", "))") }
                if let target = links.mergedInto { print("merged into order \(target)") }
                if !links.mergedFrom.isEmpty { print("merged from orders \(links.mergedFrom.map(String.init).joined(separator: ", "))") }
                if let original = links.exchangeFor { print("replacement in an exchange for order \(original)") }
                if !links.replacements.isEmpty { print("replacements sent: orders \(links.replacements.map(String.init).joined(separator: ", "))") }
                for entry in links.returns { print("return \(entry)") }
                print(
                    ReportTable(
                        columns: ["line", "sku", "quantity", "unit_price", "discount", "total"],
                        rows: order.lines.map {
                            ["\($0.line)", $0.sku, "\($0.quantity)", $0.unitPrice.decimalString, $0.discount.decimalString, $0.total.decimalString]
                        },
                        numericColumns: ["line", "quantity"]
                    ).table)
                print("history:")
                for entry in detail.history {
                    print("  \(UTCTimestamp.string(from: entry.at))  \(entry.from ?? "-") → \(entry.to)  \(entry.reason)  (\(entry.actor))")
                }
                if !detail.amendments.isEmpty { print("amendments:") }
                for amendment in detail.amendments { print("  " + Self.describe(amendment)) }
                if !detail.tracking.isEmpty { print("tracking:") }
                for entry in detail.tracking {
                    let place = [entry.location, entry.description].compactMap { $0.map(PrintableText.of) }.joined(separator: ", ")
                    print(
                        "  \(UTCTimestamp.string(from: entry.at))  \(entry.shipment) \(entry.carrier) \(entry.trackingNumber)  \(entry.event)"
                            + (place.isEmpty ? "" : "  \(place)"))
                }
            }
        }

        /// One amendment: when, by whom, what, and how it ended.
        static func describe(_ amendment: OrderStore.Amendment) -> String {
            let head =
                "\(UTCTimestamp.string(from: amendment.requestedAt))  #\(amendment.id) \(PrintableText.of(amendment.what))  (\(amendment.actor)): "
            switch amendment.status {
            case "pending": return head + "pending (total \(amendment.previousTotal) → \(amendment.total) once reserved and invoiced)"
            case "refused": return head + "refused: \(PrintableText.of(amendment.reason ?? "-")); the order kept its lines"
            default:
                let owed = amendment.open.map { $0.minorUnits > 0 ? ", \($0) open" : ", nothing open" } ?? ", invoice pending"
                return head + "applied, total \(amendment.previousTotal) → \(amendment.total)"
                    + (amendment.invoice.map { ", invoice \($0)" } ?? "") + owed
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish orders from a JSONL file (one canonical order a line) or a CSV file through platform intake.",
            discussion:
                "Each order goes to erp.ingest as platform.<platform>.order.created and is validated like any platform message; erpctl waits until each is an order or quarantined and reports them by line. CSV has the columns of `orders export --format csv` (one row per order line; rows of one order together)."
        )
        @OptionGroup var servers: ServerOptions
        @Argument(help: "FILE.jsonl or FILE.csv") var file: String
        @Option(help: "Seconds to wait for intake.") var timeout = 120
        @Option(name: .customLong("ingest-exchange"), help: .hidden) var ingestExchange = Exchanges.ingest
        @Option(name: .customLong("schema"), help: .hidden) var schema = "orders"

        func validate() throws {
            guard file.hasSuffix(".jsonl") || file.hasSuffix(".ndjson") || file.hasSuffix(".csv") else {
                throw ValidationError("\(file): expected a .jsonl file (one order a line) or a .csv file")
            }
        }

        /// CSV rows grouped into canonical orders, each with the line of its first row.
        static func ordersFromCSV(_ text: String) throws -> (orders: [(line: Int, body: Data)], problems: [String]) {
            let records: [CSV.Record]
            do { records = try CSV.parse(text) } catch { throw ValidationError("\(error)") }
            guard let header = records.first?.fields.map({ $0.trimmingCharacters(in: .whitespaces) }) else { return ([], []) }
            let required = ["platform", "shop", "external_id", "placed_at", "currency", "sku", "quantity", "unit_price"]
            for column in required where !header.contains(column) { throw ValidationError("the CSV header has no '\(column)' column") }
            var groups: [(line: Int, key: String, rows: [[String: String]])] = []
            var problems: [String] = []
            for record in records.dropFirst() {
                guard record.fields.count == header.count else {
                    problems.append("line \(record.line): \(record.fields.count) fields, the header has \(header.count)")
                    continue
                }
                let row = Dictionary(zip(header, record.fields), uniquingKeysWith: { first, _ in first })
                let key = [row["platform"]!, row["shop"]!, row["external_id"]!].joined(separator: "\u{0}")
                if groups.last?.key == key { groups[groups.count - 1].rows.append(row) } else { groups.append((record.line, key, [row])) }
            }
            let encoder = MessageCoding.encoder()
            var orders: [(Int, Data)] = []
            for group in groups {
                let first = group.rows[0]
                func value(_ column: String) -> String? { first[column].flatMap { $0.isEmpty ? nil : $0 } }
                var lines: [CanonicalOrder.Line] = []
                var bad: String?
                for row in group.rows {
                    guard let quantity = Int(row["quantity"] ?? "") else { bad = "quantity '\(row["quantity"] ?? "")' is not a whole number"; break }
                    let discount = row["discount"].flatMap { $0.isEmpty || $0 == "0" ? nil : $0 }
                    lines.append(.init(sku: row["sku"]!, quantity: quantity, unitPrice: row["unit_price"]!, discount: discount))
                }
                if let bad {
                    problems.append("line \(group.line): \(bad)")
                    continue
                }
                let status = value("payment_status") ?? "pending"
                let order = CanonicalOrder(
                    platform: first["platform"]!, shop: first["shop"]!, externalId: first["external_id"]!, placedAt: first["placed_at"]!,
                    currency: first["currency"]!, lines: lines, shippingFee: value("shipping_fee"),
                    payment: CanonicalOrder.Payment(status: status, amount: value("payment_amount")))
                orders.append((group.line, try encoder.encode(order)))
            }
            return (orders, problems)
        }

        struct Keys: Decodable { let platform: String; let shop: String; let externalId: String }

        func run() async throws {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw ValidationError("cannot read \(file): \(error.localizedDescription)")
            }
            var messages: [(line: Int, keys: Keys, id: String, body: Data)] = []
            var problems: [String] = []
            var bodies: [(line: Int, body: Data)] = []
            if file.hasSuffix(".csv") {
                (bodies, problems) = try Self.ordersFromCSV(text)
            } else {
                for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let line = raw.trimmingCharacters(in: .whitespaces)
                    if !line.isEmpty { bodies.append((index + 1, Data(line.utf8))) }
                }
            }
            for (line, body) in bodies {
                guard let keys = try? MessageCoding.decoder().decode(Keys.self, from: body) else {
                    problems.append("line \(line): not a JSON order with platform, shop and external_id")
                    continue
                }
                messages.append((line, keys, UUID().uuidString.lowercased(), body))
            }
            for problem in problems { FileHandleOutput.error("\(file): \(problem)") }
            guard !messages.isEmpty else { throw ControlFailure(description: "\(file): no orders to import") }
            let broker = try servers.broker()
            try await reporting("publishing \(file)") {
                let publisher = try await AMQPPublisher.connect(broker, window: 256)
                let results = await publisher.publish(
                    batch: messages.map {
                        AMQPMessage(
                            exchange: ingestExchange, routingKey: "platform.\($0.keys.platform).order.created", body: $0.body,
                            properties: AMQPProperties(contentType: "application/json", persistent: true, messageID: $0.id, appID: "erpctl"),
                            mandatory: true)
                    })
                await publisher.close()
                for (message, result) in zip(messages, results) where (try? result.get()) != .confirmed {
                    throw ControlFailure(
                        description: "line \(message.line): the broker did not take it (\(result)); is platform \(message.keys.platform) routed?")
                }
            }
            // Wait until each is an order or in the quarantine.
            let pool = PostgresPool(configuration: try servers.database(), size: 1)
            defer { Task { await pool.close() } }
            let s = PostgresQuery.quoteIdentifier(schema)
            let deadline = ContinuousClock.now + .seconds(timeout)
            var taken = 0
            var rejected: [(Int, String)] = []
            while ContinuousClock.now < deadline {
                taken = try await pool.query(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT count(*)::int FROM \(s).orders o JOIN unnest($1::text[], $2::text[], $3::text[]) AS k (platform, shop, external_id)
                            ON o.platform = k.platform AND o.shop = k.shop AND o.external_id = k.external_id
                            """, binds: [messages.map(\.keys.platform), messages.map(\.keys.shop), messages.map(\.keys.externalId)]))[0].decode(
                        Int.self, at: 0)
                let lines = Dictionary(uniqueKeysWithValues: messages.map { ($0.id, $0.line) })
                rejected = try await pool.query(
                    PostgresQuery(
                        unsafeSQL: "SELECT message_id, code || ': ' || reason FROM \(s).quarantine WHERE message_id = ANY($1) ORDER BY id",
                        binds: [messages.map(\.id)])
                ).map { (lines[try $0.decode(String.self, at: 0)] ?? 0, try $0.decode(String.self, at: 1)) }
                if taken + rejected.count >= messages.count { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            print("\(file): \(taken) taken (new or repeated), \(rejected.count) quarantined, \(problems.count) unreadable")
            for (line, reason) in rejected.sorted(by: { $0.0 < $1.0 }) { print("  line \(line): \(reason)") }
            if taken + rejected.count < messages.count {
                throw ControlFailure(
                    description: "\(messages.count - taken - rejected.count) order(s) not accounted for after \(timeout) s: is erp-orders running?")
            }
            if !rejected.isEmpty || !problems.isEmpty {
                throw ControlFailure(description: "\(rejected.count + problems.count) line(s) were not taken")
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print orders as JSONL (canonical format, importable) or CSV (one row per line).")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var filters: Filters
        @Option(help: "jsonl or csv.") var format = "jsonl"
        @Option(name: .customLong("schema"), help: .hidden) var schema = "orders"
        func validate() throws { guard ["jsonl", "csv"].contains(format) else { throw ValidationError("--format must be jsonl or csv") } }
        func run() async throws {
            let pool = PostgresPool(configuration: try servers.database(), size: 1)
            let filter = try filters.filter()
            // Without --limit an export takes every order the filters select, a page at a time.
            let limit = filters.limit
            let encoder = MessageCoding.encoder()
            func csv(_ fields: [String]) -> String { ReportTable.csvLine(fields) }
            if format == "csv" {
                print(
                    csv([
                        "platform", "shop", "external_id", "placed_at", "currency", "line", "sku", "quantity", "unit_price", "discount",
                        "shipping_fee", "payment_status", "payment_amount",
                    ]))
            }
            do {
                try await reporting("reading orders") {
                    try await OrderQueries(schema: schema).forEachCanonical(filter, limit: limit, pool) { order in
                        if format == "jsonl" {
                            print(String(decoding: try encoder.encode(order), as: UTF8.self))
                            return
                        }
                        for (index, line) in order.lines.enumerated() {
                            print(
                                csv([
                                    order.platform, order.shop, order.externalId, order.placedAt, order.currency, "\(index + 1)", line.sku,
                                    "\(line.quantity)",
                                    line.unitPrice, line.discount ?? "0", order.shippingFee ?? "0", order.payment?.status ?? "pending",
                                    order.payment?.amount ?? "",
                                ]))
                        }
                    }
                }
                await pool.close()
            } catch {
                await pool.close()
                throw error
            }
        }
    }

    struct Status: SendsCommand {
        static let configuration = CommandConfiguration(abstract: "Move an order to another status (the state machine decides).")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var order: Int64
        @Option(help: "\(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))") var to: OrderStatus
        @Option var reason: String
        func command() throws -> OrderCommand.ChangeStatus { OrderCommand.ChangeStatus(order: order, to: to, reason: reason) }
    }

    struct Ship: SendsCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a parcel a warehouse sent (partial or complete); its stock is issued.",
            discussion: "Only lines allocated to the warehouse and not yet shipped may ship. The same shipment again changes nothing.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var order: Int64
        @Option var shipment: String
        @Option(help: "The carrier's code, in lower case (as in carrier.<carrier>.tracking.<event>).") var carrier: String
        @Option(name: .customLong("tracking")) var trackingNumber: String
        @Option(name: .customLong("line"), help: "LINE:QUANTITY, once per line shipped.") var lines: [String] = []
        @Option(help: "The warehouse it left (needed when the lines are allocated in several).") var warehouse: String?
        @Option(name: .customLong("shipped-at"), help: "When it left, ISO 8601 (default: now).") var shippedAt: String?
        @Option(name: .customLong("weight-grams")) var weightGrams: Int?
        func validate() throws {
            _ = try parsedLines()
            _ = try parsedShippedAt()
            if let weightGrams, weightGrams <= 0 { throw ValidationError("--weight-grams: \(weightGrams) is not a positive weight") }
        }
        func parsedLines() throws -> [OrderCommand.ShipmentLine] {
            guard !lines.isEmpty else { throw ValidationError("give at least one --line LINE:QUANTITY") }
            return try lines.map { try lineQuantity($0, option: "--line") }
        }
        func parsedShippedAt() throws -> Date? {
            guard let shippedAt else { return nil }
            guard let date = ISODateTime.parse(shippedAt) else {
                throw ValidationError("--shipped-at: '\(shippedAt)' is not an ISO 8601 date-time such as 2026-11-28T10:15:00Z")
            }
            return date
        }
        func command() throws -> OrderCommand.Ship {
            OrderCommand.Ship(
                order: order, shipment: shipment, carrier: carrier, trackingNumber: trackingNumber, lines: try parsedLines(), warehouse: warehouse,
                shippedAt: try parsedShippedAt(), weightGrams: weightGrams)
        }
    }

    struct ChangeAddress: SendsCommand {
        static let configuration = CommandConfiguration(
            commandName: "change-address", abstract: "Change the shipping address (until the order is packed).")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var order: Int64
        @Option var name: String?
        @Option var phone: String?
        @Option(help: "ISO 3166 code, e.g. CN.") var country: String
        @Option var province: String?
        @Option var city: String?
        @Option var district: String?
        @Option var line1: String
        @Option var line2: String?
        @Option(name: .customLong("postal-code")) var postalCode: String?
        func command() throws -> OrderCommand.ChangeAddress {
            let address = CanonicalOrder.Address(
                name: name, phone: phone, country: country, province: province, city: city, district: district, line1: line1, line2: line2,
                postalCode: postalCode)
            return OrderCommand.ChangeAddress(order: order, address: address)
        }
    }

    struct ChangeMethod: SendsCommand {
        static let configuration = CommandConfiguration(
            commandName: "change-method", abstract: "Change the shipping method (until the order is packed).")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var order: Int64
        @Option var method: String
        func command() throws -> OrderCommand.ChangeShippingMethod { OrderCommand.ChangeShippingMethod(order: order, method: method) }
    }

    struct RemoveLine: AmendsLines {
        static let configuration = CommandConfiguration(
            commandName: "remove-line", abstract: "Remove a line (until the order is paid; an order keeps at least one).",
            discussion: OrdersCommands.amendmentNote)
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var order: Int64
        @Option var line: Int
        func command() throws -> OrderCommand.ChangeLine { OrderCommand.ChangeLine(order: order, line: line, quantity: 0) }
    }

    struct ChangeLine: AmendsLines {
        static let configuration = CommandConfiguration(
            commandName: "change-line", abstract: "Set a line's quantity; 0 removes it (until the order is paid).",
            discussion: OrdersCommands.amendmentNote)
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var order: Int64
        @Option var line: Int
        @Option(name: .customLong("qty")) var quantity: Int
        func command() throws -> OrderCommand.ChangeLine { OrderCommand.ChangeLine(order: order, line: line, quantity: quantity) }
    }

    struct AddLine: AmendsLines {
        static let configuration = CommandConfiguration(
            commandName: "add-line", abstract: "Add a line (until the order is paid).", discussion: OrdersCommands.amendmentNote)
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var order: Int64
        @Option var sku: String
        @Option(name: .customLong("qty")) var quantity: Int
        @Option(name: .customLong("unit-price")) var unitPrice: String
        @Option var currency = "CNY"
        func validate() throws { _ = try money(unitPrice, currency: currency, option: "--unit-price") }
        func command() throws -> OrderCommand.AddLine {
            OrderCommand.AddLine(
                order: order, sku: sku, quantity: quantity, unitPrice: try money(unitPrice, currency: currency, option: "--unit-price"))
        }
    }

    static let amendmentNote = """
        The change is an amendment: checked at once, then carried through by the saga coordinator. The order keeps its lines until \
        the new ones are reserved (all or nothing) and the invoice is reissued; a change that cannot be reserved is refused and the \
        order keeps its lines. `erpctl orders show` lists each amendment with how it ended.
        """

    struct Quarantine: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Platform messages intake did not take: list, show, retry.", subcommands: [QList.self, QShow.self, QRetry.self])

        struct QList: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "Quarantined messages with why.")
            @OptionGroup var report: InventoryCommands.ReportOptions
            @Flag(help: "Include retried ones.") var all = false
            @Option var limit = 200
            func run() async throws {
                try await report.withPool {
                    try await QuarantineReports.list(QuarantineStore(), includeRetried: all, limit: limit, json: report.json, $0)
                }
            }
        }

        struct QShow: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "show", abstract: "One quarantined message, with its raw body.")
            @OptionGroup var report: InventoryCommands.ReportOptions
            @Argument var id: Int64
            func run() async throws {
                try await report.withPool { try await QuarantineReports.show(QuarantineStore(), id: id, json: report.json, $0) }
            }
        }

        struct QRetry: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "retry", abstract: "Run a quarantined message through intake again.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @Argument var id: Int64
            func run() async throws {
                let outcome = try await sendWaiting(OrderCommand.RetryQuarantined(quarantine: id), servers: servers, output: output)
                let result = try outcome.decodeResult(OrderCommand.RetryResult.self)
                guard result.accepted else {
                    throw ControlFailure(description: "quarantined message \(id) was rejected again (\(result.code ?? "")): \(result.reason ?? "")")
                }
            }
        }
    }
}

/// A change of an order's lines: sent like any command, then erpctl says what happens next
/// (the change waits as an amendment until it is carried through).
protocol AmendsLines: SendsCommand {}

extension AmendsLines {
    func run() async throws {
        let outcome = try await sendWaiting(try command(), servers: servers, output: output)
        guard !output.json, let changed = try? outcome.decodeResult(OrderCommand.Changed.self), let amendment = changed.amendment else { return }
        print(
            """
            amendment \(amendment) of order \(changed.order) waits to be carried through (stock reserved again, invoice reissued); \
            its total will be \(changed.total). See: erpctl orders show --order \(changed.order)
            """)
    }
}

extension OrdersCommands {
    /// Pages through every order, having the orders service announce each again
    /// (`orders.order.republished.v1`), for a service installed after orders were taken: the CRM
    /// puts them on their customers' profiles. Safe to run again (the CRM takes each once).
    struct Republish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Announce every existing order again (orders.order.republished.v1) for a service that came later, such as the CRM.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option(help: "Start after this order id.") var after: Int64 = 0
        @Option(help: "Orders per command (1-1000).") var batch = 500

        func validate() throws {
            guard (1...1_000).contains(batch) else { throw ValidationError("--batch must be 1 to 1000") }
            guard after >= 0 else { throw ValidationError("--after is an order id, 0 or more") }
        }

        func run() async throws {
            let broker = try servers.broker()
            let total = try await reporting("republishing orders") {
                let client = try await CommandClient.connect(broker, exchange: output.commandsExchange)
                do {
                    let total = try await pages(client)
                    await client.close()
                    return total
                } catch {
                    await client.close()
                    throw error
                }
            }
            print(output.json ? "{\"republished\": \(total)}" : "announced \(total) orders again")
        }

        func pages(_ client: CommandClient) async throws -> Int {
            var next = after
            var total = 0
            while true {
                let outcome = try await client.send(OrderCommand.RepublishOrders(after: next, limit: batch), timeout: .seconds(output.timeout))
                guard outcome.status == .done else {
                    throw ControlFailure(description: "refused (\(outcome.code ?? "refused")): \(outcome.reason ?? "no reason given")")
                }
                let page = try outcome.decodeResult(OrderCommand.Republished.self)
                total += page.count
                guard let last = page.last, page.count == batch else { return total }
                next = last
                if !output.json { print("announced \(total) orders (up to order \(last))") }
            }
        }
    }
}
