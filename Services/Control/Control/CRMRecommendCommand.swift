import ArgumentParser
import CRM
import Contracts
import Foundation
import ServiceKit

extension CRMCommands {
    /// `erpctl crm recommend --customer C | --sku S [--limit 5] [--json]`.
    struct Recommend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "SKUs to offer a customer (or that go with a SKU), best first.",
            discussion: """
                From what was bought together, bought by the same customers and viewed, less what came back. Never what the \
                customer bought, an inactive SKU or one out of stock. When that gives too few, the best sellers of the \
                customer's (or the SKU's) categories fill up, then the best sellers overall: a new customer gets those.
                """)
        @OptionGroup var report: ReportOptions
        @Option(help: "The customer's id (a merged id means the profile it was merged into).") var customer: Int64?
        @Option(help: "A SKU code: what goes with it.") var sku: String?
        @Option(help: "At most this many (1-100).") var limit = 5

        func validate() throws {
            guard (customer == nil) != (sku == nil) else { throw ValidationError("give one of --customer or --sku") }
            guard (1...100).contains(limit) else { throw ValidationError("--limit must be 1 to 100") }
            if let customer, customer <= 0 { throw ValidationError("--customer must be a customer id (a positive number)") }
            if let sku, !SKUCode.isValid(sku) { throw ValidationError("--sku '\(PrintableText.of(sku))' is not a SKU code (\(SKUCode.rule))") }
        }

        func run() async throws {
            var found: [RecommendationStore.Recommendation] = []
            var refusal: RecommendationStore.Refusal?
            try await report.withPool { pool in
                do {
                    if let customer {
                        found = try await RecommendationStore().forCustomer(customer, limit: limit, pool)
                    } else if let sku {
                        found = try await RecommendationStore().similar(to: sku, limit: limit, pool)
                    }
                } catch let refused as RecommendationStore.Refusal {
                    refusal = refused
                }
            }
            if let refusal { throw ControlFailure(description: refusal.description) }
            if report.json {
                print(String(decoding: try prettyJSON(found), as: UTF8.self))
                return
            }
            printReport(
                ReportTable(
                    columns: ["rank", "sku", "score", "basis", "reason"],
                    rows: found.enumerated().map {
                        [String($0.offset + 1), $0.element.sku, $0.element.score.map(String.init), $0.element.basis, $0.element.reason]
                    },
                    numericColumns: ["rank", "score"]), json: false)
        }
    }
}
