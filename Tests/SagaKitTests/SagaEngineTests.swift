import Contracts
import Foundation
import SagaKit
import Testing

/// The engine in the given / when / expect style, with no broker and no database:
/// given a saga in a state, when an input arrives, expect these commands and this state.
@Suite struct SagaEngineTests {
    struct Data: Codable, Sendable, Equatable {
        var order: Int64
        var paid: Bool
        var reservation: String?
    }

    struct Reserve: Message, Equatable { static let type: MessageType = "test.reserve.v1"; var order: Int64 }
    struct Release: Message, Equatable { static let type: MessageType = "test.release.v1"; var order: Int64 }
    struct Ship: Message, Equatable { static let type: MessageType = "test.ship.v1"; var order: Int64 }
    struct Cancel: Message, Equatable { static let type: MessageType = "test.cancel.v1"; var order: Int64; var reason: String }
    struct Result: Codable { var reservation: String }

    static let paidEvent: MessageType = "test.order.paid.v1"

    static let definition = SagaDefinition<Data>(
        type: "fulfilment",
        steps: [
            SagaStep(
                "reserve", action: { try SagaCommand(Reserve(order: $0.order)) },
                onSuccess: { data, result in data.reservation = try result?.decode(Result.self).reservation },
                compensation: { try SagaCommand(Release(order: $0.order)) }),
            SagaStep(
                "await payment", timeout: .seconds(1800), skip: { $0.paid }, action: { _ in nil }, awaiting: .event(paidEvent),
                matches: { data, body in (try? body.decode([String: Int64].self))?["order"] == data.order },
                onSuccess: { data, _ in data.paid = true }),
            SagaStep("ship", action: { try SagaCommand(Ship(order: $0.order)) }),
        ],
        onFailure: { data, failure in [try SagaCommand(Cancel(order: data.order, reason: "\(failure.step): \(failure.code)"))] })

    static let engine = SagaEngine(definition)
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// Request ids 1, 2, 3... so that expectations can name them.
    final class Ids: @unchecked Sendable {
        var next = 0
        func make() -> UUID {
            next += 1
            return UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", next))!
        }
    }

    static func done(_ result: [String: String]? = nil) -> CommandOutcome {
        CommandOutcome(commandID: UUID(), commandType: "x.y.v1", status: .done, result: result.map { try! JSONValue(encoding: $0) })
    }

    static func refused(_ code: String) -> CommandOutcome {
        CommandOutcome(commandID: UUID(), commandType: "x.y.v1", status: .refused, code: code, reason: "no")
    }

    static func sent(_ actions: [SagaAction]) -> [MessageType] {
        actions.map { if case .send(let command, _) = $0 { command.type } else { "?" } }
    }

    @Test func givenANewPaidOrderWhenItStartsExpectAReservation() throws {
        let ids = Ids()
        let (state, actions) = try Self.engine.start(id: UUID(), data: Data(order: 7, paid: true), now: Self.t0, newRequestID: ids.make)
        #expect(Self.sent(actions) == [Reserve.type])
        #expect(state.status == .waiting && state.step == 0 && state.requestID == ids.make().predecessor)
    }

    /// The order is cancelled while the reservation is out: the reservation may have been
    /// made (its reply is on its way), so it is released.
    @Test func givenAReservationOutWhenTheSagaIsAbortedExpectItReleased() throws {
        let ids = Ids()
        let (waiting, _) = try Self.engine.start(id: UUID(), data: Data(order: 7, paid: false), now: Self.t0, newRequestID: ids.make)
        let (state, actions) = try Self.engine.handle(.abort(reason: "cancelled"), state: waiting, now: Self.t0, newRequestID: ids.make)
        #expect(Self.sent(actions) == [Release.type])
        #expect(state.compensating)
        let late = try Self.engine.handle(
            .reply(requestID: waiting.requestID!, outcome: Self.done(["reservation": "R-1"])), state: state, now: Self.t0, newRequestID: ids.make)
        #expect(late.1.isEmpty, "the reservation's late reply changes nothing")
    }

    @Test func givenAReservationSentWhenItsReplyArrivesExpectPaymentSkippedAndShipping() throws {
        let ids = Ids()
        let (waiting, _) = try Self.engine.start(id: UUID(), data: Data(order: 7, paid: true), now: Self.t0, newRequestID: ids.make)
        let (state, actions) = try Self.engine.handle(
            .reply(requestID: waiting.requestID!, outcome: Self.done(["reservation": "R-1"])), state: waiting, now: Self.t0, newRequestID: ids.make)
        #expect(Self.sent(actions) == [Ship.type])
        #expect(state.data.reservation == "R-1")
        #expect(state.step == 2)
        let skipped = state.history.contains { $0.step == "await payment" && $0.what == "skipped" }
        #expect(skipped)
    }

