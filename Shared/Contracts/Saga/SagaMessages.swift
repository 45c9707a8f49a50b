import Foundation

/// Commands of the saga coordinator (`saga.*` on `erp.commands`): operators start the
/// workflows that are not started by events, and retry stuck sagas.
public enum SagaRequest {
    /// Splits an unshipped order (see ``OrderCommand/Split``): by the parts given, or by
    /// the warehouses its reservation comes from.
    public struct StartSplit: Message, Equatable {
        public static let type: MessageType = "saga.start_split.v1"
        public var order: Int64
        public var parts: [[OrderCommand.ShipmentLine]]
        public var byWarehouse: Bool
        public var reason: String
        public init(order: Int64, parts: [[OrderCommand.ShipmentLine]], byWarehouse: Bool, reason: String) {
            (self.order, self.parts, self.byWarehouse, self.reason) = (order, parts, byWarehouse, reason)
        }
    }

    /// Tries a stuck saga's failed compensation again.
    public struct Retry: Message, Equatable {
        public static let type: MessageType = "saga.retry.v1"
        public var saga: UUID
        public init(saga: UUID) { self.saga = saga }
    }

    /// The saga a request started or retried.
    public struct Started: Codable, Sendable, Equatable {
        public var saga: UUID
        public var type: String
        public var status: String
        public init(saga: UUID, type: String, status: String) { (self.saga, self.type, self.status) = (saga, type, status) }
    }
}

extension SagaRequest {
    /// Merges orders (see ``OrderCommand/Merge``).
    public struct StartMerge: Message, Equatable {
        public static let type: MessageType = "saga.start_merge.v1"
        public var orders: [Int64]
        public var reason: String
        public init(orders: [Int64], reason: String) { (self.orders, self.reason) = (orders, reason) }
    }
}

/// Events of the saga coordinator on `erp.events`.
public enum SagaEvent {
    /// A saga stopped `stuck`: a step of its compensation failed for good, so it waits for a
    /// person (`erpctl saga retry`). The team is told (the CRM's `saga_stuck` rule).
    public struct Stuck: Message, Equatable {
        public static let type: MessageType = "saga.saga.stuck.v1"
        public var saga: UUID
        /// The saga's type (fulfilment, split, merge, return, ...).
        public var sagaType: String
        /// What it is about (`order:<id>:fulfilment` and the like).
        public var key: String
        public var order: Int64?
        public var step: String
        public var reason: String
        public init(saga: UUID, sagaType: String, key: String, order: Int64?, step: String, reason: String) {
            (self.saga, self.sagaType, self.key, self.order, self.step, self.reason) = (saga, sagaType, key, order, step, reason)
        }
    }
}
