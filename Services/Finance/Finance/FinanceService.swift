import Contracts
import Foundation
import Messaging
import Metrics
import Postgres
import ServiceKit

/// The finance service: a double-entry journal every business event posts to, sales
/// invoices and credit notes, receivables and payables, cost of goods sold, supplier bills. It
/// consumes `finance.events` (orders placed, stock issued, received, returned and adjusted, SKUs
/// for their tax category, purchase orders sent) and `finance.commands`; handlers in `Handlers/`.
/// `billTolerancePercent`: how far a bill's quantities and prices may be off before it is held.
public enum FinanceService {
    public static let name = "finance"

    public static func definition(
        schema: String = "finance", queuePrefix: String = "finance", eventsExchange: String = Exchanges.events,
        commandsExchange: String = Exchanges.commands, billTolerancePercent: Int = 0
    ) -> ServiceDefinition {
        let handlers = FinanceHandlers(schema: schema, billTolerancePercent: billTolerancePercent)
        var registry = MessageHandlers()
        handlers.register(in: &registry)
        let events = [
            CatalogEvent.SKUChanged.type, OrderEvent.Placed.type, InventoryEvent.Issued.type, InventoryEvent.Received.type,
            InventoryEvent.Returned.type, InventoryEvent.Adjusted.type, OrderEvent.ReplacementPlaced.type, PurchasingEvent.OrderSent.type,
        ]
        return ServiceDefinition(
            name: name, schema: schema, defaultHTTPPort: 8094, migrations: FinanceMigrations.all,
            queues: [
                ServiceQueue(name: "\(queuePrefix).events", bindings: events.map { QueueBinding(exchange: eventsExchange, routingKey: $0.rawValue) }),
                ServiceQueue(name: "\(queuePrefix).commands", bindings: [QueueBinding(exchange: commandsExchange, routingKey: "finance.#")]),
            ],
            handlers: registry)
    }
}

struct FinanceHandlers: Sendable {
    let schema: String
    let journal: Journal
    let documents: Documents
    let reference: ReferenceData
    let bills: SupplierBills
    /// How far a supplier bill's quantities and prices may be off its order and receipts, in percent.
    let billTolerancePercent: Int

    init(schema: String, billTolerancePercent: Int = 0) {
        self.schema = schema
        journal = Journal(schema: schema)
        documents = Documents(schema: schema)
        reference = ReferenceData(schema: schema)
        bills = SupplierBills(schema: schema)
        self.billTolerancePercent = billTolerancePercent
    }

    func register(in registry: inout MessageHandlers) {
        registry.on(CatalogEvent.SKUChanged.self) { sku, context in
            try await reference.upsertSKU(code: sku.code, title: sku.title, taxCategory: sku.taxCategory, in: context.transaction)
        }
        registry.on(OrderEvent.Placed.self, orderPlaced)
        registry.on(InventoryEvent.Issued.self, stockIssued)
        registry.on(OrderEvent.ReplacementPlaced.self, replacementPlaced)
        registry.on(InventoryEvent.Received.self, stockReceived)
        registry.on(InventoryEvent.Returned.self, stockReturned)
        registry.on(InventoryEvent.Adjusted.self, stockAdjusted)
        registry.command(FinanceCommand.RecordPayment.self, recordPayment)
        registry.command(FinanceCommand.RecordRefund.self, recordRefund)
        registry.on(PurchasingEvent.OrderSent.self, purchaseOrderSent)
        registry.command(FinanceCommand.PaySupplier.self, paySupplier)
        registry.command(FinanceCommand.RecordSupplierBill.self, recordSupplierBill)
        registry.command(FinanceCommand.DecideSupplierBill.self, decideSupplierBill)
        registry.command(FinanceCommand.PostJournalEntry.self, postJournalEntry)
        registry.command(FinanceCommand.RecordExpense.self, recordExpense)
        registry.command(FinanceCommand.ReverseEntry.self, reverseEntry)
        registry.command(FinanceCommand.SetTaxRate.self, setTaxRate)
        registry.command(FinanceCommand.SetExchangeRate.self, setExchangeRate)
        registry.command(FinanceCommand.ImportSettlement.self, importSettlement)
        registry.command(FinanceCommand.VoidInvoice.self, voidInvoice)
        registry.command(FinanceCommand.Reinvoice.self, reinvoice)
        registry.command(FinanceCommand.AmendInvoice.self, amendInvoice)
        registry.command(FinanceCommand.InvoiceOrder.self, invoiceOrder)
        registry.command(FinanceCommand.AddAccount.self) { command, context in
            guard command.code.count >= 3, command.code.count <= 10, command.code.allSatisfy(\.isNumber) else {
                throw CommandRefused("validation", "an account code is 3 to 10 digits (got '\(command.code)')")
            }
            guard !command.name.trimmingCharacters(in: .whitespaces).isEmpty else { throw CommandRefused("validation", "an account needs a name") }
            guard AccountType(rawValue: command.accountType) != nil else {
                throw CommandRefused(
                    "validation",
                    "account type '\(command.accountType)' is not one of \(AccountType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let added = try await reference.addAccount(code: command.code, name: command.name, type: command.accountType, in: context.transaction)
            guard added else { throw CommandRefused("duplicate-account", "account \(command.code) exists already") }
            return FinanceCommand.Result(document: command.code)
        }
    }

    func rates(on date: BusinessDate, _ tx: PostgresTransaction) async throws -> TaxRates { try await reference.rates(on: date, in: tx) }

    func taxCategories(_ skus: [String], _ tx: PostgresTransaction) async throws -> [String: String] {
        try await reference.taxCategories(skus, in: tx)
    }

    static func businessDate(_ date: Date) -> BusinessDate { BusinessDate(utcDayOf: date) }
}
