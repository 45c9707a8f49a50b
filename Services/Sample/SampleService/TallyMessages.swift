import Contracts

/// Messages of the sample "tally" service that the messaging tests and benchmarks run:
/// a command adds an amount to a named tally; the service publishes the new total.
public enum Tally {
    /// Command to the tally service: add `amount` to the tally `key`.
    public struct Add: Message, Equatable {
        public static let type: MessageType = "tally.add.v1"
        public var key: String
        public var amount: Int
        public init(key: String, amount: Int) {
            self.key = key
            self.amount = amount
        }
    }

    /// Event: the tally `key` now stands at `total`.
    public struct Added: Message, Equatable {
        public static let type: MessageType = "sample.tally.added.v1"
        public var key: String
        public var amount: Int
        public var total: Int
        public init(key: String, amount: Int, total: Int) {
            self.key = key
            self.amount = amount
            self.total = total
        }
    }
}
