import Foundation

/// The RFM segments (recency, frequency and monetary value scored 1–5 by quintiles), named
/// by the usual RFM map.
public enum RFMSegment: String, Codable, Sendable, CaseIterable {
    case champions, loyal
    case potentialLoyalists = "potential_loyalists"
    case new, promising
    case needAttention = "need_attention"
    case aboutToSleep = "about_to_sleep"
    case atRisk = "at_risk"
    case cannotLose = "cannot_lose"
    case hibernating, lost
}

extension CRMCommand {
    /// Scores every active customer again (`erpctl crm segments refresh`; the CRM also does
    /// it nightly): a customer whose segment changes is announced with `crm.segment.changed.v1`.
    public struct RefreshSegments: Message, Equatable {
        public static let type: MessageType = "crm.refresh_segments.v1"
        public init() {}
    }
}

extension CRMEvent {
    /// A customer entered a segment, left one, or both (`from`/`to` nil: none).
    public struct SegmentChanged: Message, Equatable {
        public static let type: MessageType = "crm.segment.changed.v1"
        public var customer: Int64
        public var from: String?
        public var to: String?
        public init(customer: Int64, from: String?, to: String?) { (self.customer, self.from, self.to) = (customer, from, to) }
    }
}

extension CRMResult {
    public struct SegmentsRefreshed: Codable, Sendable, Equatable {
        public var scored: Int
        public var changed: Int
        public var members: [String: Int]
        public init(scored: Int, changed: Int, members: [String: Int]) { (self.scored, self.changed, self.members) = (scored, changed, members) }
    }
}
