import Foundation
import SagaKit
import Testing

@testable import Saga

struct SagaStateCacheTests {
    struct Data: Codable, Sendable, Equatable { var note: String }
    static let engine = SagaEngine(SagaDefinition<Data>(
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

    @Test func aFullCacheStartsOverInsteadOfGrowing() throws {
        let cache = SagaStateCache(capacity: 2)
        for note in ["a", "b", "c"] { cache.remember(try Self.engine.start(id: UUID(), data: Data(note: note), now: Date()).0) }
        #expect(cache.count == 1)
    }
}
