import Foundation

/// What the soak sent and what it expects of it: the reconciliation's side of the books.
/// Every platform message is recorded by its message id with what it must become; every
/// order by its platform key with what the workload meant to happen to it.
public actor SoakLedger {
    /// What a platform message must become.
    public enum Expectation: Sendable, Equatable {
        /// The order with this key (`platform/shop/external id`): created, or revised.
        case order(String)
        /// One quarantine row with the message's id.
        case quarantine
        /// A hostile body: the order with this key or one quarantine row, not both.
        case orderOrQuarantine(String)
    }

    public struct PlatformMessage: Sendable {
        public let expectation: Expectation
        public let kind: String
        public var attempts: Int
        public var accepted: Bool
    }

    /// What the workload means to happen to an order.
    public enum Intent: String, Sendable, CaseIterable {
        case paidAtOnce = "paid at once"
        case paidLater = "paid later"
        case addressChangedThenPaid = "address changed, then paid"
        case cancelled = "cancelled by the platform"
        case neverPaid = "never paid"
        case split = "split, the parts paid"
        case merged = "merged, then paid"
    }

    /// After completion, the customer sends something back.
    public enum AfterCompletion: String, Sendable { case `return`, exchange }

    public struct PlannedOrder: Sendable {
        public let key: String
        public let platform: String
        public let shop: String
        public let externalID: String
        public let intent: Intent
        public let after: AfterCompletion?
        public let lines: Int
        /// When its first message was handed to the broker.
        public var sentAt: Date?
        /// The other order of a merge (the first of the pair names the second).
        public var mergeWith: String?
    }

    public private(set) var platform: [String: PlatformMessage] = [:]
    public private(set) var orders: [String: PlannedOrder] = [:]
    /// Commands sent (by envelope id) and their type.
    public private(set) var commands: [UUID: String] = [:]
    /// Commands sent malformed on purpose, by message id: they must be parked.
    public private(set) var badCommands: Set<String> = []
    /// Stock receipts by purchase reference: units.
    public private(set) var receipts: [String: Int] = [:]
    /// Messages sent by kind (figures).
    public private(set) var sent: [String: Int] = [:]
    /// Faults injected by kind (figures).
    public private(set) var faults: [String: Int] = [:]
    /// What happened, in order (printed when a check fails).
    public private(set) var events: [String] = []
    /// Orders the follow-ups are done with.
    public private(set) var settled: Set<String> = []
    public func settle(_ key: String) { settled.insert(key) }
    /// Follow-up actions already taken, so that each happens once.
    private var done: Set<String> = []

    public init() {}

    public func plan(_ order: PlannedOrder) { orders[order.key] = order }
    public func sentFirst(_ key: String, at date: Date) { if orders[key]?.sentAt == nil { orders[key]?.sentAt = date } }

    public func record(platformMessage id: String, kind: String, expectation: Expectation, attempts: Int, accepted: Bool) {
        platform[id] = PlatformMessage(expectation: expectation, kind: kind, attempts: attempts, accepted: accepted)
        if accepted { sent[kind, default: 0] += 1 }
    }

    public func record(command id: UUID, type: String, accepted: Bool) {
        if accepted {
            commands[id] = type
            sent["command \(type)", default: 0] += 1
        }
    }

    public func record(badCommand id: String, accepted: Bool) {
        if accepted {
            badCommands.insert(id)
            sent["malformed command", default: 0] += 1
        }
    }

    public func count(_ kind: String) { sent[kind, default: 0] += 1 }
    public func record(receipt reference: String, units: Int) { receipts[reference] = units }
    public func record(fault kind: String, _ what: String) {
        faults[kind, default: 0] += 1
        note(what)
    }
    public func note(_ what: String) { events.append("\(Date().formatted(.iso8601)) \(what)") }

    /// True the first time an action is claimed, false after.
    public func claim(_ action: String) -> Bool { done.insert(action).inserted }
}
