import Inventory
import Testing

@Suite struct AllocationTests {
    typealias W = Allocation.Warehouse
    let lines = [Allocation.Line(sku: "A", quantity: 2), Allocation.Line(sku: "B", quantity: 1)]

    @Test func oneWarehouseThatCanSupplyEveryLineIsPreferred() throws {
        let picks = try Allocation.allocate(
            lines,
            from: [
                W(code: "W1", region: "north", available: ["A": 5]),
                W(code: "W2", region: "south", available: ["B": 5]),
                W(code: "W3", region: "east", available: ["A": 2, "B": 1]),
            ], shippingRegion: "north")
        #expect(Set(picks.map(\.warehouse)) == ["W3"])
        #expect(picks.map(\.quantity) == [2, 1])
    }

    @Test func tiesGoToTheShippingRegionThenToTheCode() throws {
        let warehouses = [
            W(code: "W2", region: "south", available: ["A": 9, "B": 9]),
            W(code: "W1", region: "east", available: ["A": 9, "B": 9]),
            W(code: "W3", region: "south", available: ["A": 9, "B": 9]),
        ]
        #expect(try Allocation.allocate(lines, from: warehouses, shippingRegion: "south").map(\.warehouse) == ["W2", "W2"])
        #expect(try Allocation.allocate(lines, from: warehouses, shippingRegion: "west").map(\.warehouse) == ["W1", "W1"])
    }

    @Test func withoutASingleSupplierTheFewestWarehousesAreUsed() throws {
        let three = lines + [Allocation.Line(sku: "C", quantity: 1)]
        let picks = try Allocation.allocate(
            three,
            from: [
                W(code: "W1", region: "r", available: ["A": 2]),
                W(code: "W2", region: "r", available: ["B": 1]),
                W(code: "W3", region: "r", available: ["C": 1]),
                W(code: "W4", region: "r", available: ["B": 1, "C": 1]),
            ], shippingRegion: nil)
        #expect(Set(picks.map(\.warehouse)) == ["W1", "W4"])
    }

    @Test func theSameSKUOnTwoLinesCountsAgainstOneStock() throws {
        let twice = [Allocation.Line(sku: "A", quantity: 3), Allocation.Line(sku: "A", quantity: 3)]
        let picks = try Allocation.allocate(
            twice,
            from: [
                W(code: "W1", region: "r", available: ["A": 4]),
                W(code: "W2", region: "r", available: ["A": 3]),
            ], shippingRegion: nil)
        #expect(picks.map(\.warehouse) == ["W1", "W2"])
    }

    @Test func aLineNoWarehouseCanSupplyAloneIsSplit() throws {
        let picks = try Allocation.allocate(
            [Allocation.Line(sku: "A", quantity: 10)],
            from: [
                W(code: "W1", region: "r", available: ["A": 6]),
                W(code: "W2", region: "r", available: ["A": 6]),
            ], shippingRegion: nil)
        #expect(picks == [Allocation.Pick(line: 0, warehouse: "W1", quantity: 6), Allocation.Pick(line: 0, warehouse: "W2", quantity: 4)])
    }

    @Test func notEnoughStockAnywhereSaysWhatIsShort() {
        #expect(throws: Allocation.Problem.insufficientStock(["A": 1, "B": 1])) {
            try Allocation.allocate(lines, from: [W(code: "W1", region: "r", available: ["A": 1])], shippingRegion: nil)
        }
        #expect(throws: Allocation.Problem.invalidQuantity(line: 1, quantity: 0)) {
            try Allocation.allocate([lines[0], Allocation.Line(sku: "B", quantity: 0)], from: [], shippingRegion: nil)
        }
    }
}
