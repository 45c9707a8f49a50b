import Foundation

/// An order as other services copy it from `orders.order.*.v1` events.
public struct OrderSnapshot: Codable, Sendable, Equatable {
    public struct Line: Codable, Sendable, Equatable {
        public var line: Int
        public var sku: String
        public var quantity: Int
        public var unitPrice: Money
        public var discount: Money
        public var total: Money
        public init(line: Int, sku: String, quantity: Int, unitPrice: Money, discount: Money, total: Money) {
            (self.line, self.sku, self.quantity, self.unitPrice, self.discount, self.total) = (line, sku, quantity, unitPrice, discount, total)
        }
    }

    public var order: Int64
    public var platform: String
    public var shop: String
    public var externalId: String
    public var revision: Int64
    public var status: OrderStatus
    public var currency: String
    public var pricesIncludeTax: Bool
    public var lines: [Line]
    public var shippingFee: Money
    public var total: Money
    public var paymentStatus: PaymentStatus
    public var customer: CanonicalOrder.Customer?
    public var shippingAddress: CanonicalOrder.Address?
    public var shippingMethod: String?
    public var placedAt: Date

    public init(
        order: Int64, platform: String, shop: String, externalId: String, revision: Int64, status: OrderStatus, currency: String,
        pricesIncludeTax: Bool, lines: [Line], shippingFee: Money, total: Money, paymentStatus: PaymentStatus,
        customer: CanonicalOrder.Customer?, shippingAddress: CanonicalOrder.Address?, shippingMethod: String?, placedAt: Date
    ) {
        (self.order, self.platform, self.shop, self.externalId, self.revision, self.status) = (order, platform, shop, externalId, revision, status)
        (self.currency, self.pricesIncludeTax, self.lines, self.shippingFee, self.total) = (currency, pricesIncludeTax, lines, shippingFee, total)
        (self.paymentStatus, self.customer, self.shippingAddress, self.shippingMethod, self.placedAt) =
            (paymentStatus, customer, shippingAddress, shippingMethod, placedAt)
    }
}

/// Events the orders service publishes on `erp.events`.
public enum OrderEvent {
    /// A platform order was taken for the first time.
    public struct Placed: Message, Equatable {
        public static let type: MessageType = "orders.order.placed.v1"
        public var snapshot: OrderSnapshot
        public init(snapshot: OrderSnapshot) { self.snapshot = snapshot }
    }

    /// The order moved from one state to another (every transition, with why and who).
    public struct StatusChanged: Message, Equatable {
        public static let type: MessageType = "orders.order.status_changed.v1"
        /// Published under ``routingKey`` (the statuses it goes from and to).
        public static let routingKeyGoesOn = true
        public var order: Int64
        public var from: OrderStatus?
        public var to: OrderStatus
        public var reason: String
        public var actor: String
        public var total: Money
        public init(order: Int64, from: OrderStatus?, to: OrderStatus, reason: String, actor: String, total: Money) {
            (self.order, self.from, self.to, self.reason, self.actor, self.total) = (order, from, to, reason, actor, total)
        }
    }

    /// Lines, amounts, address or shipping method changed (a later revision or an operator).
    public struct Changed: Message, Equatable {
        public static let type: MessageType = "orders.order.changed.v1"
        public var snapshot: OrderSnapshot
        public var what: [String]
        public init(snapshot: OrderSnapshot, what: [String]) { (self.snapshot, self.what) = (snapshot, what) }
    }

    /// A later revision could not be applied in the order's state: a person must decide.
    public struct NeedsAttention: Message, Equatable {
        public static let type: MessageType = "orders.order.needs_attention.v1"
        public var order: Int64
        public var reason: String
        public init(order: Int64, reason: String) { (self.order, self.reason) = (order, reason) }
    }

    /// A platform message was not taken; it is kept in the quarantine with its reason.
    public struct IngestRejected: Message, Equatable {
        public static let type: MessageType = "orders.ingest.rejected.v1"
        public var quarantine: Int64
        public var routingKey: String
        public var code: String
        public var reason: String
        public init(quarantine: Int64, routingKey: String, code: String, reason: String) {
            (self.quarantine, self.routingKey, self.code, self.reason) = (quarantine, routingKey, code, reason)
        }
    }
}

