import Foundation

/// What a customer service ticket is about.
public enum TicketKind: String, Codable, Sendable, CaseIterable {
    case enquiry, complaint, suggestion
    /// An after-sales repair of an order's goods.
    case repair
    /// A parcel lost or damaged: the goods are sent again.
    case resend
}

public enum TicketPriority: String, Codable, Sendable, CaseIterable {
    case low, normal, high, urgent
}

/// The states of a ticket and the moves between them (a reopened ticket starts again at
/// `open`, with new deadlines).
public enum TicketStatus: String, Codable, Sendable, CaseIterable {
    case open
    case inProgress = "in_progress"
    case waitingCustomer = "waiting_customer"
    case resolved, closed

    public static let transitions: [TicketStatus: Set<TicketStatus>] = [
        .open: [.inProgress, .waitingCustomer, .resolved, .closed],
        .inProgress: [.waitingCustomer, .resolved, .closed],
        .waitingCustomer: [.inProgress, .resolved, .closed],
        .resolved: [.closed],
        .closed: [],
    ]

    public func canMove(to next: TicketStatus) -> Bool { Self.transitions[self]?.contains(next) ?? false }

    /// Neither resolved nor closed: its deadlines still run.
    public var isOpen: Bool { self != .resolved && self != .closed }
}

extension CRMCommand {
    /// Opens a ticket for a customer (`erpctl crm ticket open`); its deadlines for a first
    /// response and for resolution follow from its priority.
    public struct OpenTicket: Message, Equatable {
        public static let type: MessageType = "crm.open_ticket.v1"
        public var customer: Int64
        public var kind: TicketKind
        public var subject: String
        public var order: Int64?
        public var priority: TicketPriority
        public var actor: String
        /// A repair's or a re-send's lines of the order (required for those kinds): a repair
        /// starts their return for repair, a re-send ships them again, free, through the saga coordinator.
        public var lines: [OrderCommand.ShipmentLine]?
        public init(
            customer: Int64, kind: TicketKind, subject: String, order: Int64? = nil, priority: TicketPriority = .normal, actor: String,
            lines: [OrderCommand.ShipmentLine]? = nil
        ) {
            (self.customer, self.kind, self.subject, self.order, self.priority, self.actor) = (customer, kind, subject, order, priority, actor)
            self.lines = lines
        }
    }

    /// A message on a ticket: from us to the customer (`out`, the first one is the first
    /// response) or from the customer (`in`, which brings a ticket waiting for them back).
    public struct ReplyToTicket: Message, Equatable {
        public static let type: MessageType = "crm.reply_to_ticket.v1"
        public var ticket: Int64
        public var body: String
        public var direction: InteractionDirection
        public var actor: String
        public init(ticket: Int64, body: String, direction: InteractionDirection = .outbound, actor: String) {
            (self.ticket, self.body, self.direction, self.actor) = (ticket, body, direction, actor)
        }
    }

    public struct AssignTicket: Message, Equatable {
        public static let type: MessageType = "crm.assign_ticket.v1"
        public var ticket: Int64
        public var assignee: String
        public var actor: String
        public init(ticket: Int64, assignee: String, actor: String) { (self.ticket, self.assignee, self.actor) = (ticket, assignee, actor) }
    }

    public struct ChangeTicketStatus: Message, Equatable {
        public static let type: MessageType = "crm.change_ticket_status.v1"
        public var ticket: Int64
        public var to: TicketStatus
        public var note: String?
        public var actor: String
        /// How a repair ticket is resolved (required then): the goods go back repaired, or are refunded.
        public var repair: RepairOutcome?
        public init(ticket: Int64, to: TicketStatus, note: String? = nil, actor: String, repair: RepairOutcome? = nil) {
            (self.ticket, self.to, self.note, self.actor, self.repair) = (ticket, to, note, actor, repair)
        }
    }

    /// A resolved or closed ticket opens again, with new deadlines from now.
    public struct ReopenTicket: Message, Equatable {
        public static let type: MessageType = "crm.reopen_ticket.v1"
        public var ticket: Int64
        public var reason: String
        public var actor: String
        public init(ticket: Int64, reason: String, actor: String) { (self.ticket, self.reason, self.actor) = (ticket, reason, actor) }
    }
}

extension CRMEvent {
    public struct TicketOpened: Message, Equatable {
        public static let type: MessageType = "crm.ticket.opened.v1"
        public var ticket: Int64
        public var customer: Int64
        public var kind: TicketKind
        public var priority: TicketPriority
        public var subject: String
        public var order: Int64?
        public init(ticket: Int64, customer: Int64, kind: TicketKind, priority: TicketPriority, subject: String, order: Int64?) {
            (self.ticket, self.customer, self.kind, self.priority, self.subject, self.order) = (ticket, customer, kind, priority, subject, order)
        }
    }

    /// A ticket moved from one state to another (with who did it).
    public struct TicketChanged: Message, Equatable {
        public static let type: MessageType = "crm.ticket.changed.v1"
        public var ticket: Int64
        public var customer: Int64
        public var from: TicketStatus
        public var to: TicketStatus
        public var actor: String
        public init(ticket: Int64, customer: Int64, from: TicketStatus, to: TicketStatus, actor: String) {
            (self.ticket, self.customer, self.from, self.to, self.actor) = (ticket, customer, from, to, actor)
        }
    }

    /// A ticket missed a deadline: its first response or its resolution.
    public struct TicketSLABreached: Message, Equatable {
        public static let type: MessageType = "crm.ticket.sla_breached.v1"
        public enum Deadline: String, Codable, Sendable { case firstResponse = "first_response", resolution }
        public var ticket: Int64
        public var customer: Int64
        public var priority: TicketPriority
        public var deadline: Deadline
        public var due: Date
        public var assignee: String?
        public init(ticket: Int64, customer: Int64, priority: TicketPriority, deadline: Deadline, due: Date, assignee: String?) {
            (self.ticket, self.customer, self.priority, self.deadline, self.due, self.assignee) = (
                ticket, customer, priority, deadline, due, assignee
            )
        }
    }
}

extension CRMResult {
    public struct Ticket: Codable, Sendable, Equatable {
        public var ticket: Int64
        public var customer: Int64
        public var status: TicketStatus
        public var firstResponseDue: Date?
        public var resolutionDue: Date?
        public init(ticket: Int64, customer: Int64, status: TicketStatus, firstResponseDue: Date?, resolutionDue: Date?) {
            (self.ticket, self.customer, self.status, self.firstResponseDue, self.resolutionDue) = (
                ticket, customer, status, firstResponseDue, resolutionDue
            )
        }
    }
}

/// How a repair ended: the goods go back to the customer repaired, or the return is refunded.
public enum RepairOutcome: String, Codable, Sendable, CaseIterable {
    case repaired, unrepairable
}

extension CRMEvent {
    /// A repair ticket was resolved: the saga coordinator's repair of the order sends the goods
    /// back (repaired) or refunds the return (unrepairable).
    public struct RepairDecided: Message, Equatable {
        public static let type: MessageType = "crm.repair.decided.v1"
        public var ticket: Int64
        public var order: Int64
        public var outcome: RepairOutcome
        public init(ticket: Int64, order: Int64, outcome: RepairOutcome) { (self.ticket, self.order, self.outcome) = (ticket, order, outcome) }
    }
}
