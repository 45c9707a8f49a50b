import ArgumentParser
import Catalog
import Foundation
import Postgres

/// `erp-bench catalog-search`: `catalog search`'s query over generated products with their
/// own English text and German and Chinese translations (three documents each), in a tree of
/// categories, with tags and attributes: p50 and p99 of a mix of queries (words, CJK runs,
/// text within a category subtree, attribute and tag filters).
struct CatalogSearchBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog-search", abstract: "catalog search p50/p99 with 100,000 products in three locales.")

    @Option(help: "Database URL.") var databaseURL = environment("ERP_DATABASE_URL", default: "postgres://erp:erp@127.0.0.1:54329/erp")
    @Option(help: "Products.") var products = 100_000
    @Option(help: "Searches measured.") var searches = 600
    @Option(help: .hidden) var keepSchema: String?

    func run() async throws {
        bootstrapQuietLogging()
        let name = keepSchema ?? "bench_search_\(UUID().uuidString.prefix(8).lowercased())"
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: databaseURL), size: 2)
        let began = monotonicSeconds()
        let exists = try await !pool.query(PostgresQuery(unsafeSQL: "SELECT 1 FROM pg_namespace WHERE nspname = $1", binds: [name])).isEmpty
        if !exists {
            try await PostgresMigrator(schema: name, migrations: CatalogMigrations.all).migrate(pool)
            try await pool.withConnection { try await $0.executeScript(Self.data(name, products: products)) }
            // As autovacuum would have by the time anyone searches: visibility map and statistics.
            for table in ["products", "translations", "product_search", "categories"] {
                _ = try await pool.query(PostgresQuery(unsafeSQL: "VACUUM (ANALYZE) \(name).\(table)"))
            }
        }
        let documents = try await pool.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(name).product_search"))[0].decode(Int.self, at: 0)
        let loaded = monotonicSeconds() - began
        let search = CatalogSearch(schema: name)
        let mix: [CatalogSearch.Query] = [
            .init(text: "dress"), .init(text: "blue shirt"), .init(text: "Jacke"), .init(text: "连衣"), .init(text: "红色外套"),
            .init(text: "wool", category: "c1"), .init(text: "lamp", attributes: ["brand": "brand-7"]), .init(category: "c3-4", tags: ["sale"]),
            .init(attributes: ["material": "silk"], activeOnly: true), .init(text: "warm scarf", locale: "de"),
            .init(text: "cotton", limit: 20, offset: 100),
            .init(tags: ["new", "eco"]),
        ]
        var found = 0
        for query in mix { found += try await search.search(query, pool).total }  // warm the caches
        for query in mix { _ = try await search.search(query, pool) }
        var times: [Double] = []
        var byKind = [[Double]](repeating: [], count: mix.count)
        for index in 0..<searches {
            let query = mix[index % mix.count]
            let start = monotonicSeconds()
            _ = try await search.search(query, pool)
            times.append((monotonicSeconds() - start) * 1000)
            byKind[index % mix.count].append(times.last!)
        }
        for (query, kind) in zip(mix, byKind) {
            let sorted = kind.sorted()
            print(
                String(
                    format: "  %@: median %.1f ms", "\(query.text ?? "-") \(query.category ?? "") \(query.tags) \(query.attributes)",
                    sorted[sorted.count / 2]))
        }
        times.sort()
        let p50 = times[times.count / 2], p99 = times[min(times.count - 1, times.count * 99 / 100)]
        print(
            String(
                format:
                    "swift catalog search: %d products, %d search documents (en, de, zh-Hans), %d queries of %d kinds (%d matches in all): p50 %.1f ms, p99 %.1f ms, max %.1f ms (loaded in %.0f s)",
                products, documents, searches, mix.count, found, p50, p99, times.last ?? 0, loaded))
        if keepSchema == nil { _ = try await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(name) CASCADE")) }
        await pool.close()
    }

    /// Titles from a small vocabulary (so that a word matches a few percent of the products),
    /// the same in German and in Chinese; 100 categories in two levels; tags and attributes.
    static func data(_ s: String, products: Int) -> String {
        """
        INSERT INTO \(s).categories (code, name) SELECT 'c' || n, 'Category ' || n FROM generate_series(1, 10) AS n;
        INSERT INTO \(s).categories (code, name, parent) SELECT 'c' || n || '-' || k, 'Category ' || n || '.' || k, 'c' || n
            FROM generate_series(1, 10) AS n, generate_series(1, 9) AS k;
        CREATE TEMP TABLE words (i int, en text, de text, zh text);
        INSERT INTO words SELECT row_number() OVER (), * FROM unnest(
            ARRAY['dress','shirt','jacket','trousers','shoe','hat','scarf','backpack','mug','lamp','coat','skirt','sweater','sock','glove','belt','bag','cup','bowl','vase'],
            ARRAY['Kleid','Hemd','Jacke','Hose','Schuh','Hut','Schal','Rucksack','Becher','Lampe','Mantel','Rock','Pullover','Socke','Handschuh','Gürtel','Tasche','Tasse','Schale','Vase'],
            ARRAY['连衣裙','衬衫','夹克','裤子','鞋子','帽子','围巾','背包','马克杯','台灯','外套','短裙','毛衣','袜子','手套','腰带','包包','茶杯','碗','花瓶']);
        CREATE TEMP TABLE colours (i int, en text, de text, zh text);
        INSERT INTO colours SELECT row_number() OVER (), * FROM unnest(
            ARRAY['red','blue','black','white','green','grey','pink','yellow','brown','navy'],
            ARRAY['rot','blau','schwarz','weiß','grün','grau','rosa','gelb','braun','marine'],
            ARRAY['红色','蓝色','黑色','白色','绿色','灰色','粉色','黄色','棕色','藏青']);
        CREATE TEMP TABLE qualities (i int, en text, de text);
        INSERT INTO qualities SELECT row_number() OVER (), * FROM unnest(
            ARRAY['warm','light','soft','classic','wool','cotton','linen','silk','leather','recycled','slim','oversized'],
            ARRAY['warm','leicht','weich','klassisch','Wolle','Baumwolle','Leinen','Seide','Leder','recycelt','schmal','weit']);
        INSERT INTO \(s).products (code, title, description, category, tax_category, tags, details, active)
        SELECT 'P' || n, q.en || ' ' || c.en || ' ' || w.en || ' ' || n,
               'A ' || q.en || ' ' || w.en || ' in ' || c.en || ', made with care; model ' || (n % 997),
               'c' || (1 + n % 10) || '-' || (1 + (n / 10) % 9), 'standard',
               ARRAY[(ARRAY['sale','new','eco','gift','limited'])[1 + n % 5], (ARRAY['summer','winter','spring','autumn'])[1 + (n / 7) % 4]],
               jsonb_build_object('material', (ARRAY['cotton','wool','silk','linen','leather','porcelain','glass','steel'])[1 + (n / 3) % 8],
                                  'brand', 'brand-' || (n % 200)),
               n % 10 <> 0
        FROM generate_series(1, \(products)) AS n
        JOIN words w ON w.i = 1 + (n * 7) % 20 JOIN colours c ON c.i = 1 + (n * 3) % 10 JOIN qualities q ON q.i = 1 + (n * 11) % 12;
        INSERT INTO \(s).translations (product, locale, title, description)
        SELECT 'P' || n, 'de', q.de || ' ' || c.de || ' ' || w.de || ' ' || n, 'Ein ' || w.de || ' in ' || c.de || ', sorgfältig gemacht'
        FROM generate_series(1, \(products)) AS n
        JOIN words w ON w.i = 1 + (n * 7) % 20 JOIN colours c ON c.i = 1 + (n * 3) % 10 JOIN qualities q ON q.i = 1 + (n * 11) % 12;
        INSERT INTO \(s).translations (product, locale, title, description)
        SELECT 'P' || n, 'zh-Hans', c.zh || w.zh || ' ' || n, '精心制作的' || c.zh || w.zh
        FROM generate_series(1, \(products)) AS n JOIN words w ON w.i = 1 + (n * 7) % 20 JOIN colours c ON c.i = 1 + (n * 3) % 10;
        ANALYZE \(s).products; ANALYZE \(s).translations; ANALYZE \(s).product_search; ANALYZE \(s).categories;
        """
    }
}
