import Foundation
import SagaKit
import Synchronization

/// The states this coordinator wrote, decoded, by saga id and version: a saga's next
/// message usually finds its state here and is not decoded from its JSON again. Filled only
/// after the transaction that wrote a state committed (a rolled-back state never enters);
/// a state is used only when its version is the one the row has now, so a change made by
/// another coordinator or by the timer is read from the row. Finished sagas leave it, and
/// the oldest go when it is full.
final class SagaStateCache: Sendable {
    private struct Storage {
        var states: [UUID: (version: Int, state: any Sendable)] = [:]
        /// Ids in the order they came in, for dropping the oldest when full (some may have left).
        var order: [UUID] = []
        var oldest = 0
    }
    private let storage = Mutex(Storage())
    /// A saga steps within seconds while it is busy, and waits days for a payment or a
    /// delivery: a few thousand states cover the busy ones at hundreds of orders a second.
    let capacity: Int

    init(capacity: Int = 4_096) { self.capacity = capacity }

    func state<D>(_ id: UUID, version: Int, as: SagaState<D>.Type) -> SagaState<D>? {
        storage.withLock { storage in
            guard let entry = storage.states[id], entry.version == version else { return nil }
            return entry.state as? SagaState<D>
        }
    }

    func remember<D>(_ state: SagaState<D>) {
        let capacity = self.capacity
        storage.withLock { storage in
            guard !state.isFinished else {
                storage.states[state.id] = nil
                return
            }
            if storage.states.updateValue((state.version, state), forKey: state.id) == nil { storage.order.append(state.id) }
            while storage.states.count > capacity, storage.oldest < storage.order.count {
                storage.states[storage.order[storage.oldest]] = nil
                storage.oldest += 1
            }
            // Compact the queue of ids once most of it is behind us.
            if storage.oldest > capacity {
                storage.order.removeFirst(storage.oldest)
                storage.oldest = 0
                let states = storage.states
                storage.order.removeAll { states[$0] == nil }
            }
        }
    }

    func forget(_ id: UUID) { _ = storage.withLock { $0.states.removeValue(forKey: id) } }

    var count: Int { storage.withLock { $0.states.count } }
}
