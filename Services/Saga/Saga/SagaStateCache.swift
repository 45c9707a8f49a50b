import Foundation
import SagaKit

/// The states this coordinator wrote, decoded, by saga id and version: a saga's next
/// message usually finds its state here and is not decoded from its JSON again. Filled only
/// after the transaction that wrote a state committed (a rolled-back state never enters);
/// a state is used only when its version is the one the row has now, so a change made by
/// another coordinator or by the timer is read from the row. Finished sagas leave it, and
/// the oldest go when it is full.
final class SagaStateCache: @unchecked Sendable {
    private let lock = NSLock()
    private var states: [UUID: (version: Int, state: any Sendable)] = [:]
    /// Ids in the order they came in, for dropping the oldest when full (some may have left).
    private var order: [UUID] = []
    private var oldest = 0
    /// A saga steps within seconds while it is busy, and waits days for a payment or a
    /// delivery: a few thousand states cover the busy ones at hundreds of orders a second.
    let capacity: Int

    init(capacity: Int = 4_096) { self.capacity = capacity }

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
            if states.updateValue((state.version, state), forKey: state.id) == nil { order.append(state.id) }
            while states.count > capacity, oldest < order.count {
                states[order[oldest]] = nil
                oldest += 1
            }
            // Compact the queue of ids once most of it is behind us.
            if oldest > capacity {
                order.removeFirst(oldest)
                oldest = 0
                order.removeAll { states[$0] == nil }
            }
        }
    }

    func forget(_ id: UUID) { _ = lock.withLock { states.removeValue(forKey: id) } }

    var count: Int { lock.withLock { states.count } }
}
