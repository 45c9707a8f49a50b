import AMQP
import Contracts
import Foundation
import Messaging

/// Publishes as a platform or an operator's tool would: confirmed, and sent again while
/// the broker is away (a message that was not confirmed may or may not have arrived; the
/// system must take a second copy as the same message). Gives up on a message after
/// `patience` seconds of failures.
public final class SoakPublisher: Sendable {
    let publisher: AMQPPublisher
    let patience: Double

    public static func connect(_ broker: AMQPConfiguration, patience: Double = 180) async throws -> SoakPublisher {
        SoakPublisher(publisher: try await AMQPPublisher.connect(broker, window: 64), patience: patience)
    }

    init(publisher: AMQPPublisher, patience: Double) { (self.publisher, self.patience) = (publisher, patience) }

    /// Sends until the broker confirms it; returns the attempts and whether it was confirmed.
    public func publish(_ message: AMQPMessage) async -> (attempts: Int, accepted: Bool) {
        let deadline = ContinuousClock.now + .seconds(patience)
        var attempts = 0
        while ContinuousClock.now < deadline {
            attempts += 1
            switch try? await publisher.publish(message) {
            case .confirmed?, .returned?: return (attempts, true)
            case .nacked?, nil: try? await Task.sleep(for: .milliseconds(300))
            }
        }
        return (attempts, false)
    }

    /// A command on `erp.commands` (no reply: the soak reads the outcome from the database).
    public func send<M: Message>(_ command: M, id: UUID = .random()) async throws -> (envelope: Envelope, accepted: Bool) {
        let envelope = try Envelope(command, source: "soak", id: id)
        let (_, accepted) = await publish(
            AMQPMessage(
                exchange: Exchanges.commands, routingKey: envelope.type.rawValue, body: envelope.payload, properties: envelope.amqpProperties))
        return (envelope, accepted)
    }

    public func close() async { await publisher.close() }
}
