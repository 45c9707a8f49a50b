import Foundation
import Inventory
import Testing

@Suite struct FEFOTests {
    let day: TimeInterval = 86_400
    func date(_ days: Double) -> Date { Date(timeIntervalSince1970: 1_790_000_000 + days * day) }

    @Test func theLotThatExpiresFirstGoesFirstAndNoExpiryGoesLast() throws {
        let lots = [
            FEFO.Lot(code: "L-none", expiry: nil, receivedAt: date(0), quantity: 10, unitCost: 100),
            FEFO.Lot(code: "L-late", expiry: date(60), receivedAt: date(1), quantity: 5, unitCost: 120),
            FEFO.Lot(code: "L-soon", expiry: date(30), receivedAt: date(2), quantity: 3, unitCost: 110),
        ]
        let picks = try FEFO.pick(10, from: lots)
        #expect(picks.map(\.lot) == ["L-soon", "L-late", "L-none"])
        #expect(picks.map(\.quantity) == [3, 5, 2])
        let cost: Int64 = picks.reduce(0) { $0 + $1.cost }
        let expected: Int64 = 3 * 110 + 5 * 120 + 2 * 100
        #expect(cost == expected)
    }

    @Test func equalExpiriesGoInTheOrderTheyWereReceived() throws {
        let lots = [
            FEFO.Lot(code: "B", expiry: date(30), receivedAt: date(5), quantity: 5, unitCost: 1),
            FEFO.Lot(code: "A", expiry: date(30), receivedAt: date(1), quantity: 5, unitCost: 2),
        ]
        #expect(try FEFO.pick(6, from: lots).map(\.lot) == ["A", "B"])
    }

    @Test func expiredLotsAreNotIssuedAndShortageIsReported() {
        let lots = [
            FEFO.Lot(code: "old", expiry: date(-1), receivedAt: date(-90), quantity: 50, unitCost: 1),
            FEFO.Lot(code: "ok", expiry: date(10), receivedAt: date(-5), quantity: 4, unitCost: 1),
        ]
        #expect(throws: FEFO.Problem.insufficient(wanted: 5, available: 4)) { try FEFO.pick(5, from: lots, today: date(0)) }
        #expect(throws: FEFO.Problem.invalidQuantity(0)) { try FEFO.pick(0, from: lots) }
    }
}
