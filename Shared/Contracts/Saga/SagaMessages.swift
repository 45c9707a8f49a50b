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
