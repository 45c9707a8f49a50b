import Contracts
import Foundation
import Postgres
import ServiceKit

/// The cash-flow statement, direct method: what came into and went out of the cash, bank and
/// clearing accounts (asset accounts 1000–1099) in a period, by what the money was for (the
/// other side of each entry), between the opening and the closing balance. Per currency.
extension Statements {
    public struct CashFlow: Codable, Sendable, Equatable {
        public struct Flow: Codable, Sendable, Equatable {
            public let category: String
            public let amount: Int64
        }
        public struct CashAccount: Codable, Sendable, Equatable {
            public let code: String
            public let name: String
            public let opening: Int64
            public let closing: Int64
        }
        public let currency: String
        public let accounts: [CashAccount]
        public let flows: [Flow]
        public var opening: Int64 { accounts.reduce(0) { $0 + $1.opening } }
        public var closing: Int64 { accounts.reduce(0) { $0 + $1.closing } }
        public var netFlow: Int64 { flows.reduce(0) { $0 + $1.amount } }
        /// Opening + flows = closing (always, unless an entry is broken).
        public var reconciles: Bool { opening + netFlow == closing }
    }

    /// What money moving against `account` is for.
    public static func cashFlowCategory(_ account: String, type: String) -> String {
        switch account {
        case Accounts.receivables: return "receipts from customers"
        case Accounts.payables, Accounts.goodsReceivedNotInvoiced, Accounts.inventory, Accounts.returnedGoods: return "payments to suppliers"
        case Accounts.inputVAT, Accounts.outputVAT: return "VAT"
        case Accounts.platformFees: return "platform fees"
        default:
            switch type {
            case "revenue": return "receipts from customers"
            case "expense": return "expenses"
            case "equity": return "owner's equity"
            default: return "other (\(account))"
            }
        }
    }

    public func cashFlow(from: BusinessDate?, to: BusinessDate?, _ pool: PostgresPool) async throws -> [CashFlow] {
        let cashRows = try await pool.query(
            """
            SELECT a.code, a.name, l.currency,
                coalesce(sum(l.debit_minor - l.credit_minor) FILTER (WHERE \(from?.description)::date IS NOT NULL AND e.entry_date < \(from?.description)::date), 0)::bigint AS opening,
                coalesce(sum(l.debit_minor - l.credit_minor) FILTER (WHERE \(to?.description)::date IS NULL OR e.entry_date <= \(to?.description)::date), 0)::bigint AS closing
            FROM \(identifier: schema).journal_lines l JOIN \(identifier: schema).journal_entries e ON e.id = l.entry_id
            JOIN \(identifier: schema).accounts a ON a.code = l.account
            WHERE a.type = 'asset' AND a.code ~ '^10[0-9][0-9]$'
            GROUP BY a.code, a.name, l.currency ORDER BY l.currency, a.code
            """)
        let flowRows = try await pool.query(
            """
            WITH moved AS (
                SELECT DISTINCT l.entry_id FROM \(identifier: schema).journal_lines l JOIN \(identifier: schema).journal_entries e ON e.id = l.entry_id
                WHERE l.account ~ '^10[0-9][0-9]$'
                  AND (\(from?.description)::date IS NULL OR e.entry_date >= \(from?.description)::date)
                  AND (\(to?.description)::date IS NULL OR e.entry_date <= \(to?.description)::date)
            )
            SELECT l.account, a.type, l.currency, sum(l.credit_minor - l.debit_minor)::bigint AS amount
            FROM \(identifier: schema).journal_lines l JOIN \(identifier: schema).accounts a ON a.code = l.account
            WHERE l.entry_id IN (SELECT entry_id FROM moved) AND NOT (a.type = 'asset' AND a.code ~ '^10[0-9][0-9]$')
            GROUP BY l.account, a.type, l.currency
            """)
        var accounts: [String: [CashFlow.CashAccount]] = [:]
        for row in cashRows {
            accounts[try row.decode(String.self, column: "currency"), default: []].append(
                CashFlow.CashAccount(
                    code: try row.decode(String.self, column: "code"), name: try row.decode(String.self, column: "name"),
                    opening: try row.decode(Int64.self, column: "opening"), closing: try row.decode(Int64.self, column: "closing")))
        }
        var flows: [String: [String: Int64]] = [:]
        for row in flowRows {
            let category = Self.cashFlowCategory(try row.decode(String.self, column: "account"), type: try row.decode(String.self, column: "type"))
            flows[try row.decode(String.self, column: "currency"), default: [:]][category, default: 0] += try row.decode(Int64.self, column: "amount")
        }
        return Set(accounts.keys).union(flows.keys).sorted().map { currency in
            CashFlow(
                currency: currency, accounts: accounts[currency] ?? [],
                flows: (flows[currency] ?? [:]).filter { $0.value != 0 }.sorted { $0.key < $1.key }.map {
                    CashFlow.Flow(category: $0.key, amount: $0.value)
                })
        }
    }
}
