import Contracts
import Foundation
import Postgres
import ServiceKit

/// Statements converted into the base currency: the income statement at the rate in force on
/// each entry's day, the balance sheet and gross profit at the rate of one day; each lists the
/// rates it used. A currency without a rate for a day it needs is an error.
extension Statements {
    public struct ConvertedAccount: Codable, Sendable, Equatable {
        public let code: String
        public let name: String
        public let amount: Int64
    }

    public struct ConvertedIncomeStatement: Codable, Sendable, Equatable {
        public let base: String
        public let revenue: [ConvertedAccount]
        public let expenses: [ConvertedAccount]
        public let rates: [CurrencyConversion.Rate]
        public var totalRevenue: Int64 { revenue.reduce(0) { $0 + $1.amount } }
        public var totalExpenses: Int64 { expenses.reduce(0) { $0 + $1.amount } }
        public var netIncome: Int64 { totalRevenue - totalExpenses }
    }

    public func conversion(base: Currency, _ pool: PostgresPool) async throws -> CurrencyConversion {
        CurrencyConversion(base: base, rates: try await exchangeRates(pool))
    }

    public func incomeStatement(
        from: BusinessDate?, to: BusinessDate?, converting conversion: CurrencyConversion, _ pool: PostgresPool
    ) async throws -> ConvertedIncomeStatement {
        let rows = try await pool.query(
            """
            SELECT a.code, a.name, a.type, l.currency, e.entry_date::text AS day, sum(l.debit_minor)::bigint AS debits, sum(l.credit_minor)::bigint AS credits
            FROM \(identifier: schema).journal_lines l JOIN \(identifier: schema).journal_entries e ON e.id = l.entry_id
            JOIN \(identifier: schema).accounts a ON a.code = l.account
            WHERE a.type IN ('revenue', 'expense') AND (\(from?.description)::date IS NULL OR e.entry_date >= \(from?.description)::date)
              AND (\(to?.description)::date IS NULL OR e.entry_date <= \(to?.description)::date)
            GROUP BY a.code, a.name, a.type, l.currency, e.entry_date ORDER BY a.code
            """)
        var amounts: [String: (name: String, type: String, amount: Int64)] = [:]
        var used: [String: CurrencyConversion.Rate] = [:]
        for row in rows {
            let code = try row.decode(String.self, column: "code"), type = try row.decode(String.self, column: "type")
            let debits = try row.decode(Int64.self, column: "debits"), credits = try row.decode(Int64.self, column: "credits")
            let balance = type == "expense" ? debits - credits : credits - debits
            let (converted, rate) = try conversion.convert(
                balance, try row.decode(String.self, column: "currency"), on: try BusinessDate(try row.decode(String.self, column: "day")))
            used["\(rate.currency) \(rate.effectiveOn)"] = rate
            let name = try row.decode(String.self, column: "name")
            amounts[code, default: (name, type, 0)].amount += converted
        }
        let accounts = amounts.sorted { $0.key < $1.key }
        return ConvertedIncomeStatement(
            base: conversion.base.code,
            revenue: accounts.filter { $0.value.type == "revenue" }.map {
                ConvertedAccount(code: $0.key, name: $0.value.name, amount: $0.value.amount)
            },
            expenses: accounts.filter { $0.value.type == "expense" }.map {
                ConvertedAccount(code: $0.key, name: $0.value.name, amount: $0.value.amount)
            },
            rates: used.values.filter { $0.currency != conversion.base.code }.sorted { ($0.currency, $0.effectiveOn) < ($1.currency, $1.effectiveOn) }
        )
    }

    public struct ConvertedBalanceSheet: Codable, Sendable, Equatable {
        public let base: String
        public let at: BusinessDate
        public let assets: [ConvertedAccount]
        public let liabilities: [ConvertedAccount]
        public let equity: [ConvertedAccount]
        public let earnings: Int64
        public let rates: [CurrencyConversion.Rate]
        public var totalAssets: Int64 { assets.reduce(0) { $0 + $1.amount } }
        public var totalLiabilities: Int64 { liabilities.reduce(0) { $0 + $1.amount } }
        public var totalEquity: Int64 { equity.reduce(0) { $0 + $1.amount } + earnings }
        /// What rounding each account on its own leaves between the two sides (a few minor units at most).
        public var roundingDifference: Int64 { totalAssets - totalLiabilities - totalEquity }
    }

    /// The balance sheet at `date`, every currency at its rate of that day.
    public func balanceSheet(at date: BusinessDate, converting conversion: CurrencyConversion, _ pool: PostgresPool) async throws
        -> ConvertedBalanceSheet
    {
        let sheets = try await balanceSheet(at: date, pool)
        var accounts: [String: (name: String, type: String, amount: Int64)] = [:]
        var earnings: Int64 = 0
        var used: [CurrencyConversion.Rate] = []
        for sheet in sheets {
            let rate = try conversion.rate(sheet.currency, on: date)
            if sheet.currency != conversion.base.code { used.append(rate) }
            for account in sheet.assets + sheet.liabilities + sheet.equity {
                let converted = try conversion.convert(account.balance, account.currency, on: date).minorUnits
                accounts[account.code, default: (account.name, account.type, 0)].amount += converted
            }
            earnings += try conversion.convert(sheet.earnings, sheet.currency, on: date).minorUnits
        }
        func section(_ type: String) -> [ConvertedAccount] {
            accounts.filter { $0.value.type == type }.sorted { $0.key < $1.key }.map {
                ConvertedAccount(code: $0.key, name: $0.value.name, amount: $0.value.amount)
            }
        }
        return ConvertedBalanceSheet(
            base: conversion.base.code, at: date, assets: section("asset"), liabilities: section("liability"), equity: section("equity"),
            earnings: earnings, rates: used)
    }

    /// Gross profit with every row converted at the rates of `date`: one row per key, in the base currency.
    public func grossProfit(
        by dimension: ProfitDimension, converting conversion: CurrencyConversion, on date: BusinessDate, _ pool: PostgresPool
    ) async throws -> (table: ReportTable, rates: [CurrencyConversion.Rate]) {
        var totals: [String: (revenue: Int64, cost: Int64)] = [:]
        var used: [String: CurrencyConversion.Rate] = [:]
        for row in try await pool.query(PostgresQuery(unsafeSQL: grossProfitSQL(by: dimension))) {
            let currency = try row.decode(String.self, column: "currency"), key = try row.decode(String?.self, column: "key") ?? ""
            let revenue = try conversion.convert(try row.decode(Int64.self, column: "revenue_minor"), currency, on: date)
            let cost = try conversion.convert(try row.decode(Int64.self, column: "cost_minor"), currency, on: date)
            if currency != conversion.base.code { used[currency] = revenue.rate }
            totals[key, default: (0, 0)].revenue += revenue.minorUnits
            totals[key, default: (0, 0)].cost += cost.minorUnits
        }
        let base = conversion.base
        func amount(_ minor: Int64) -> String { Money(minorUnits: minor, currency: base).decimalString }
        let table = ReportTable(
            columns: ["key", "currency", "revenue", "cost", "profit", "margin_percent"],
            rows: totals.sorted { $0.key < $1.key }.map { key, value in
                let profit = value.revenue - value.cost
                let margin = value.revenue == 0 ? nil : String(format: "%.1f", 100 * Double(profit) / Double(value.revenue))
                return [key, base.code, amount(value.revenue), amount(value.cost), amount(profit), margin]
            }, numericColumns: ["revenue", "cost", "profit", "margin_percent"])
        return (table, used.values.sorted { $0.currency < $1.currency })
    }
}
