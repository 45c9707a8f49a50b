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
    /// A customer entered a segment, left one, or both (`from`/`to` nil: none). An RFM
    /// segment's change has no `kind` (a customer is in one RFM segment at a time); a rule
    /// segment's has `kind` "rule", and names the segment entered (`to`) or left (`from`).
    public struct SegmentChanged: Message, Equatable {
        public static let type: MessageType = "crm.segment.changed.v1"
        public var customer: Int64
        public var from: String?
        public var to: String?
        public var kind: String?
        public init(customer: Int64, from: String?, to: String?, kind: String? = nil) {
            (self.customer, self.from, self.to, self.kind) = (customer, from, to, kind)
        }
    }
}

extension CRMCommand {
    /// Defines (or redefines) a rule segment (`erpctl crm segment define`) and computes its
    /// members at once; each customer entering or leaving is announced.
    public struct DefineSegment: Message, Equatable {
        public static let type: MessageType = "crm.define_segment.v1"
        public var name: String
        public var rule: String
        public var actor: String
        public init(name: String, rule: String, actor: String) { (self.name, self.rule, self.actor) = (name, rule, actor) }
    }
}

extension CRMResult {
    public struct SegmentDefined: Codable, Sendable, Equatable {
        public var name: String
        public var members: Int
        public var entered: Int
        public var left: Int
        public init(name: String, members: Int, entered: Int, left: Int) {
            (self.name, self.members, self.entered, self.left) = (name, members, entered, left)
        }
    }

    public struct SegmentsRefreshed: Codable, Sendable, Equatable {
        public var scored: Int
        public var changed: Int
        public var members: [String: Int]
        /// Rule segments' members (absent before there were rule segments).
        public var ruleMembers: [String: Int]?
        public init(scored: Int, changed: Int, members: [String: Int], ruleMembers: [String: Int]? = nil) {
            (self.scored, self.changed, self.members, self.ruleMembers) = (scored, changed, members, ruleMembers)
        }
    }
}
