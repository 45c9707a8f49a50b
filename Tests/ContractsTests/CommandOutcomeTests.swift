import Contracts
import Foundation
import Testing

@Suite struct CommandOutcomeTests {
    struct Level: Codable, Equatable {
        var onHand: Int
        var label: String
    }

    @Test func anOutcomeCarriesItsResultThroughTheEnvelopeUnchanged() throws {
        let outcome = CommandOutcome(
            commandID: UUID(), commandType: "inventory.receive_stock.v1", status: .done,
            result: try JSONValue(encoding: Level(onHand: 12, label: "x")))
        let envelope = try Envelope(outcome, source: "t")
        let decoded = try envelope.decode(CommandOutcome.self)
        #expect(decoded == outcome)
        #expect(try decoded.decodeResult(Level.self) == Level(onHand: 12, label: "x"))
    }

    @Test func anOutcomeReadWithoutItsResultSaysWhetherItHasOne() throws {
        let id = UUID()
        let withResult = CommandOutcome(
            commandID: id, commandType: "x.y.v1", status: .done, result: try JSONValue(encoding: Level(onHand: 1, label: "a")))
        let head = try Envelope(withResult, source: "t").decode(CommandOutcome.WithoutResult.self)
        #expect(head.outcome == CommandOutcome(commandID: id, commandType: "x.y.v1", status: .done))
        #expect(head.hasResult)
        let refused = CommandOutcome(commandID: id, commandType: "x.y.v1", status: .refused, code: "no", reason: "because")
        let refusedHead = try Envelope(refused, source: "t").decode(CommandOutcome.WithoutResult.self)
        #expect(refusedHead.outcome == refused)
        #expect(!refusedHead.hasResult)
        let nullResult = Data(#"{"command_id":"\#(id.uuidString)","command_type":"x.y.v1","status":"done","result":null}"#.utf8)
        #expect(try !MessageCoding.decoder().decode(CommandOutcome.WithoutResult.self, from: nullResult).hasResult)
    }

    @Test func anEmptyResultRoundTrips() throws {
        struct Empty: Codable {}
        let outcome = CommandOutcome(commandID: UUID(), commandType: "x.y.v1", status: .done, result: try JSONValue(encoding: Empty()))
        #expect(try Envelope(outcome, source: "t").decode(CommandOutcome.self) == outcome)
    }

    @Test func aRefusedOutcomeThrowsItsReasonWhenItsResultIsAskedFor() throws {
        let outcome = CommandOutcome(
            commandID: UUID(), commandType: "x.y.v1", status: .refused, code: "validation", reason: "quantity must be at least 1")
        #expect(throws: CommandRefused("validation", "quantity must be at least 1")) { try outcome.decodeResult(Level.self) }
    }

    @Test func businessDatesAreValidatedCalendarDays() throws {
        #expect(try BusinessDate("2028-02-29").description == "2028-02-29")
        #expect(throws: BusinessDateError.invalid("2027-02-29")) { try BusinessDate("2027-02-29") }
        #expect(throws: BusinessDateError.invalid("2027-13-01")) { try BusinessDate("2027-13-01") }
        #expect(throws: BusinessDateError.invalid("27-1-1")) { try BusinessDate("27-1-1") }
        #expect(try BusinessDate("2026-12-31").adding(days: 1) == BusinessDate("2027-01-01"))
    }
}
