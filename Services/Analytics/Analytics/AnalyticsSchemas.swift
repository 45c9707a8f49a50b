import Foundation
import Postgres

/// The schemas the analytics views read, and the roles involved: the standard names, or a
/// test's own. The views' SQL names them as `{orders}`, `{finance}`... and `{owner}` (the
/// role the views belong to and run as) and `{analyst}` (the role that may read them).
public struct AnalyticsSchemas: Sendable, Equatable {
    public var analytics = "analytics"
    public var catalog = "catalog"
    public var inventory = "inventory"
    public var orders = "orders"
    public var finance = "finance"
    public var crm = "crm"
    public var owner = "erp_analytics"
    public var analyst = "erp_analyst"

    public init() {}

    /// Every schema named `<prefix>_<service>` (a test's system).
    public init(prefix: String) {
        analytics = "\(prefix)_analytics"
        catalog = "\(prefix)_catalog"
        inventory = "\(prefix)_inventory"
        orders = "\(prefix)_orders"
        finance = "\(prefix)_finance"
        crm = "\(prefix)_crm"
    }

    /// `sql` with every `{name}` replaced by its quoted identifier.
    public func substitute(_ sql: String) -> String {
        var text = sql
        for (name, value) in [
            ("analytics", analytics), ("catalog", catalog), ("inventory", inventory), ("orders", orders), ("finance", finance), ("crm", crm),
            ("owner", owner), ("analyst", analyst),
        ] {
            text = text.replacingOccurrences(of: "{\(name)}", with: PostgresQuery.quoteIdentifier(value))
        }
        return text
    }
}
