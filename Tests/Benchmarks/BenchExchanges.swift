import AMQP
import Messaging

/// A benchmark's own exchanges, so that nothing outside it sees its messages, with one
/// alternate exchange and queue (`<prefix>.unrouted`) that take what no queue is bound for, as
/// `erp.unrouted` does for `erp.events` and `erp.commands`. Without it a message nobody in the
/// benchmark binds came back to the relay, which held it and tried again (past a thousand such
/// rows with a warning): work the service never does where its messages are bound.
enum BenchExchanges {
    static func declare(_ exchanges: [String], prefix: String, on admin: AMQPConnection) async throws {
        for exchange in exchanges {
            try await Topology.declareWithAlternate(exchange, alternate: "\(prefix).unrouted", on: admin)
        }
        try await Topology.declareUnroutedQueue("\(prefix).unrouted", durable: false, on: admin)
    }

    static func delete(_ exchanges: [String], prefix: String, on admin: AMQPConnection) async {
        for exchange in exchanges { try? await admin.deleteExchange(exchange) }
        _ = try? await admin.deleteQueue("\(prefix).unrouted")
        try? await admin.deleteExchange("\(prefix).unrouted")
    }
}
