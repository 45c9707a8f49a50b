import Foundation
import SagaKit
import Testing

@testable import Saga

struct SagaStateCacheTests {
    struct Data: Codable, Sendable, Equatable { var note: String }
    static let engine = SagaEngine(
        SagaDefinition<Data>(
            type: "test", steps: [SagaStep("wait", timeout: .seconds(60), action: { _ in nil }, awaiting: .delay)], onFailure: { _, _ in [] }))

    @Test func aStateIsFoundOnlyAtTheVersionItWasWrittenAndAFinishedOneLeaves() throws {
        let cache = SagaStateCache(capacity: 2)
        let (state, _) = try Self.engine.start(id: UUID(), data: Data(note: "a"), now: Date())
        cache.remember(state)
        #expect(cache.state(state.id, version: state.version, as: SagaState<Data>.self) == state)
        #expect(cache.state(state.id, version: state.version + 1, as: SagaState<Data>.self) == nil, "the row moved on: read it")
        var finished = state
        finished.status = .completed
        finished.version += 1
        cache.remember(finished)
        #expect(cache.count == 0)
    }

    @Test func aFullCacheDropsTheOldestStates() throws {
        let cache = SagaStateCache(capacity: 2)
        var states: [SagaState<Data>] = []
        for note in ["a", "b", "c", "d", "e"] {
            let state = try Self.engine.start(id: UUID(), data: Data(note: note), now: Date()).0
            states.append(state)
            cache.remember(state)
        }
        #expect(cache.count == 2)
        let kept = states.map { cache.state($0.id, version: $0.version, as: SagaState<Data>.self) != nil }
        #expect(kept == [false, false, false, true, true])
    }
}