    @Test func givenAnUnpaidOrderWhenReservedExpectItToWaitForPaymentUntilItsDeadline() throws {
        let (waiting, _) = try Self.engine.start(id: UUID(), data: Data(order: 8, paid: false), now: Self.t0)
        let (state, actions) = try Self.engine.handle(
            .reply(requestID: waiting.requestID!, outcome: Self.done(["reservation": "R"])), state: waiting, now: Self.t0)
        #expect(actions.isEmpty)
        #expect(state.step == 1 && state.deadline == Self.t0.addingTimeInterval(1800))
        // Another order's payment changes nothing; this order's moves on to shipping.
        let (other, none) = try Self.engine.handle(
            .event(type: Self.paidEvent, body: try SagaPayload(encoding: ["order": 9])), state: state, now: Self.t0)
        #expect(none.isEmpty && other == state)
        let (paid, ship) = try Self.engine.handle(
            .event(type: Self.paidEvent, body: try SagaPayload(encoding: ["order": 8])), state: state, now: Self.t0)
        #expect(Self.sent(ship) == [Ship.type] && paid.data.paid)
    }

    @Test func givenAnUnpaidOrderWhenItsDeadlinePassesExpectReleaseThenCancel() throws {
        let (waiting, _) = try Self.engine.start(id: UUID(), data: Data(order: 8, paid: false), now: Self.t0)
        let (awaiting, _) = try Self.engine.handle(
            .reply(requestID: waiting.requestID!, outcome: Self.done(["reservation": "R"])), state: waiting, now: Self.t0)
        let (early, nothing) = try Self.engine.handle(.timeout, state: awaiting, now: Self.t0.addingTimeInterval(60))
        #expect(nothing.isEmpty && early == awaiting, "a timer that fires early changes nothing")
        let (compensating, release) = try Self.engine.handle(.timeout, state: awaiting, now: Self.t0.addingTimeInterval(1801))
        #expect(Self.sent(release) == [Release.type])
        #expect(compensating.compensating && compensating.failure?.code == "timeout")
        let (ended, cancel) = try Self.engine.handle(
            .reply(requestID: compensating.requestID!, outcome: Self.done()), state: compensating, now: Self.t0)
        #expect(Self.sent(cancel) == [Cancel.type])
        #expect(ended.status == .compensated)
    }

    @Test func givenAReservationRefusedExpectNoCompensationButTheFailureCommands() throws {
        let (waiting, _) = try Self.engine.start(id: UUID(), data: Data(order: 9, paid: true), now: Self.t0)
        let (ended, actions) = try Self.engine.handle(
            .reply(requestID: waiting.requestID!, outcome: Self.refused("insufficient-stock")), state: waiting, now: Self.t0)
        #expect(Self.sent(actions) == [Cancel.type], "the refused step did nothing to undo")
        #expect(ended.status == .compensated && ended.failure?.code == "insufficient-stock")
    }

    @Test func givenAStaleOrRepeatedReplyExpectNothingToChange() throws {
        let (waiting, _) = try Self.engine.start(id: UUID(), data: Data(order: 7, paid: true), now: Self.t0)
        let (stale, none) = try Self.engine.handle(.reply(requestID: UUID(), outcome: Self.done(["reservation": "R"])), state: waiting, now: Self.t0)
        #expect(none.isEmpty && stale == waiting)
        let reply = SagaInput.reply(requestID: waiting.requestID!, outcome: Self.done(["reservation": "R"]))
        let (moved, _) = try Self.engine.handle(reply, state: waiting, now: Self.t0)
        let (again, repeated) = try Self.engine.handle(reply, state: moved, now: Self.t0)
        #expect(repeated.isEmpty && again == moved, "the same reply twice moves the saga once")
    }

