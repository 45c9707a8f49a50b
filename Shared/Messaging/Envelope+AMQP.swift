import AMQP
import Contracts
import Foundation

/// Header names this system puts on messages.
public enum MessageHeaders {
    public static let causationID = "causation-id"
    public static let schemaVersion = "schema-version"
    /// How many times handling has been attempted (1 on the first retry).
    public static let attempt = "x-erp-attempt"
    public static let error = "x-erp-error"
    public static let errorDetail = "x-erp-error-detail"
    public static let failedAt = "x-erp-failed-at"
    public static let service = "x-erp-service"
    public static let queue = "x-erp-queue"
    public static let originalExchange = "x-erp-original-exchange"
    public static let originalRoutingKey = "x-erp-original-routing-key"
}

extension Envelope {
    /// The AMQP properties of this envelope: JSON, persistent, message id, type,
    /// timestamp, app id, correlation id, and the causation-id / schema-version headers.
    public var amqpProperties: AMQPProperties {
        var headers: AMQPTable = [MessageHeaders.schemaVersion: .int(Int64(schemaVersion))]
        if let causationID { headers[MessageHeaders.causationID] = .string(causationID) }
        return AMQPProperties(
            contentType: "application/json", headers: headers, persistent: true, correlationID: correlationID,
            replyTo: replyTo, messageID: id.uuidString.lowercased(), timestamp: occurredAt, type: type.rawValue, appID: source)
    }

    /// Reads the envelope of a delivery. A message without a UUID `message_id` or without
    /// a `type` is refused: it cannot be de-duplicated or dispatched.
    public init(delivery: AMQPDelivery) throws {
        let properties = delivery.properties
        guard let rawID = properties.messageID else { throw ContractError.missingProperty("message_id") }
        guard let id = UUID(uuidString: rawID) else { throw ContractError.missingProperty("message_id that is a UUID (got '\(rawID)')") }
        guard let type = properties.type, !type.isEmpty else { throw ContractError.missingProperty("type") }
        let version = properties.headers[MessageHeaders.schemaVersion]?.intValue.map(Int.init) ?? MessageType(rawValue: type).version ?? 1
        self.init(
            id: id, type: MessageType(rawValue: type), correlationID: properties.correlationID,
            causationID: properties.headers[MessageHeaders.causationID]?.stringValue, schemaVersion: version,
            occurredAt: properties.timestamp ?? Date(), source: properties.appID ?? "unknown", payload: delivery.body,
            replyTo: properties.replyTo.flatMap { $0.isEmpty ? nil : $0 })
    }
}
