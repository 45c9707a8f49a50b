import Contracts
import Postgres

/// The enums the orders schema keeps as text, read back as themselves (an unknown value is
/// a decoding error, not a crash).
extension OrderStatus: PostgresDecodable {}
extension ReturnKind: PostgresDecodable {}

extension OrderStore {
    /// The payment status kept in an order's `payment` document (none: pending); an unknown
    /// value is a decoding error, not a crash.
    static func paymentStatus(_ raw: String?) throws -> PaymentStatus {
        guard let raw else { return .pending }
        guard let status = PaymentStatus(rawValue: raw) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "'\(raw)' is not a payment status"))
        }
        return status
    }
}
