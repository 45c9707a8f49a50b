import Contracts
import Foundation

/// The events a notification rule can name, each with a sample of its payload. The samples
/// are what a template is checked against when it is set (a field the event does not have
/// is refused), what `erpctl crm templates show --preview` renders, and the queue
/// `crm.notify` is bound to exactly these types. `NotificationEventsTests` decodes every
/// sample as its message type, so a sample cannot drift from its contract.
public enum NotificationEvents {
    static let money = #"{"minor_units": 12900, "currency": "CNY"}"#
    static let snapshot = """
        {"order": 1001, "platform": "shopify", "shop": "main", "external_id": "SO-1001", "revision": 1, "status": "paid",
         "currency": "CNY", "prices_include_tax": true, "payment_status": "paid", "placed_at": "2026-11-30T08:00:00Z",
         "lines": [{"line": 1, "sku": "TEA-OOLONG", "quantity": 2, "unit_price": \(money), "discount": {"minor_units": 0, "currency": "CNY"},
                    "total": \(money)}],
         "shipping_fee": {"minor_units": 1000, "currency": "CNY"}, "total": \(money),
         "customer": {"external_id": "C-1", "name": "Li Wei", "email": "li.wei@example.com", "phone": "+8613800138000"},
         "shipping_address": {"name": "Li Wei", "phone": "+8613800138000", "country": "CN", "province": "Zhejiang", "city": "Hangzhou",
                              "district": "Xihu", "line1": "1 Tea Road", "line2": "Flat 2", "postal_code": "310000"},
         "shipping_method": "standard"}
        """

