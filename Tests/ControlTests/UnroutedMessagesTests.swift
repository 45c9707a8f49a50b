import AMQP
import Foundation
import Messaging
import TestSupport
import Testing

/// An event or command that no queue is bound for is caught by `erp.unrouted` (the alternate
/// exchange of `erp.events` and `erp.commands`), shown by `erpctl dead list`, and replayed to
/// where it was published once a queue is there. In a virtual host of the test's own.
@Suite(.timeLimit(.minutes(6))) struct UnroutedMessagesTests {
    @Test func anEventNoQueueTakesIsKeptShownAndReplayedOnceAQueueIsBound() async throws {
        let (vhost, amqpURL) = try await TestEnvironment.makeVirtualHost("t_unrouted")
        defer { TestEnvironment.deleteVirtualHost(vhost) }
        var configuration = try AMQPConfiguration(url: TestEnvironment.brokerURL)
        configuration.vhost = vhost
        func erpctl(_ arguments: [String]) async throws -> (status: Int32, output: String) {
            try await runProgramAsync(TestEnvironment.executable("erpctl"), arguments + ["--amqp-url", amqpURL])
        }

        let declared = try await erpctl(["topology", "declare"])
        #expect(declared.status == 0 && declared.output.contains("erp.unrouted"), "\(declared.output)")
        let id = "unrouted-\(UUID().uuidString.prefix(8))"
        let publisher = try await AMQPPublisher.connect(configuration, reconnect: false)
        let outcome = try await publisher.publish(
            AMQPMessage(
                exchange: Exchanges.events, routingKey: "nobody.listens.v1", body: Data("{}".utf8),
                properties: AMQPProperties(messageID: id, type: "nobody.listens.v1"), mandatory: true))
        await publisher.close()
        #expect(outcome == .confirmed, "the alternate exchange took it: \(outcome)")

        let listed = try await erpctl(["dead", "list", "--json"])
        let parked = try JSONDecoder().decode([ParkedMessage].self, from: Data(listed.output.utf8))
        let found = parked.first { $0.id == id }
        let entry = try #require(found, "\(listed.output)")
        #expect(entry.error == "unroutable")
        #expect(entry.detail.contains("erp.events") && entry.detail.contains("nobody.listens.v1"))

        let connection = try await AMQPConnection.connect(configuration)
        let queue = "late.listener"
        try await connection.declareQueue(queue, durable: false)
        try await connection.bindQueue(queue, to: Exchanges.events, routingKey: "nobody.listens.v1")
        let replayed = try await erpctl(["dead", "replay", id])
        #expect(replayed.status == 0 && replayed.output.contains("replayed 1"), "\(replayed.output)")
        let arrived = try await eventually(within: 10) { try await connection.declareQueue(queue, passive: true).messageCount == 1 }
        #expect(arrived)
        await connection.close()
    }
}
