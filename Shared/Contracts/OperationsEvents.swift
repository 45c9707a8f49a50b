/// Events about the system itself on `erp.events`, which any service may publish.
public enum OperationsEvent {
    /// A service parked a message it could not handle (`erp.dead`, its queue's `.parked`):
    /// it waits there for a person (`erpctl dead list|replay`). Published right after the
    /// message was parked, best effort (the parked message and the metric
    /// `erp_messages_parked_total` are the record); the team is told (the CRM's
    /// `message_parked` rule).
    public struct MessageParked: Message, Equatable {
        public static let type: MessageType = "ops.message.parked.v1"
        public var service: String
        public var queue: String
        public var messageType: String
        public var messageId: String?
        public var code: String
        public var reason: String
        public var attempts: Int
        public init(service: String, queue: String, messageType: String, messageId: String?, code: String, reason: String, attempts: Int) {
            (self.service, self.queue, self.messageType, self.messageId) = (service, queue, messageType, messageId)
            (self.code, self.reason, self.attempts) = (code, reason, attempts)
        }
    }
}
