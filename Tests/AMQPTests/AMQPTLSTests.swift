import AMQP
import Foundation
import TestSupport
import Testing

/// AMQP over TLS to the local broker's TLS listener, whose certificate the local CA signed
/// (`deploy/local/servers.sh`); the test makes a CA of its own and client certificates.
@Suite(.timeLimit(.minutes(6))) struct AMQPTLSTests {
    static func configuration(_ change: (inout AMQPConfiguration.TLS) -> Void = { _ in }) throws -> AMQPConfiguration {
        var configuration = try AMQPConfiguration(url: TestEnvironment.brokerTLSURL)
        configuration.connectionName = "erp-tls-tests"
        var tls = try #require(configuration.tls)
        change(&tls)
        configuration.tls = tls
        return configuration
    }

    /// The error of a connection that must fail, or nil if it connected.
    static func connectError(_ configuration: AMQPConfiguration) async -> AMQPError? {
        do {
            let connection = try await AMQPConnection.connect(configuration)
            await connection.close()
            return nil
        } catch let error as AMQPError {
            return error
        } catch {
            return AMQPError(code: .protocolViolation, message: "\(error)")
        }
    }

    @Test func messagesGoThroughTheBrokersTLSListenerWhoseCertificateTheCASigned() async throws {
        let configuration = try Self.configuration()
        let queue = TestBroker.unique("tls")
        let connection = try await AMQPConnection.connect(configuration)
        try await connection.declareQueue(queue, durable: false)
        let publisher = try await AMQPPublisher.connect(configuration)
        let outcome = try await publisher.publish(AMQPMessage(exchange: "", routingKey: queue, body: Data("over TLS".utf8), mandatory: true))
        #expect(outcome == .confirmed)
        let received = try await QueueBodies.take(1, from: queue, configuration: configuration)
        #expect(received == ["over TLS"])
        await publisher.close()
        try await connection.deleteQueue(queue)
        await connection.close()
    }

    @Test func aBrokerWhoseCertificateAnotherCASignedIsRefusedAndTheErrorSaysTLS() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let stranger = try certificates.makeCA("stranger-ca")
        let error = await Self.connectError(try Self.configuration { $0.caCertificateFile = stranger.certificate })
        #expect(error?.code == .tlsFailed)
        #expect(error?.message.contains("TLS with the broker at localhost:") == true, "\(String(describing: error))")
        #expect(error?.message.contains(stranger.certificate) == true)
    }

    @Test func aClientCertificateIsCheckedByTheBroker() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let known = try certificates.makeClient("erp-orders", commonName: "erp-orders", signedBy: TestCertificates.serversCA)
        let accepted = await Self.connectError(
            try Self.configuration {
                $0.certificateFile = known.certificate
                $0.keyFile = known.key
            })
        #expect(accepted == nil, "a client certificate of the broker's CA: \(String(describing: accepted))")

        let stranger = try certificates.makeCA("stranger-ca")
        let unknown = try certificates.makeClient("intruder", commonName: "erp-orders", signedBy: stranger)
        let refused = await Self.connectError(
            try Self.configuration {
                $0.certificateFile = unknown.certificate
                $0.keyFile = unknown.key
            })
        #expect(refused != nil, "a client certificate of a CA the broker does not know is refused")
        #expect(refused?.message.contains("client certificate") == true, "\(String(describing: refused))")
    }

    @Test func aMissingCAFileIsNamedInTheError() async throws {
        let error = await Self.connectError(try Self.configuration { $0.caCertificateFile = "/nonexistent/ca.pem" })
        #expect(error?.code == .tlsFailed)
        #expect(error?.message.contains("/nonexistent/ca.pem") == true, "\(String(describing: error))")
    }
}

/// Takes messages from a queue and returns their bodies.
enum QueueBodies {
    static func take(_ count: Int, from queue: String, configuration: AMQPConfiguration) async throws -> [String] {
        let consumer = try await AMQPConsumer.start(configuration, queue: queue, prefetch: 10, reconnect: false)
        var bodies: [String] = []
        while bodies.count < count {
            for delivery in try await consumer.nextBatch(max: count - bodies.count) {
                bodies.append(String(decoding: delivery.body, as: UTF8.self))
                _ = consumer.ack(delivery)
            }
        }
        await consumer.close()
        return bodies
    }
}
