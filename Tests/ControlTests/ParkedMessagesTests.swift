import AMQP
import Control
import Foundation
import Messaging
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(6))) struct ParkedMessagesTests {
    static var broker: AMQPConfiguration {
        try! AMQPConfiguration(url: TestEnvironment.brokerURL)
    }

    /// Declares a service queue and parks two messages in it the way the consumer does.
    static func parkTwo() async throws -> (queue: ServiceQueue, ids: [String]) {
        let queue = ServiceQueue(name: "t_ctl_\(UUID().uuidString.prefix(8).lowercased()).commands", bindings: [], retryDelaysMilliseconds: [100])
        let connection = try await AMQPConnection.connect(broker)
        try await Topology.declareExchanges(on: connection)
        try await Topology.declare(queue, on: connection)
        await connection.close()
        let publisher = try await AMQPPublisher.connect(broker)
        var ids: [String] = []
        for (index, code) in ["undecodable", "validation"].enumerated() {
            let id = UUID().uuidString.lowercased()
            ids.append(id)
            let properties = AMQPProperties(
                contentType: "application/json",
                headers: [
                    MessageHeaders.error: .string(code), MessageHeaders.errorDetail: .string("detail \(index)"),
                    MessageHeaders.failedAt: "2026-11-29T05:00:00Z", MessageHeaders.service: "sample",
                    MessageHeaders.queue: .string(queue.name), MessageHeaders.originalRoutingKey: "tally.add.v1",
                    MessageHeaders.attempt: 1,
                ],
                messageID: id, type: "tally.add.v1")
            let outcome = try await publisher.publish(
                AMQPMessage(
                    exchange: Exchanges.dead, routingKey: queue.name, body: Data("body \(index)".utf8), properties: properties, mandatory: true))
            #expect(outcome == .confirmed)
        }
        await publisher.close()
        return (queue, ids)
    }

    static func delete(_ queue: ServiceQueue) async throws {
        let connection = try await AMQPConnection.connect(broker)
        for name in [queue.name, queue.parkingQueue, queue.retryQueue(level: 1)] { try await connection.deleteQueue(name) }
        await connection.close()
    }

    /// A message parked twice (its first delivery's acknowledgement was lost) is listed once
    /// with its copies, and replayed once: both copies leave the parking queue.
    @Test func copiesOfOneParkedMessageAreListedAndReplayedAsOne() async throws {
        let (queue, ids) = try await Self.parkTwo()
        let publisher = try await AMQPPublisher.connect(Self.broker)
        let copy = AMQPMessage(
            exchange: Exchanges.dead, routingKey: queue.name, body: Data("body 0".utf8),
            properties: AMQPProperties(
                headers: [MessageHeaders.error: "undecodable", MessageHeaders.queue: .string(queue.name)], messageID: ids[0], type: "tally.add.v1"),
            mandatory: true)
        #expect(try await publisher.publish(copy) == .confirmed)
        await publisher.close()
        var listed: [ParkedMessage] = []
        _ = try await eventually {
            listed = try await ParkedMessages.list(parkingQueue: queue.parkingQueue, broker: Self.broker)
            return listed.map(\.copies).reduce(0, +) == 3
        }
        let copies = Dictionary(uniqueKeysWithValues: listed.map { ($0.id, $0.copies) })
        #expect(copies == [ids[0]: 2, ids[1]: 1])
        let explained = try await CrossServiceInvariants.parkedMessagesExplained(queues: [queue.parkingQueue], broker: Self.broker)
        #expect(explained.held, "erpctl check counts the copies as listed: \(explained.violations)")
        let wanted = ids[0]
        let replayed = try await ParkedMessages.replay(parkingQueue: queue.parkingQueue, broker: Self.broker) { $0.id == wanted }
        #expect(replayed == 1)
        let left = try await eventually {
            try await ParkedMessages.list(parkingQueue: queue.parkingQueue, broker: Self.broker).map(\.id) == [ids[1]]
        }
        #expect(left, "both copies of the replayed message left the parking queue")
        let inQueue = try await eventually { try await TestEnvironment.brokerQueueCount(queue.name) == 1 }
        #expect(inQueue, "one copy went back to the service queue")
        try await Self.delete(queue)
    }

    @Test func listingShowsEachParkedMessageWithItsReasonAndKeepsThem() async throws {
        let (queue, ids) = try await Self.parkTwo()
        let listed = try await ParkedMessages.list(parkingQueue: queue.parkingQueue, broker: Self.broker)
        #expect(Set(listed.map(\.id)) == Set(ids))
        #expect(Set(listed.map(\.error)) == ["undecodable", "validation"])
        let allShowQueueServiceAndRoutingKey = listed.allSatisfy {
            $0.queue == queue.name && $0.service == "sample" && $0.originalRoutingKey == "tally.add.v1"
        }
        #expect(allShowQueueServiceAndRoutingKey)
        // What was read goes back to the queue: both are there again, and stay.
        let bothStay = try await eventually { try await ParkedMessages.list(parkingQueue: queue.parkingQueue, broker: Self.broker).count == 2 }
        #expect(bothStay, "listing removes nothing")
        try await Self.delete(queue)
    }

    @Test func replayingOneSendsItBackToItsQueueWithoutTheFailureHeaders() async throws {
        let (queue, ids) = try await Self.parkTwo()
        let replayed = try await ParkedMessages.replay(parkingQueue: queue.parkingQueue, broker: Self.broker) { $0.id == ids[0] }
        #expect(replayed == 1)
        let consumer = try await AMQPConsumer.start(Self.broker, queue: queue.name, reconnect: false)
        let delivery = try #require(try await consumer.nextBatch(max: 1).first)
        #expect(delivery.properties.messageID == ids[0])
        #expect(delivery.body == Data("body 0".utf8))
        #expect(delivery.properties.headers[MessageHeaders.error] == nil)
        #expect(delivery.properties.headers[MessageHeaders.attempt] == nil)
        consumer.ack(delivery)
        await consumer.close()
        let onlyTheOtherLeft = try await eventually {
            try await ParkedMessages.list(parkingQueue: queue.parkingQueue, broker: Self.broker).map(\.id) == [ids[1]]
        }
        #expect(onlyTheOtherLeft)
        #expect(try await ParkedMessages.purge(parkingQueue: queue.parkingQueue, broker: Self.broker) == 1)
        #expect(try await ParkedMessages.list(parkingQueue: queue.parkingQueue, broker: Self.broker).isEmpty)
        try await Self.delete(queue)
    }
}
