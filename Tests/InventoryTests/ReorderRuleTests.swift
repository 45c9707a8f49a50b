import Inventory
import Testing

@Suite struct ReorderRuleTests {
    let rule = try! ReorderRule(minimum: 10, maximum: 50)

    @Test func fallingBelowTheMinimumRequestsEnoughToReachTheMaximum() {
        #expect(rule.decide(available: 9, onOrder: 0, requestOpen: false) == .requestPurchase(quantity: 41))
        #expect(rule.decide(available: 0, onOrder: 0, requestOpen: false) == .requestPurchase(quantity: 50))
    }

    @Test func atOrAboveTheMinimumNothingHappens() {
        #expect(rule.decide(available: 10, onOrder: 0, requestOpen: false) == .nothing)
        #expect(rule.decide(available: 49, onOrder: 0, requestOpen: false) == .nothing)
    }

    @Test func aSecondDropWhileARequestIsOpenRequestsNothingMore() {
        #expect(rule.decide(available: 3, onOrder: 41, requestOpen: true) == .nothing)
    }

    @Test func stockAlreadyOnOrderCountsTowardsTheMaximum() {
        #expect(rule.decide(available: 5, onOrder: 20, requestOpen: false) == .requestPurchase(quantity: 25))
        #expect(rule.decide(available: 5, onOrder: 45, requestOpen: false) == .nothing)
    }

    @Test func meaninglessRulesAreRefused() {
        #expect(throws: ReorderRule.Problem.invalid(minimum: 10, maximum: 10)) { try ReorderRule(minimum: 10, maximum: 10) }
        #expect(throws: ReorderRule.Problem.invalid(minimum: -1, maximum: 5)) { try ReorderRule(minimum: -1, maximum: 5) }
    }
}
