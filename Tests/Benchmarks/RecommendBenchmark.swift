import ArgumentParser
import CRM
import Foundation
import Postgres

/// `erp-bench recommend`: offline evaluation of the CRM's recommendations. Purchase
/// histories are generated with planted structure (customers buy mostly from a few bundles
/// of related SKUs, the rest by popularity); each customer's last order is held out, the
/// others are fed in order through the same incremental updates the CRM makes for each new
/// order, and for every customer with a held-out order it reports hit-rate@5 (a held-out SKU
/// among the five recommended) beside a popularity baseline (the five best sellers the
/// customer has not bought). Then the latency of `recommend` for a customer and for a SKU.
struct RecommendBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend", abstract: "Hit-rate@5 of the CRM's recommendations against a popularity baseline, and their latency.")

    @Option(help: "Database URL.") var databaseURL = environment("ERP_DATABASE_URL", default: "postgres://erp:erp@127.0.0.1:54329/erp")
    @Option(help: "Customers.") var customers = 10_000
    @Option(help: "Orders over all customers (each has at least one).") var orders = 100_000
    @Option(help: "SKUs (in categories of 20).") var skus = 1_000
    @Option(help: "Bundles of related SKUs the customers buy from.") var bundles = 100
    @Option(help: "Orders per transaction while loading.") var batch = 100
    @Option(help: "Customers whose recommendations are timed (at most).") var timed = 2_000
    @Option(help: "Keep the schema afterwards (its name is printed).") var keep = false

    mutating func validate() throws {
        guard customers >= 10, orders >= customers, skus >= 40, bundles >= 2, batch >= 1, timed >= 1 else {
            throw ValidationError("--customers ≥ 10, --orders ≥ --customers, --skus ≥ 40, --bundles ≥ 2, --batch and --timed ≥ 1")
        }
    }

    struct Order { var customer: Int; var skus: [String] }

    /// The planted structure: bundles of five SKUs (four of one category, one of another),
    /// two bundles per customer; an order takes one to three SKUs of one of its customer's
    /// bundles (70%) or one or two SKUs by popularity (Zipf).
    func histories() -> [Order] {
        var random = SplitMix(seed: 42)
        let codes = (0..<skus).map { String(format: "SKU-%05d", $0) }
        let categories = skus / 20
        let bundleItems: [[String]] = (0..<bundles).map { _ in
            let category = random.below(categories)
            var items = Set<String>()
            while items.count < 4 { items.insert(codes[category * 20 + random.below(20)]) }
            items.insert(codes[random.below(skus)])
            return items.sorted()
        }
        // Zipf weights for the popular picks.
        let weights = (1...skus).map { 1.0 / Double($0) }
        let total = weights.reduce(0, +)
        var cumulative: [Double] = []
        var sum = 0.0
        for weight in weights {
            sum += weight / total
            cumulative.append(sum)
        }
        let shuffled = codes.shuffled(using: &random)
        func popular() -> String {
            let u = Double(random.next() >> 11) / Double(1 << 53)
            var low = 0, high = cumulative.count - 1
            while low < high {
                let mid = (low + high) / 2
                if cumulative[mid] < u { low = mid + 1 } else { high = mid }
            }
            return shuffled[low]
        }
        let preferred = (0..<customers).map { _ in [random.below(bundles), random.below(bundles)] }
        var counts = [Int](repeating: 1, count: customers)
        for _ in 0..<(orders - customers) { counts[random.below(customers)] += 1 }
        var pending: [Int] = []
        for (customer, count) in counts.enumerated() { pending += Array(repeating: customer, count: count) }
        pending.shuffle(using: &random)
        return pending.map { customer in
            var picked = Set<String>()
            if random.chance(0.7) {
                let bundle = bundleItems[preferred[customer][random.below(2)]]
                for _ in 0..<(1 + random.below(3)) { picked.insert(bundle[random.below(bundle.count)]) }
            } else {
                for _ in 0..<(1 + random.below(2)) { picked.insert(popular()) }
            }
            return Order(customer: customer + 1, skus: picked.sorted())
        }
    }

    func run() async throws {
        bootstrapQuietLogging()
        let all = histories()
        // Each customer's last order is held out (if they have another to learn from).
        var last: [Int: Int] = [:]
        var count: [Int: Int] = [:]
        for (index, order) in all.enumerated() {
            last[order.customer] = index
            count[order.customer, default: 0] += 1
        }
        let heldOut = Set(last.filter { count[$0.key, default: 0] > 1 }.values)
        let training = all.enumerated().filter { !heldOut.contains($0.offset) }.map(\.element)

        let name = "bench_rec_\(UUID().uuidString.prefix(8).lowercased())"
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: databaseURL), size: 1)
        try await PostgresMigrator(schema: name, migrations: CRMMigrations.all).migrate(pool)
        try await pool.query(PostgresQuery(unsafeSQL: "INSERT INTO \(name).customers (id) SELECT n FROM generate_series(1, \(customers)) AS n"))
        let store = RecommendationStore(schema: name)
        let start = Date(timeIntervalSince1970: 1_760_000_000)
        let began = monotonicSeconds()
        var index = 0
        while index < training.count {
            let slice = training[index..<min(training.count, index + batch)]
            let offset = index
            try await pool.withTransaction { tx in
                for (n, order) in slice.enumerated() {
                    try await store.recordPurchase(
                        customer: Int64(order.customer), lines: order.skus.map { ($0, 1) }, at: start.addingTimeInterval(Double(offset + n) * 60),
                        in: tx)
                }
            }
            index += batch
        }
        let loaded = monotonicSeconds() - began
        for table in ["item_pairs", "customer_items", "sku_sales"] { try await pool.query(PostgresQuery(unsafeSQL: "ANALYZE \(name).\(table)")) }
        let pairs = try await pool.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(name).item_pairs"))[0].decode(Int.self, at: 0)

        // The popularity baseline: the best sellers of the training orders.
        var sales: [String: Int] = [:]
        var bought: [Int: Set<String>] = [:]
        for order in training {
            for sku in order.skus {
                sales[sku, default: 0] += 1
                bought[order.customer, default: []].insert(sku)
            }
        }
        let ranked = sales.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)

        var hits = 0, baselineHits = 0, evaluated = 0
        var times: [Double] = []
        for position in heldOut.sorted() {
            let order = all[position]
            let wanted = Set(order.skus)
            let began = monotonicSeconds()
            let found = try await store.forCustomer(Int64(order.customer), limit: 5, pool)
            if times.count < timed { times.append((monotonicSeconds() - began) * 1000) }
            evaluated += 1
            if found.contains(where: { wanted.contains($0.sku) }) { hits += 1 }
            let mine = bought[order.customer] ?? []
            if ranked.lazy.filter({ !mine.contains($0) }).prefix(5).contains(where: { wanted.contains($0) }) { baselineHits += 1 }
        }
        var similarTimes: [Double] = []
        var random = SplitMix(seed: 7)
        for _ in 0..<min(timed, 1_000) {
            let sku = String(format: "SKU-%05d", random.below(skus))
            let began = monotonicSeconds()
            _ = try await store.similar(to: sku, limit: 5, pool)
            similarTimes.append((monotonicSeconds() - began) * 1000)
        }
        if keep { print("schema kept: \(name)") } else { try await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(name) CASCADE")) }
        await pool.close()

        func percentile(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
        }
        print(
            String(
                format: "swift recommend: %d customers, %d orders (%d SKUs, %d bundles); %d orders learnt incrementally at %.0f orders/s, %d pairs",
                customers, orders, skus, bundles, training.count, Double(training.count) / loaded, pairs))
        print(
            String(
                format: "swift recommend: hit-rate@5 over %d held-out last orders: %.1f%% recommended, %.1f%% popularity baseline",
                evaluated, 100 * Double(hits) / Double(max(evaluated, 1)), 100 * Double(baselineHits) / Double(max(evaluated, 1))))
        print(
            String(
                format: "swift recommend: --customer p50 %.2f ms, p99 %.2f ms (%d reads); --sku p50 %.2f ms, p99 %.2f ms (%d reads)",
                percentile(times, 0.5), percentile(times, 0.99), times.count, percentile(similarTimes, 0.5), percentile(similarTimes, 0.99),
                similarTimes.count))
    }
}

/// The histories' random picks (the same every run).
extension SplitMix: RandomNumberGenerator {
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
}
