@testable import AMQP
import Contracts
import Foundation
import Postgres
import SampleService
import Testing
@testable import Messaging

@Suite struct OutboxRelayDecisionTests {
    @Test func onlyConfirmedRowsAreSentAndTheRestStayForALaterBatch() {
        let lost = AMQPError(code: .connectionLost, message: "gone")
        let decision = OutboxRelayDecision(
            sequence: [10, 11, 12, 13],
            results: [
                .success(.confirmed), .success(.nacked), .failure(lost),
                .success(.returned(AMQPReturnedMessage(replyCode: 312, replyText: "NO_ROUTE", exchange: "e", routingKey: "k"))),
            ])
        #expect(decision.sent == [10])
        #expect(decision.unsent == [11, 12, 13])
        #expect(decision.returned == [13: "exchange e, routing key k: NO_ROUTE"])
        #expect(decision.shouldBackOff)
        #expect(decision.firstFailure?.contains("11") == true)
    }

    /// A returned row (no queue took it) stays in the outbox but is not the broker's trouble:
    /// the relay holds that row back and goes on with the others.
    @Test func aReturnedRowStaysWithoutBackingOffTheBatch() {
        let decision = OutboxRelayDecision(
            sequence: [1, 2],
            results: [
                .success(.confirmed), .success(.returned(AMQPReturnedMessage(replyCode: 312, replyText: "NO_ROUTE", exchange: "e", routingKey: "k"))),
            ])
        #expect(decision.sent == [1] && decision.unsent == [2] && !decision.shouldBackOff)
    }

    @Test func aFullyConfirmedBatchDoesNotBackOff() {
        let decision = OutboxRelayDecision(sequence: [1, 2], results: [.success(.confirmed), .success(.confirmed)])
        #expect(decision.sent == [1, 2] && !decision.shouldBackOff)
    }
}

@Suite struct DeliveryDispositionTests {
    @Test func aPermanentFailureIsParkedAtOnce() {
        #expect(
            DeliveryDisposition.decide(.permanent(code: "validation"), previousAttempts: 0, levels: 5)
                == .park(code: "validation", attempts: 1))
    }

    @Test func aTransientFailureGoesThroughEachRetryLevelThenIsParked() {
        #expect(DeliveryDisposition.decide(.transient, previousAttempts: 0, levels: 2) == .retry(level: 1, attempt: 1))
        #expect(DeliveryDisposition.decide(.transient, previousAttempts: 1, levels: 2) == .retry(level: 2, attempt: 2))
        #expect(DeliveryDisposition.decide(.transient, previousAttempts: 2, levels: 2) == .park(code: "retries-exhausted", attempts: 3))
    }

    @Test func errorsAreSortedByWhetherRetryingCanHelp() {
        #expect(FailureKind.of(PermanentMessageError("validation", "x")) == .permanent(code: "validation"))
        #expect(FailureKind.of(ContractError.undecodable(type: "a.b.v1", reason: "x")) == .permanent(code: "undecodable"))
        #expect(FailureKind.of(MoneyError.overflow) == .permanent(code: "validation"))
        #expect(FailureKind.of(PostgresError(code: .server, message: "dup", sqlState: "23505")) == .permanent(code: "constraint"))
        #expect(FailureKind.of(PostgresError(code: .server, message: "conflict", sqlState: "40001")) == .transient)
        #expect(FailureKind.of(PostgresError(code: .server, message: "bad types", sqlState: "42P08")) == .permanent(code: "statement"))
        #expect(FailureKind.of(PostgresError(code: .server, message: "no right", sqlState: "42501")) == .permanent(code: "statement"))
        #expect(FailureKind.of(PostgresError(code: .connectionFailed, message: "refused", sentToServer: false)) == .unavailable)
        #expect(FailureKind.of(DependencyDown()) == .transient)
    }

    /// A validation or invariant error of a handler repeats on every attempt: it is parked
    /// at once, never retried for thirteen minutes first.
    @Test func anErrorThatWillRepeatIsPermanentAndOnlyWhatCanGoAwayIsRetried() {
        struct InvariantBroken: Error {}
        #expect(FailureKind.of(InvariantBroken()) == .permanent(code: "invalid"))
        #expect(FailureKind.of(DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "x"))) == .permanent(code: "undecodable"))
        #expect(FailureKind.of(PostgresError(code: .server, message: "bad date", sqlState: "22008")) == .permanent(code: "constraint"))
        #expect(FailureKind.of(PostgresError(code: .server, message: "raised", sqlState: "P0001")) == .permanent(code: "constraint"))
        #expect(FailureKind.of(PostgresError(code: .server, message: "index row too large", sqlState: "54000")) == .permanent(code: "constraint"))
        #expect(
            FailureKind.of(PostgresError(code: .invalidParameter, message: "NUL", sqlState: "22021", sentToServer: false))
                == .permanent(code: "constraint"))
        #expect(FailureKind.of(PostgresError(code: .server, message: "deadlock", sqlState: "40P01")) == .transient)
        #expect(FailureKind.of(PostgresError(code: .server, message: "statement timeout", sqlState: "57014")) == .transient)
        #expect(FailureKind.of(PostgresError(code: .server, message: "lock timeout", sqlState: "55P03")) == .transient)
        #expect(FailureKind.of(CancellationError()) == .transient)
        #expect(FailureKind.of(AMQPError(code: .connectionLost, message: "gone")) == .transient)
    }
}

@Suite struct ParkedMessageDescriptionTests {
    @Test func aMessageTheBrokerDeadLetteredSaysHowOftenItWasDelivered() {
        let death: AMQPFieldValue = .table(["reason": "delivery_limit", "queue": "orders.ingest", "count": .int(1)])
        let delivery = AMQPDelivery(
            deliveryTag: 1, redelivered: true, exchange: "erp.dead", routingKey: "orders.ingest", consumerTag: "c",
            properties: AMQPProperties(headers: ["x-death": .array([death]), "x-delivery-count": .int(10)], messageID: "m-1"), body: Data(),
            connectionGeneration: 0)
        let parked = ParkedMessages.describe(delivery, parkingQueue: "orders.ingest.parked")
        #expect(parked.error == "delivery-limit")
        #expect(parked.detail == "dead-lettered by the broker (delivery-limit) after 11 deliveries")
    }
}
