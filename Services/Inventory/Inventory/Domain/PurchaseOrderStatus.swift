/// Where a purchase order stands, and what may happen to it next:
///
///     draft → approved → sent → partially received → received → closed
///       ↘         ↘        ↘
///        cancelled (while nothing has been received)
///
/// Lines are added only in draft; an order is approved only with at least one line.
public enum PurchaseOrderStatus: String, Sendable, CaseIterable, Codable {
    case draft, approved, sent
    case partiallyReceived = "partially_received"
    case received, closed, cancelled

    public enum Action: String, Sendable {
        case addLine = "add a line to"
        case approve, send, cancel
        case receive
        case close
    }

    /// Why `action` is refused in this state, or nil if it is allowed.
    public func refusal(of action: Action, lines: Int = 1, received: Int = 0) -> String? {
        switch (self, action) {
        case (.draft, .addLine): return nil
        case (.draft, .approve): return lines > 0 ? nil : "an order without lines cannot be approved"
        case (.approved, .send): return nil
        case (.draft, .cancel), (.approved, .cancel), (.sent, .cancel):
            return received == 0 ? nil : "units were received against it: close it instead"
        case (.sent, .receive), (.partiallyReceived, .receive): return nil
        case (.received, .close), (.partiallyReceived, .close): return nil
        default: return "the order is \(self.rawValue.replacingOccurrences(of: "_", with: " ")): cannot \(action.rawValue) it"
        }
    }

    /// After a receipt: received when every line has all it ordered, else partly.
    public static func afterReceipt(lines: [(ordered: Int, received: Int)]) -> PurchaseOrderStatus {
        lines.allSatisfy { $0.received >= $0.ordered } ? .received : .partiallyReceived
    }
}

/// An order quantity as a supplier takes it: at least its minimum order, in whole packs.
public enum PurchaseQuantity {
    public static func rounded(_ wanted: Int, minimumOrder: Int, packSize: Int) -> Int {
        let atLeast = max(wanted, minimumOrder, 1)
        let pack = max(packSize, 1)
        return (atLeast + pack - 1) / pack * pack
    }
}
