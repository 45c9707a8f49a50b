import Contracts
import Foundation
import SagaKit
import Testing

struct SagaPayloadTests {
    struct Change: Codable, Equatable { let order: Int64; let to: String }
    struct Early: Codable, Equatable { let type: String; let body: SagaPayload }

    @Test func aPayloadIsDecodedIntoTheTypeAStepAsksForFromTheWholeMessageOrOneMember() throws {
        let event = try SagaPayload(encoding: Change(order: 7, to: "delivered"))
        #expect(try event.decode(Change.self) == Change(order: 7, to: "delivered"))
        let outcome = Data(#"{"command_id":"x","status":"done","result":{"order":8,"to":"paid"}}"#.utf8)
        #expect(try SagaPayload(json: outcome, key: "result").decode(Change.self) == Change(order: 8, to: "paid"))
        #expect(throws: DecodingError.self) { try SagaPayload(json: outcome, key: "missing").decode(Change.self) }
    }

    @Test func anEarlyEventIsStoredAsItsJSONTextAndAnObjectStoredByEarlierVersionsStillReads() throws {
        let stored = try MessageCoding.encoder().encode(Early(type: "t", body: try SagaPayload(encoding: Change(order: 7, to: "delivered"))))
        let text = String(decoding: stored, as: UTF8.self)
        #expect(text.contains(#""body":"{"#), "\(text)")
        let back = try MessageCoding.decoder().decode(Early.self, from: stored)
        #expect(try back.body.decode(Change.self) == Change(order: 7, to: "delivered"))
        let older = Data(#"{"type":"t","body":{"order":9,"to":"paid"}}"#.utf8)
        #expect(try MessageCoding.decoder().decode(Early.self, from: older).body.decode(Change.self) == Change(order: 9, to: "paid"))
    }
}
