import Contracts
import Foundation
import Ingest

/// What the routing key of a platform message says: `platform.<platform>.order.<event>`.
public struct IngestRoutingKey: Sendable, Equatable {
    public enum Event: String, Sendable, CaseIterable, Codable {
        case created, updated, paid, cancelled
    }

    public let platform: String
    public let event: Event

    public init(_ key: String) throws(IntakeRejection) {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "platform", parts[2] == "order", !parts[1].isEmpty else {
            throw IntakeRejection("bad-routing-key", "routing key '\(key)' is not platform.<platform>.order.<event>")
        }
        guard let event = Event(rawValue: String(parts[3])) else {
            throw IntakeRejection(
                "bad-routing-key", "event '\(parts[3])' in '\(key)' is not one of \(Event.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        platform = String(parts[1])
        self.event = event
    }
}
