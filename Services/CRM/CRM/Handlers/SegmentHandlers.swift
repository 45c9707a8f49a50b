import Contracts
import Foundation
import Messaging
import Postgres

/// Customer segments: RFM scores recomputed by `erpctl crm segments refresh` (here) and
/// nightly (SegmentTimer.swift); each change of segment is announced.
extension CRMHandlers {
    func refreshSegments(_ command: CRMCommand.RefreshSegments, _ context: HandlerContext) async throws -> CRMResult.SegmentsRefreshed {
        let (changes, members) = try await Self.refreshSegments(segments, currency: currency, now: clock.now, in: context.transaction)
        for change in changes {
            try await context.publish(event: CRMEvent.SegmentChanged(customer: change.customer, from: change.from, to: change.to, kind: change.kind))
        }
        var rfm = members
        var rules: [String: Int] = [:]
        for (name, count) in members where name.hasPrefix("rule:") {
            rules[String(name.dropFirst(5))] = count
            rfm[name] = nil
        }
        return CRMResult.SegmentsRefreshed(
            scored: rfm.values.reduce(0, +), changed: changes.count, members: rfm, ruleMembers: rules.isEmpty ? nil : rules)
    }

    /// Defines a rule segment and computes its members now (refused: a bad name or rule, or
    /// the name of an RFM segment).
    func defineSegment(_ command: CRMCommand.DefineSegment, _ context: HandlerContext) async throws -> CRMResult.SegmentDefined {
        let actor = try CRMRules.actor(command.actor)
        let name = try NotificationHandlers.name(command.name, "segment")
        guard RFMSegment(rawValue: name) == nil else { throw CommandRefused("invalid-name", "\(name) is an RFM segment's name") }
        let rule: SegmentRule
        do { rule = try SegmentRule.parse(command.rule) } catch { throw CommandRefused("invalid-rule", "\(error)") }
        try await Self.lockSegments(segments, in: context.transaction)
        let store = RuleSegmentStore(schema: segments.schema)
        try await store.define(name, rule: command.rule, actor: actor, in: context.transaction)
        let changes = try await store.refresh(name, rule: rule, currency: currency, now: clock.now, in: context.transaction)
        for change in changes {
            try await context.publish(event: CRMEvent.SegmentChanged(customer: change.customer, from: change.from, to: change.to, kind: "rule"))
        }
        let members = try await context.transaction.query(
            "SELECT count(*)::int FROM \(identifier: segments.schema).rule_segment_members WHERE segment = \(name)")[0].decode(Int.self, at: 0)
        let entered = changes.filter { $0.to != nil }.count
        return CRMResult.SegmentDefined(name: name, members: members, entered: entered, left: changes.count - entered)
    }

    /// Until the transaction ends, the only one that scores or defines segments in this schema.
    static func lockSegments(_ segments: SegmentStore, in tx: PostgresTransaction) async throws {
        try await tx.query(
            "SELECT pg_advisory_xact_lock(hashtextextended(\(PostgresQuery.advisoryKey("crm.segments", schema: segments.schema, home: "crm")), 7))")
    }

    static func refreshSegments(_ segments: SegmentStore, currency: Currency, now: Date, in tx: PostgresTransaction) async throws -> (
        [SegmentStore.Change], [String: Int]
    ) {
        // One refresh at a time (a nightly one and an operator's): the second waits and scores after it.
        try await lockSegments(segments, in: tx)
        var changes = try await segments.refresh(now: now, currency: currency, in: tx)
        var members = try await segments.members(in: tx)
        // Rule segments after the scores (a rule may name them); their counts as "rule:<name>".
        let rules = RuleSegmentStore(schema: segments.schema)
        for (name, rule) in try await rules.all(in: tx) {
            changes += try await rules.refresh(name, rule: rule, currency: currency, now: now, in: tx)
            members["rule:\(name)"] = try await tx.query(
                "SELECT count(*)::int FROM \(identifier: segments.schema).rule_segment_members WHERE segment = \(name)")[0].decode(Int.self, at: 0)
        }
        return (changes, members)
    }
}
