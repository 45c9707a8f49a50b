import Contracts
import Foundation
import Postgres

/// What the handlers ask of invoices and open items beyond issuing and settling them.
extension Documents {
    /// Only one transaction at a time invoices an order: the event of its placing and a
    /// saga's `finance.invoice_order.v1` may come together (different queues), and each
    /// first looks whether the order has an invoice. Queued: it is taken before the next
    /// statement runs.
    public func lockInvoicing(order: Int64, in tx: PostgresTransaction) async throws {
        try await tx.queue("SELECT pg_advisory_xact_lock(hashtext(\("\(schema).invoice:\(order)")))")
    }

    /// What was paid on an invoice's receivable.
    public func paid(invoice number: String, in tx: PostgresTransaction) async throws -> Int64 {
        try await tx.query(
            """
            SELECT coalesce(sum(amount_minor - open_minor), 0)::bigint FROM \(identifier: schema).open_items WHERE kind = 'receivable' AND document = \(number)
            """)[0].decode(Int64.self, at: 0)
    }

    /// What is still owed on an order, in a currency.
    public func openReceivables(order: Int64, currency: Currency, in tx: PostgresTransaction) async throws -> Int64 {
        try await tx.query(
            """
            SELECT coalesce(sum(open_minor), 0)::bigint FROM \(identifier: schema).open_items
            WHERE kind = 'receivable' AND order_id = \(order) AND currency = \(currency.code)
            """)[0].decode(Int64.self, at: 0)
    }

    /// An invoice about to be voided, locked: whether it is issued and whether anything was paid on it.
    public func lockedForVoiding(invoice number: String, in tx: PostgresTransaction) async throws -> (issued: Bool, paidOn: Bool)? {
        guard
            let row = try await tx.query(
                """
                SELECT i.status, o.amount_minor, o.open_minor FROM \(identifier: schema).invoices i
                LEFT JOIN \(identifier: schema).open_items o ON o.kind = 'receivable' AND o.document = i.number
                WHERE i.number = \(number) AND i.kind = 'invoice' FOR UPDATE OF i
                """
            ).first
        else { return nil }
        return (try row.decode(String.self, at: 0) == "issued", try row.decode(Int64?.self, at: 1) != row.decode(Int64?.self, at: 2))
    }

    public func gross(invoice number: String, in tx: PostgresTransaction) async throws -> Int64? {
        try await tx.query("SELECT gross_minor FROM \(identifier: schema).invoices WHERE number = \(number)").first?.decode(Int64.self, at: 0)
    }

    public func markVoid(invoice number: String, reason: String, in tx: PostgresTransaction) async throws {
        try await tx.query("UPDATE \(identifier: schema).invoices SET status = 'void', void_reason = \(reason) WHERE number = \(number)")
    }

    public func hasPayable(document: String, in tx: PostgresTransaction) async throws -> Bool {
        try await tx.query("SELECT 1 FROM \(identifier: schema).open_items WHERE kind = 'payable' AND document = \(document)").first != nil
    }
}