    @Test func givenShippingRefusedExpectTheReservationReleasedThenTheFailureCommands() throws {
        let (waiting, _) = try Self.engine.start(id: UUID(), data: Data(order: 7, paid: true), now: Self.t0)
        let (shipping, _) = try Self.engine.handle(
            .reply(requestID: waiting.requestID!, outcome: Self.done(["reservation": "R"])), state: waiting, now: Self.t0)
        let (compensating, release) = try Self.engine.handle(
            .reply(requestID: shipping.requestID!, outcome: Self.refused("lots-short")), state: shipping, now: Self.t0)
        #expect(Self.sent(release) == [Release.type])
        let (ended, cancel) = try Self.engine.handle(
            .reply(requestID: compensating.requestID!, outcome: Self.done()), state: compensating, now: Self.t0)
        #expect(Self.sent(cancel) == [Cancel.type] && ended.status == .compensated)
    }

    @Test func givenACompensationRefusedExpectTheSagaStuckUntilRetried() throws {
        let (waiting, _) = try Self.engine.start(id: UUID(), data: Data(order: 7, paid: true), now: Self.t0)
        let (shipping, _) = try Self.engine.handle(
            .reply(requestID: waiting.requestID!, outcome: Self.done(["reservation": "R"])), state: waiting, now: Self.t0)
        let (compensating, _) = try Self.engine.handle(
            .reply(requestID: shipping.requestID!, outcome: Self.refused("lots-short")), state: shipping, now: Self.t0)
        let (stuck, none) = try Self.engine.handle(
            .reply(requestID: compensating.requestID!, outcome: Self.refused("db-down")), state: compensating, now: Self.t0)
        #expect(none.isEmpty && stuck.status == .stuck)
        let (retrying, release) = try Self.engine.handle(.retry, state: stuck, now: Self.t0)
        #expect(Self.sent(release) == [Release.type] && retrying.status == .waiting)
    }

    @Test func givenAnOrderCancelledWhileWaitingForPaymentExpectReleaseThenTheFailureCommands() throws {
        let (waiting, _) = try Self.engine.start(id: UUID(), data: Data(order: 8, paid: false), now: Self.t0)
        let (awaiting, _) = try Self.engine.handle(
            .reply(requestID: waiting.requestID!, outcome: Self.done(["reservation": "R"])), state: waiting, now: Self.t0)
        let (compensating, release) = try Self.engine.handle(.abort(reason: "cancelled by the customer"), state: awaiting, now: Self.t0)
        #expect(Self.sent(release) == [Release.type])
        #expect(compensating.failure == SagaFailure(step: "await payment", code: "aborted", reason: "cancelled by the customer"))
        let (again, none) = try Self.engine.handle(.abort(reason: "twice"), state: compensating, now: Self.t0)
        #expect(none.isEmpty && again == compensating, "a second abort changes nothing")
    }

    @Test func givenAnEventThatArrivesBeforeItsStepExpectItKeptAndUsedWhenTheStepComes() throws {
        let (waiting, _) = try Self.engine.start(id: UUID(), data: Data(order: 8, paid: false), now: Self.t0)
        // The payment event overtakes the reservation's reply.
        let paid = SagaInput.event(type: Self.paidEvent, body: try SagaPayload(encoding: ["order": 8]))
        let (kept, none) = try Self.engine.handle(paid, state: waiting, now: Self.t0)
        #expect(none.isEmpty && kept.early.count == 1 && kept.step == 0)
        let (same, _) = try Self.engine.handle(paid, state: kept, now: Self.t0)
        #expect(same == kept, "kept once")
        let (shipping, ship) = try Self.engine.handle(
            .reply(requestID: kept.requestID!, outcome: Self.done(["reservation": "R"])), state: kept, now: Self.t0)
        #expect(Self.sent(ship) == [Ship.type], "the payment that came early lets the saga go straight on")
        #expect(shipping.data.paid && shipping.early.isEmpty)
    }

    @Test func givenACompletedSagaExpectEveryInputIgnored() throws {
        let (waiting, _) = try Self.engine.start(id: UUID(), data: Data(order: 7, paid: true), now: Self.t0)
        let (shipping, _) = try Self.engine.handle(
            .reply(requestID: waiting.requestID!, outcome: Self.done(["reservation": "R"])), state: waiting, now: Self.t0)
        let (done, _) = try Self.engine.handle(.reply(requestID: shipping.requestID!, outcome: Self.done()), state: shipping, now: Self.t0)
        #expect(done.status == .completed)
        for input in [SagaInput.timeout, .retry, .reply(requestID: shipping.requestID!, outcome: Self.done())] {
            let (same, actions) = try Self.engine.handle(input, state: done, now: Self.t0.addingTimeInterval(99_999))
            #expect(actions.isEmpty && same == done)
        }
    }

