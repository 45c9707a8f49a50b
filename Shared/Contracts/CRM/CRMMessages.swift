/// Commands the CRM service takes on `erp.commands` (routing key = type), answered with a
/// ``CommandOutcome`` when they carry a `reply_to`.
public enum CRMCommand {
    /// Merges one customer profile into another by hand (`erpctl crm merge`). The survivor
    /// keeps both histories; the other records `merged_into`.
    public struct MergeCustomers: Message, Equatable {
        public static let type: MessageType = "crm.merge_customers.v1"
        public var customer: Int64
        public var into: Int64
        public var reason: String
        public var actor: String
        public init(customer: Int64, into: Int64, reason: String, actor: String) {
            (self.customer, self.into, self.reason, self.actor) = (customer, into, reason, actor)
        }
    }

    /// A contact with a customer, logged by a person (`erpctl crm log`).
    public struct LogInteraction: Message, Equatable {
        public static let type: MessageType = "crm.log_interaction.v1"
        public var customer: Int64
        public var channel: InteractionChannel
        public var direction: InteractionDirection
        public var summary: String
        public var order: Int64?
        public var actor: String
        public init(
            customer: Int64, channel: InteractionChannel, direction: InteractionDirection, summary: String, order: Int64?, actor: String
        ) {
            (self.customer, self.channel, self.direction, self.summary, self.order, self.actor) = (
                customer, channel, direction, summary, order, actor
            )
        }
    }
}

/// How a contact with a customer happened.
public enum InteractionChannel: String, Codable, Sendable, CaseIterable {
    case phone, email, chat, social
    case inPerson = "in_person"
    /// A buyer's message on a marketplace.
    case platform
}

public enum InteractionDirection: String, Codable, Sendable, CaseIterable {
    case inbound = "in"
    case outbound = "out"
}

/// Events the CRM service publishes on `erp.events`.
public enum CRMEvent {
    /// Two profiles were found to be one person (or merged by hand): `absorbed` now points
    /// to `survivor`, which holds both histories.
    public struct CustomerMerged: Message, Equatable {
        public static let type: MessageType = "crm.customer.merged.v1"
        public var survivor: Int64
        public var absorbed: Int64
        /// Which key matched (`the same email a@b.c …`), or the reason given by hand.
        public var reason: String
        public var actor: String
        public init(survivor: Int64, absorbed: Int64, reason: String, actor: String) {
            (self.survivor, self.absorbed, self.reason, self.actor) = (survivor, absorbed, reason, actor)
        }
    }
}

public enum CRMResult {
    public struct Merged: Codable, Sendable, Equatable {
        public var survivor: Int64
        public var absorbed: Int64
        public init(survivor: Int64, absorbed: Int64) { (self.survivor, self.absorbed) = (survivor, absorbed) }
    }

    public struct Logged: Codable, Sendable, Equatable {
        public var entry: Int64
        public init(entry: Int64) { self.entry = entry }
    }
}
