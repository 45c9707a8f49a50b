import AMQP
import Messaging

/// The exchange a benchmarked service publishes its events to: its own, so that nothing
/// outside the benchmark sees them, with an alternate exchange and queue that take them, as
/// `erp.unrouted` does for `erp.events`. With no queue at all each event came back to the
/// relay, which held it and tried again (past a thousand such rows with a warning): work the
/// service never does where its events are bound.
enum BenchEventsExchange {
    /// Declares `<prefix>.events.out` and its alternate; returns the exchange's name.
    static func declare(prefix: String, on admin: AMQPConnection) async throws -> String {
        let name = "\(prefix).events.out"
        try await Topology.declareWithAlternate(name, alternate: "\(prefix).unrouted", on: admin)
        try await Topology.declareUnroutedQueue("\(prefix).unrouted", durable: false, on: admin)
        return name
    }

    static func delete(prefix: String, on admin: AMQPConnection) async {
        try? await admin.deleteExchange("\(prefix).events.out")
        _ = try? await admin.deleteQueue("\(prefix).unrouted")
        try? await admin.deleteExchange("\(prefix).unrouted")
    }
}
