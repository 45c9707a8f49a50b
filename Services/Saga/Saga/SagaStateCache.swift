import Foundation
import SagaKit

/// The states this coordinator wrote, decoded, by saga id and version: a saga's next
/// message usually finds its state here and is not decoded from its JSON again. Filled only
/// after the transaction that wrote a state committed (a rolled-back state never enters);
/// a state is used only when its version is the one the row has now, so a change made by
/// another coordinator or by the timer is read from the row. Finished sagas leave it.
final class SagaStateCache: @unchecked Sendable {
    private let lock = NSLock()
    private var states: [UUID: (version: Int, state: any Sendable)] = [:]
    let capacity: Int

    init(capacity: Int = 50_000) { self.capacity = capacity }

    func state<D>(_ id: UUID, version: Int, as: SagaState<D>.Type) -> SagaState<D>? {
        lock.withLock {
            guard let entry = states[id], entry.version == version else { return nil }
            return entry.state as? SagaState<D>
        }
    }

    func remember<D>(_ state: SagaState<D>) {
        lock.withLock {
            guard !state.isFinished else {
                states[state.id] = nil
                return
            }
            // Full: start over rather than track ages (misses only cost a decode).
            if states.count >= capacity && states[state.id] == nil { states.removeAll(keepingCapacity: true) }
            states[state.id] = (state.version, state)
        }
    }

    func forget(_ id: UUID) { _ = lock.withLock { states.removeValue(forKey: id) } }

    var count: Int { lock.withLock { states.count } }
}