    @Test func givenACommandSentWhenItsParticipantNeverAnswersExpectTheReplyDeadlineToFailTheStep() throws {
        let (waiting, _) = try Self.engine.start(id: UUID(), data: Data(order: 7, paid: true), now: Self.t0)
        #expect(waiting.deadline == Self.t0.addingTimeInterval(3600), "every waiting saga has a deadline: the reply's")
        let (ended, actions) = try Self.engine.handle(.timeout, state: waiting, now: Self.t0.addingTimeInterval(3601))
        #expect(Self.sent(actions) == [Cancel.type], "the reservation never answered: nothing to undo, the failure commands go")
        #expect(ended.status == .compensated && ended.failure?.code == "timeout")
    }

    @Test func givenAStepWhoseTimeoutProceedsWhenItPassesExpectTheNextStep() throws {
        let definition = SagaDefinition<Data>(
            type: "t",
            steps: [
                SagaStep(
                    "await scan", timeout: .seconds(60), onTimeout: .proceed, action: { _ in nil }, awaiting: .event(Self.paidEvent),
                    onSuccess: { data, body in if body == nil { data.reservation = "assumed" } }),
                SagaStep("ship", action: { try SagaCommand(Ship(order: $0.order)) }),
            ])
        let engine = SagaEngine(definition)
        let (waiting, none) = try engine.start(id: UUID(), data: Data(order: 7, paid: true), now: Self.t0)
        #expect(none.isEmpty && waiting.deadline == Self.t0.addingTimeInterval(60))
        let (next, actions) = try engine.handle(.timeout, state: waiting, now: Self.t0.addingTimeInterval(61))
        #expect(Self.sent(actions) == [Ship.type])
        #expect(next.data.reservation == "assumed" && !next.compensating)
    }

    @Test func givenAForwardOnlyStepWhenItIsRefusedExpectTheSagaStuckUndoingNothingAndARetryToSendItAgain() throws {
        let definition = SagaDefinition<Data>(
            type: "t",
            steps: [
                SagaStep(
                    "reserve", action: { try SagaCommand(Reserve(order: $0.order)) }, compensation: { try SagaCommand(Release(order: $0.order)) }),
                SagaStep("ship", forwardOnly: true, action: { try SagaCommand(Ship(order: $0.order)) }),
            ])
        let engine = SagaEngine(definition)
        let (waiting, _) = try engine.start(id: UUID(), data: Data(order: 7, paid: true), now: Self.t0)
        let (shipping, _) = try engine.handle(.reply(requestID: waiting.requestID!, outcome: Self.done()), state: waiting, now: Self.t0)
        let (stuck, none) = try engine.handle(
            .reply(requestID: shipping.requestID!, outcome: Self.refused("carrier-down")), state: shipping, now: Self.t0)
        #expect(none.isEmpty, "nothing is released: the step is past the point of no return")
        #expect(stuck.status == .stuck && !stuck.compensating && stuck.failure?.code == "carrier-down")
        let (again, resent) = try engine.handle(.retry, state: stuck, now: Self.t0)
        #expect(Self.sent(resent) == [Ship.type] && again.status == .waiting)
        let (done, _) = try engine.handle(.reply(requestID: again.requestID!, outcome: Self.done()), state: again, now: Self.t0)
        #expect(done.status == .completed)
    }

    @Test func givenAnOrderWaitingForPaymentWhenAnotherSagaTakesItOverExpectItToStopUndoingNothing() throws {
        let (waiting, _) = try Self.engine.start(id: UUID(), data: Data(order: 8, paid: false), now: Self.t0)
        let (awaiting, _) = try Self.engine.handle(
            .reply(requestID: waiting.requestID!, outcome: Self.done(["reservation": "R"])), state: waiting, now: Self.t0)
        let (stopped, actions) = try Self.engine.handle(.supersede(reason: "split into 11, 12"), state: awaiting, now: Self.t0)
        #expect(actions.isEmpty, "the reservation now belongs to the children: nothing is released")
        #expect(stopped.status == .superseded && stopped.deadline == nil)
        let (late, none) = try Self.engine.handle(.timeout, state: stopped, now: Self.t0.addingTimeInterval(4000))
        #expect(none.isEmpty && late == stopped, "its old deadline no longer fires")
    }
}

extension UUID {
    /// The id one before this one (for the counting ids of the tests).
    var predecessor: UUID {
        let text = uuidString.suffix(12)
        return UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", (Int(text) ?? 1) - 1))!
    }
}

