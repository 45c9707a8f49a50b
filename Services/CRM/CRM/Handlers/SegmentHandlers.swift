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
            try await context.publish(event: CRMEvent.SegmentChanged(customer: change.customer, from: change.from, to: change.to))
        }
        return CRMResult.SegmentsRefreshed(scored: members.values.reduce(0, +), changed: changes.count, members: members)
    }

    static func refreshSegments(_ segments: SegmentStore, currency: Currency, now: Date, in tx: PostgresTransaction) async throws -> (
        [SegmentStore.Change], [String: Int]
    ) {
        // One refresh at a time (a nightly one and an operator's): the second waits and scores after it.
        try await tx.query("SELECT pg_advisory_xact_lock(hashtextextended('crm.segments', 7))")
        let changes = try await segments.refresh(now: now, currency: currency, in: tx)
        return (changes, try await segments.members(in: tx))
    }
}
