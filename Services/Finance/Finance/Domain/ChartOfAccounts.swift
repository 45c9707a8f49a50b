/// The accounts the system posts to. Seeded by the schema's migrations (1 and 2); more can be
/// added (`erpctl finance add-account`). Debit-normal: assets and expenses; credit-normal:
/// liabilities, equity and revenue.
public enum AccountType: String, Codable, Sendable, CaseIterable {
    case asset, liability, equity, revenue, expense

    public var debitNormal: Bool { self == .asset || self == .expense }
}

public enum Accounts {
    public static let cash = "1000"
    public static let platformClearing = "1010"
    public static let receivables = "1100"
    public static let inventory = "1200"
    /// Returned units in quarantine, at cost, until inspected (since finance migration 2).
    public static let returnedGoods = "1210"
    public static let inputVAT = "1300"
    public static let payables = "2000"
    /// Goods received on a purchase order whose bill has not come (since finance migration 4).
    public static let goodsReceivedNotInvoiced = "2050"
    public static let outputVAT = "2100"
    public static let equity = "3000"
    public static let retainedEarnings = "3100"
    public static let salesRevenue = "4000"
    public static let shippingRevenue = "4100"
    public static let salesReturns = "4900"
    public static let costOfGoodsSold = "5000"
    /// Stock found or lost by adjustments and counts, and quarantined units written off (since finance migration 2).
    public static let inventoryAdjustments = "5100"
    /// The cost of goods sent free: a repair's return shipment, a re-send (since finance migration 3).
    public static let freeReplacements = "5200"
    /// What supplier bills ask beyond (or below) the purchase orders' prices (since finance migration 4).
    public static let purchasePriceVariance = "5300"
    /// Expenses posted by people (rent, software, advertising...), since finance migration 4.
    public static let operatingExpenses = "6100"
    /// What platforms keep of their payouts (settlements), since finance migration 4.
    public static let platformFees = "6200"

    /// Accounts kept by a subledger (open items, stock): manual entries may not post to them.
    public static let controlAccounts: Set<String> = [receivables, payables, inventory, goodsReceivedNotInvoiced]
}
