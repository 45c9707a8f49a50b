import SampleService
import Contracts
import Foundation
import Testing

@Suite struct EnvelopeTests {
    @Test func typeStringsAreConstantsWithAVersion() {
        #expect(Tally.Add.type.rawValue == "tally.add.v1")
        #expect(Tally.Added.type.rawValue == "sample.tally.added.v1")
        #expect(Tally.Added.schemaVersion == 1)
        #expect(MessageType("orders.order.placed.v12").version == 12)
        #expect(MessageType("no-version").version == nil)
    }

    @Test func aMessageRoundTripsThroughTheEnvelope() throws {
        let message = Tally.Added(key: "k", amount: 2, total: 7)
        let envelope = try Envelope(message, source: "erp-tally", correlationID: "order-1")
        #expect(envelope.type == Tally.Added.type)
        #expect(envelope.schemaVersion == 1)
        #expect(String(decoding: envelope.payload, as: UTF8.self) == #"{"amount":2,"key":"k","total":7}"#)
        #expect(try envelope.decode(Tally.Added.self) == message)
    }

    @Test func aReplyKeepsTheCorrelationAndPointsAtItsCause() throws {
        let command = try Envelope(Tally.Add(key: "k", amount: 1), source: "erpctl", correlationID: "saga-9")
        let event = try command.reply(Tally.Added(key: "k", amount: 1, total: 1), source: "erp-tally")
        #expect(event.correlationID == "saga-9")
        #expect(event.causationID == command.id.uuidString.lowercased())
    }

    @Test func decodingAsTheWrongTypeIsRefused() throws {
        let envelope = try Envelope(Tally.Add(key: "k", amount: 1), source: "t")
        #expect(throws: ContractError.typeMismatch(expected: Tally.Added.type, actual: Tally.Add.type)) {
            try envelope.decode(Tally.Added.self)
        }
    }

    @Test func anUndecodableBodyNamesTheFieldThatIsWrong() {
        let envelope = Envelope(type: Tally.Add.type, schemaVersion: 1, source: "t", payload: Data(#"{"key":"k","amount":"many"}"#.utf8))
        do {
            _ = try envelope.decode(Tally.Add.self)
            Issue.record("decoded")
        } catch let ContractError.undecodable(_, reason) {
            #expect(reason.contains("amount"))
        } catch {
            Issue.record("unexpected \(error)")
        }
        let missing = Envelope(type: Tally.Add.type, schemaVersion: 1, source: "t", payload: Data(#"{"key":"k"}"#.utf8))
        #expect(throws: ContractError.undecodable(type: Tally.Add.type, reason: "missing field 'amount' in the body")) {
            try missing.decode(Tally.Add.self)
        }
        let notJSON = Envelope(type: Tally.Add.type, schemaVersion: 1, source: "t", payload: Data("not json".utf8))
        #expect(throws: ContractError.self) { try notJSON.decode(Tally.Add.self) }
    }

    @Test func moneyRoundTripsThroughJSONWithItsCurrency() throws {
        let amount = Money(minorUnits: 19_800, currency: .cny)
        let data = try MessageCoding.encoder().encode(amount)
        #expect(String(decoding: data, as: UTF8.self) == #"{"currency":"CNY","minor_units":19800}"#)
        #expect(try MessageCoding.decoder().decode(Money.self, from: data) == amount)
        #expect(throws: DecodingError.self) {
            try MessageCoding.decoder().decode(Money.self, from: Data(#"{"currency":"XYZ","minor_units":1}"#.utf8))
        }
    }
}

@Suite struct UTCTimestampTests {
    @Test func timestampsAreISO8601InUTCWithMilliseconds() {
        #expect(UTCTimestamp.string(from: Date(timeIntervalSince1970: 1_796_000_000.1234)) == "2026-11-30T00:53:20.123Z")
        #expect(UTCTimestamp.string(from: Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(UTCTimestamp.string(from: Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
    }
}
