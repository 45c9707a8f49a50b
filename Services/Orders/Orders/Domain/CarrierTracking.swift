import Contracts
import Foundation
import Ingest

/// A carrier's tracking event (`carrier.<carrier>.tracking.<event>` on `erp.ingest`), read
/// and checked without the database: the routing key, the carrier's signature (when
/// `ERP_INGEST_SECRET_CARRIER_<CARRIER>` is set), strict JSON and `carrier-tracking.schema.json`.
public struct TrackingUpdate: Sendable, Equatable {
    public enum Event: String, Sendable, CaseIterable {
        case inTransit = "in_transit"
        case outForDelivery = "out_for_delivery"
        case delivered
        case exception
        case returnedToSender = "returned_to_sender"

        /// Whether the order needs a person.
        public var needsAttention: Bool { self == .exception || self == .returnedToSender }
    }

    public let carrier: String
    public let event: Event
    public let trackingNumber: String
    public let occurredAt: Date
    public let location: String?
    public let description: String?

    public static func isTracking(_ routingKey: String) -> Bool { routingKey.hasPrefix("carrier.") }

    public static func read(_ message: IngestMessage, configuration: IngestConfiguration) throws(IntakeRejection) -> TrackingUpdate {
        try message.requireSize()
        let parts = message.routingKey.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let events = Event.allCases.map(\.rawValue).joined(separator: ", ")
        guard parts.count == 4, parts[0] == "carrier", parts[2] == "tracking",
            (1...50).contains(parts[1].count), parts[1].allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") })
        else {
            throw IntakeRejection(
                "bad-routing-key",
                "routing key '\(PrintableText.of(message.routingKey))' is not carrier.<carrier>.tracking.<event> (carrier in lower case)")
        }
        guard let event = Event(rawValue: parts[3]) else {
            throw IntakeRejection("bad-routing-key", "tracking event '\(PrintableText.of(parts[3]))' is not one of \(events)")
        }
        try configuration.verify(message, platform: "carrier-\(parts[1])")
        let document = try IntakeReading.strictJSON(message.body)
        if let violation = CarrierTrackingSchema.schema.violation(of: document) {
            throw IntakeRejection(violation.structural ? "undecodable" : "invalid", violation.description)
        }
        func text(_ key: String) throws(IntakeRejection) -> String? {
            guard case .string(let value)? = document[key] else { return nil }
            guard !value.unicodeScalars.contains("\u{0}") else {
                throw IntakeRejection("invalid", "\(key) contains a NUL character (U+0000), which no text field may hold")
            }
            return value
        }
        guard let number = try text("tracking_number"), let when = try text("occurred_at"), let occurredAt = ISODateTime.parse(when) else {
            throw IntakeRejection("undecodable", "tracking_number and occurred_at are required")
        }
        return TrackingUpdate(
            carrier: parts[1], event: event, trackingNumber: number, occurredAt: occurredAt, location: try text("location"),
            description: try text("description"))
    }
}
