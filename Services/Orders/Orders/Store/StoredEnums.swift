import Contracts
import Postgres

/// The enums the orders schema keeps as text, read back as themselves (an unknown value is
/// a decoding error, not a crash).
extension OrderStatus: PostgresDecodable {}
extension ReturnKind: PostgresDecodable {}