    /// Every notifiable event type with a sample payload (JSON, message coding).
    public static let samples: [String: (type: any Message.Type, json: String)] = [
        OrderEvent.Placed.type.rawValue: (OrderEvent.Placed.self, #"{"snapshot": \#(snapshot)}"#),
        OrderEvent.StatusChanged.type.rawValue: (
            OrderEvent.StatusChanged.self,
            #"{"order": 1001, "from": "pending_payment", "to": "paid", "reason": "payment received", "actor": "finance", "total": \#(money)}"#
        ),
        OrderEvent.Shipped.type.rawValue: (
            OrderEvent.Shipped.self,
            #"{"order": 1001, "shipment": "SH-1", "carrier": "sf", "tracking_number": "SF123456789", "lines": [{"line": 1, "quantity": 2}], "complete": true, "warehouse": "HZ", "shipped_at": "2026-11-30T10:00:00Z"}"#
        ),
        OrderEvent.ShipLate.type.rawValue: (OrderEvent.ShipLate.self, #"{"order": 1001, "hours": 48, "reason": "not shipped by its ship-by time"}"#),
        OrderEvent.NeedsAttention.type.rawValue: (OrderEvent.NeedsAttention.self, #"{"order": 1001, "reason": "address changed after allocation"}"#),
        OrderEvent.IngestRejected.type.rawValue: (
            OrderEvent.IngestRejected.self,
            #"{"quarantine": 7, "routing_key": "platform.shopify.order.created", "code": "invalid", "reason": "total does not match its lines"}"#
        ),
        OrderEvent.ReturnRequested.type.rawValue: (
            OrderEvent.ReturnRequested.self,
            #"{"order": 1001, "rma": "RMA-1001-1", "lines": [{"line": 1, "quantity": 1}], "kind": "return", "reason": "too big"}"#
        ),
        FinanceEvent.InvoiceIssued.type.rawValue: (
            FinanceEvent.InvoiceIssued.self,
            #"{"number": "INV-2026-000123", "order": 1001, "customer_email": "li.wei@example.com", "customer_name": "Li Wei", "gross": \#(money), "tax": {"minor_units": 1484, "currency": "CNY"}, "issued_on": "2026-11-30"}"#
        ),
        FinanceEvent.RefundRecorded.type.rawValue: (
            FinanceEvent.RefundRecorded.self,
            #"{"order": 1001, "amount": \#(money), "reason": "returned", "reference": "RF-1", "credit_note": "CN-2026-000007"}"#
        ),
        FinanceEvent.PaymentReceived.type.rawValue: (
            FinanceEvent.PaymentReceived.self,
            #"{"order": 1001, "amount": \#(money), "method": "card", "reference": "PAY-1", "open": {"minor_units": 0, "currency": "CNY"}}"#
        ),
        InventoryEvent.Low.type.rawValue: (InventoryEvent.Low.self, #"{"sku": "TEA-OOLONG", "warehouse": "HZ", "available": 3, "minimum": 10}"#),
        InventoryEvent.PurchaseRequested.type.rawValue: (
            InventoryEvent.PurchaseRequested.self, #"{"request": 12, "sku": "TEA-OOLONG", "warehouse": "HZ", "quantity": 50}"#
        ),
        InventoryEvent.OrderLotRecalled.type.rawValue: (
            InventoryEvent.OrderLotRecalled.self,
            #"{"order": 1001, "lot": "L-2026-11", "skus": ["TEA-OOLONG"], "reason": "moisture found in the batch"}"#
        ),
        CRMEvent.TicketOpened.type.rawValue: (
            CRMEvent.TicketOpened.self,
            #"{"ticket": 5, "customer": 42, "kind": "complaint", "priority": "high", "subject": "Broken lid", "order": 1001}"#
        ),
        CRMEvent.TicketChanged.type.rawValue: (
            CRMEvent.TicketChanged.self, #"{"ticket": 5, "customer": 42, "from": "open", "to": "resolved", "actor": "mei"}"#
        ),
        CRMEvent.TicketReplied.type.rawValue: (
            CRMEvent.TicketReplied.self, #"{"ticket": 5, "customer": 42, "body": "A new lid is on its way.", "author": "mei"}"#
        ),
        CRMEvent.TicketSLABreached.type.rawValue: (
            CRMEvent.TicketSLABreached.self,
            #"{"ticket": 5, "customer": 42, "priority": "high", "deadline": "first_response", "due": "2026-11-30T12:00:00Z", "assignee": "mei"}"#
        ),
        CRMEvent.SurveyInvited.type.rawValue: (CRMEvent.SurveyInvited.self, #"{"survey": 9, "customer": 42, "order": 1001, "token": "q7Hk2s"}"#),
        CRMEvent.SegmentChanged.type.rawValue: (CRMEvent.SegmentChanged.self, #"{"customer": 42, "from": "loyal", "to": "at_risk"}"#),
        CRMEvent.IngestRejected.type.rawValue: (
            CRMEvent.IngestRejected.self,
            #"{"quarantine": 3, "routing_key": "platform.shopify.customer.created", "code": "invalid", "reason": "email is not an address"}"#
        ),
        SagaEvent.Stuck.type.rawValue: (
            SagaEvent.Stuck.self,
            #"{"saga": "0B7E7F52-2F0E-4C3E-9D55-3F1C2A6D8E10", "saga_type": "fulfilment", "key": "order:1001:fulfilment", "order": 1001, "step": "reserve stock", "reason": "compensation refused: unknown-order: no order 1001"}"#
        ),
        OperationsEvent.MessageParked.type.rawValue: (
            OperationsEvent.MessageParked.self,
            #"{"service": "finance", "queue": "finance.events", "message_type": "orders.order.placed.v1", "message_id": "5d1c0e9a-6b0f-4a57-8f1e-0e2f6a1b2c3d", "code": "validation", "reason": "total is not the sum of the lines", "attempts": 1}"#
        ),
    ]

    /// The notifiable event types, sorted.
    public static var types: [String] { samples.keys.sorted() }

    /// An event's sample payload.
    public static func sample(_ type: String) -> JSONValue? {
        guard let json = samples[type]?.json else { return nil }
        return try? JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
    }
}