@Suite struct SagaStateCodingTests {
    @Test func aSagaStateSurvivesTheMessageCodingItIsStoredWith() throws {
        let (state, _) = try SagaEngineTests.engine.start(id: UUID(), data: .init(order: 1, paid: false), now: SagaEngineTests.t0)
        let stored = try MessageCoding.encoder().encode(state)
        let loaded = try MessageCoding.decoder().decode(SagaState<SagaEngineTests.Data>.self, from: stored)
        #expect(loaded == state)
        #expect(loaded.requestID != nil)
    }
}

/// A step whose participant has not caught up ("not yet") sends its command again later
/// instead of failing, a bounded number of times.
@Suite struct SagaRetryWhenNotYetTests {
    typealias Engine = SagaEngineTests
    static let definition = SagaDefinition<Engine.Data>(
        type: "catch-up",
        steps: [
            SagaStep(
                "reserve", retryWhen: ["not-yet"], retryEvery: .seconds(5), retryLimit: 2,
                action: { try SagaCommand(Engine.Reserve(order: $0.order)) },
                compensation: { try SagaCommand(Engine.Release(order: $0.order)) }),
            SagaStep("ship", action: { try SagaCommand(Engine.Ship(order: $0.order)) }),
        ],
        onFailure: { _, _ in [] })
    static let engine = SagaEngine(definition)

    @Test func aNotYetRefusalWaitsAndSendsTheCommandAgainAtItsDeadline() throws {
        let ids = Engine.Ids()
        let (started, _) = try Self.engine.start(id: UUID(), data: .init(order: 7, paid: true), now: Engine.t0, newRequestID: ids.make)
        let (waiting, none) = try Self.engine.handle(
            .reply(requestID: started.requestID!, outcome: Engine.refused("not-yet")), state: started, now: Engine.t0, newRequestID: ids.make)
        #expect(none.isEmpty && waiting.status == .waiting && waiting.requestID == nil && waiting.retries == 1)
        #expect(waiting.deadline == Engine.t0.addingTimeInterval(5))
        let (early, nothing) = try Self.engine.handle(.timeout, state: waiting, now: Engine.t0.addingTimeInterval(4), newRequestID: ids.make)
        #expect(nothing.isEmpty && early == waiting, "before its deadline nothing happens")
        let (again, resent) = try Self.engine.handle(.timeout, state: waiting, now: Engine.t0.addingTimeInterval(5), newRequestID: ids.make)
        #expect(Engine.sent(resent) == [Engine.Reserve.type] && again.requestID != nil && again.step == 0)
        let (next, shipping) = try Self.engine.handle(
            .reply(requestID: again.requestID!, outcome: Engine.done()), state: again, now: Engine.t0.addingTimeInterval(6), newRequestID: ids.make)
        #expect(Engine.sent(shipping) == [Engine.Ship.type] && next.step == 1 && next.retries == 0)
    }

    @Test func aNotYetRefusalPastTheLimitFailsTheStep() throws {
        let ids = Engine.Ids()
        var (state, _) = try Self.engine.start(id: UUID(), data: .init(order: 7, paid: true), now: Engine.t0, newRequestID: ids.make)
        var now = Engine.t0
        for _ in 1...2 {
            (state, _) = try Self.engine.handle(
                .reply(requestID: state.requestID!, outcome: Engine.refused("not-yet")), state: state, now: now, newRequestID: ids.make)
            now = state.deadline!
            (state, _) = try Self.engine.handle(.timeout, state: state, now: now, newRequestID: ids.make)
        }
        let (failed, _) = try Self.engine.handle(
            .reply(requestID: state.requestID!, outcome: Engine.refused("not-yet")), state: state, now: now, newRequestID: ids.make)
        #expect(failed.status == .compensated && failed.failure?.code == "not-yet")
    }

    @Test func anotherRefusalFailsAtOnce() throws {
        let ids = Engine.Ids()
        let (started, _) = try Self.engine.start(id: UUID(), data: .init(order: 7, paid: true), now: Engine.t0, newRequestID: ids.make)
        let (failed, _) = try Self.engine.handle(
            .reply(requestID: started.requestID!, outcome: Engine.refused("insufficient-stock")), state: started, now: Engine.t0,
            newRequestID: ids.make)
        #expect(failed.status == .compensated && failed.retries == 0)
    }
}