/// Commands the orders service takes on `erp.commands`.
public enum OrderCommand {
    /// Runs a quarantined platform message through intake again (after the cause was fixed:
    /// a platform registered, a secret set, a SKU created).
    public struct RetryQuarantined: Message, Equatable {
        public static let type: MessageType = "orders.retry_quarantined.v1"
        public var quarantine: Int64
        public init(quarantine: Int64) { self.quarantine = quarantine }
    }

    public struct RetryResult: Codable, Sendable, Equatable {
        public var accepted: Bool
        public var order: Int64?
        public var code: String?
        public var reason: String?
        public init(accepted: Bool, order: Int64?, code: String?, reason: String?) {
            (self.accepted, self.order, self.code, self.reason) = (accepted, order, code, reason)
        }
    }
}

extension OrderCommand {
    /// Moves an order to another state (the state machine decides whether it may): for
    /// the saga coordinator and operators. Shipping has its own command (``Ship``).
    public struct ChangeStatus: Message, Equatable {
        public static let type: MessageType = "orders.change_status.v1"
        public var order: Int64
        public var to: String
        public var reason: String
        /// `to` as an operator typed it (the orders service refuses a value that is no state, with the list).
        public init(order: Int64, to: String, reason: String) { (self.order, self.to, self.reason) = (order, to, reason) }
        public init(order: Int64, to: OrderStatus, reason: String) { self.init(order: order, to: to.rawValue, reason: reason) }
    }

    public struct ChangeAddress: Message, Equatable {
        public static let type: MessageType = "orders.change_address.v1"
        public var order: Int64
        public var address: CanonicalOrder.Address
        public init(order: Int64, address: CanonicalOrder.Address) { (self.order, self.address) = (order, address) }
    }

    public struct ChangeShippingMethod: Message, Equatable {
        public static let type: MessageType = "orders.change_shipping_method.v1"
        public var order: Int64
        public var method: String
        public init(order: Int64, method: String) { (self.order, self.method) = (order, method) }
    }

    /// Sets a line's quantity; 0 removes the line.
    public struct ChangeLine: Message, Equatable {
        public static let type: MessageType = "orders.change_line.v1"
        public var order: Int64
        public var line: Int
        public var quantity: Int
        public init(order: Int64, line: Int, quantity: Int) { (self.order, self.line, self.quantity) = (order, line, quantity) }
    }

    public struct AddLine: Message, Equatable {
        public static let type: MessageType = "orders.add_line.v1"
        public var order: Int64
        public var sku: String
        public var quantity: Int
        public var unitPrice: Money
        public init(order: Int64, sku: String, quantity: Int, unitPrice: Money) {
            (self.order, self.sku, self.quantity, self.unitPrice) = (order, sku, quantity, unitPrice)
        }
    }

    public struct ShipmentLine: Codable, Sendable, Equatable {
        public var line: Int
        public var quantity: Int
        public init(line: Int, quantity: Int) { (self.line, self.quantity) = (line, quantity) }
    }

    public struct Changed: Codable, Sendable, Equatable {
        public var order: Int64
        public var status: OrderStatus
        public var total: Money
        /// A change of lines waits to be carried through (``OrderEvent/AmendmentRequested``):
        /// its number; `total` is then the total the order will have.
        public var amendment: Int64?
        public init(order: Int64, status: OrderStatus, total: Money, amendment: Int64? = nil) {
            (self.order, self.status, self.total, self.amendment) = (order, status, total, amendment)
        }
    }
}

extension OrderEvent.StatusChanged {
    /// Published with routing key `orders.order.status_changed.v1.<from>.<to>` (`new` for a
    /// first state), so that a consumer binds only the changes it needs: `…v1.*.paid`,
    /// `…v1.on_hold.*`, or `…v1.#` for every one.
    public var routingKey: String { "\(Self.type.rawValue).\(from?.rawValue ?? "new").\(to.rawValue)" }
    public static func routingKey(to status: OrderStatus) -> String { "\(type.rawValue).*.\(status.rawValue)" }
    public static func routingKey(from status: OrderStatus) -> String { "\(type.rawValue).\(status.rawValue).*" }
}
