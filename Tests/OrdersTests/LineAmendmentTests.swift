import Contracts
import Orders
import Testing

/// What a change of lines makes of an order's lines (pure).
struct LineAmendmentTests {
    static let cny = Currency.cny
    static func line(_ number: Int, _ quantity: Int, price: Int64 = 1_000, discount: Int64 = 0) -> OrderSnapshot.Line {
        OrderSnapshot.Line(
            line: number, sku: "S\(number)", quantity: quantity, unitPrice: Money(minorUnits: price, currency: cny),
            discount: Money(minorUnits: discount, currency: cny), total: Money(minorUnits: Int64(quantity) * price - discount, currency: cny))
    }

    @Test func aNewQuantityKeepsTheDiscountUpToTheNewLineAmount() throws {
        let lines = [Self.line(1, 3, discount: 2_500)]
        let fewer = try LineAmendment.setQuantity(line: 1, quantity: 2).apply(to: lines)
        #expect(fewer[0].discount.minorUnits == 2_000, "the discount cannot be more than the line")
        #expect(fewer[0].total.minorUnits == 0)
        let more = try LineAmendment.setQuantity(line: 1, quantity: 5).apply(to: lines)
        #expect(more[0].total.minorUnits == 5_000 - 2_500)
    }

    @Test func anAddedLineComesAfterTheLastAndRemovingTheLastLineIsRefused() throws {
        let lines = [Self.line(1, 1), Self.line(4, 1)]
        let added = try LineAmendment.add(sku: "NEW", quantity: 2, unitPrice: Money(minorUnits: 300, currency: Self.cny)).apply(to: lines)
        #expect(added.map(\.line) == [1, 4, 5])
        #expect(added[2].total.minorUnits == 600)
        let removed = try LineAmendment.setQuantity(line: 4, quantity: 0).apply(to: lines)
        #expect(removed.map(\.line) == [1])
        #expect(throws: LineAmendment.Problem.self) { try LineAmendment.setQuantity(line: 1, quantity: 0).apply(to: removed) }
    }

    @Test func quantitiesAndAmountsOutOfRangeAndUnknownLinesAreRefusedWithTheirCode() {
        let lines = [Self.line(1, 1, price: 900_000_000_000)]
        let unknown = Self.code { try LineAmendment.setQuantity(line: 9, quantity: 1).apply(to: lines) }
        let negative = Self.code { try LineAmendment.setQuantity(line: 1, quantity: -1).apply(to: lines) }
        let tooMuch = Self.code { try LineAmendment.setQuantity(line: 1, quantity: 2).apply(to: lines) }
        let negativePrice = Self.code {
            try LineAmendment.add(sku: "X", quantity: 1, unitPrice: Money(minorUnits: -1, currency: Self.cny)).apply(to: lines)
        }
        #expect(unknown == "unknown-line")
        #expect(negative == "validation")
        #expect(tooMuch == "validation", "1.8e12 is out of range")
        #expect(negativePrice == "validation")
        let big = [Self.line(1, 1, price: 600_000_000_000), Self.line(2, 1, price: 600_000_000_000)]
        let bigTotal = Self.code {
            _ = try LineAmendment.total(big, shippingFee: Money(minorUnits: 0, currency: Self.cny))
            return []
        }
        #expect(bigTotal == "validation")
    }

    static func code(_ body: () throws -> [OrderSnapshot.Line]) -> String? {
        do {
            _ = try body()
            return nil
        } catch let problem as LineAmendment.Problem {
            return problem.code
        } catch {
            return "other"
        }
    }
}
