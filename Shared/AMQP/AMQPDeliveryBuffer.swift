import Foundation
import Synchronization

/// Deliveries received by a consumer's connection thread and not yet taken by the
/// application. Bounded in practice by the consumer's prefetch. One task takes at a time.
final class AMQPDeliveryBuffer: Sendable {
    private struct State {
        var items: [AMQPDelivery] = []
        var head = 0
        var waiter: CheckedContinuation<[AMQPDelivery], Error>?
        /// Set once: nil while open; `.success` for a normal end, `.failure` for an error.
        var end: Result<Void, Error>?
    }
    private let state = Mutex(State())

    func push(_ delivery: AMQPDelivery) {
        let resume: CheckedContinuation<[AMQPDelivery], Error>? = state.withLock { state in
            guard state.end == nil else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.items.append(delivery)
            return nil
        }
        resume?.resume(returning: [delivery])
    }

    func finish(_ error: Error?) {
        let resume: CheckedContinuation<[AMQPDelivery], Error>? = state.withLock { state in
            guard state.end == nil else { return nil }
            state.end = error.map { .failure($0) } ?? .success(())
            defer { state.waiter = nil }
            return state.waiter
        }
        if let error { resume?.resume(throwing: error) } else { resume?.resume(returning: []) }
    }

    /// Waits for at least one delivery and returns up to `max` of those already received;
    /// returns an empty array once the consumer has ended normally.
    func next(max: Int) async throws -> [AMQPDelivery] {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                enum Outcome { case items([AMQPDelivery]), failed(Error), wait }
                let outcome: Outcome = state.withLock { state in
                    if state.head < state.items.count {
                        let upper = min(state.items.count, state.head + max)
                        let batch = Array(state.items[state.head..<upper])
                        state.head = upper
                        if state.head == state.items.count {
                            state.items.removeAll(keepingCapacity: true)
                            state.head = 0
                        }
                        return .items(batch)
                    }
                    switch state.end {
                    case .success?: return .items([])
                    case .failure(let error)?: return .failed(error)
                    case nil: break
                    }
                    if Task.isCancelled { return .failed(CancellationError()) }
                    precondition(state.waiter == nil, "two tasks are taking deliveries from one consumer at once")
                    state.waiter = continuation
                    return .wait
                }
                switch outcome {
                case .items(let batch): continuation.resume(returning: batch)
                case .failed(let error): continuation.resume(throwing: error)
                case .wait: break
                }
            }
        } onCancel: {
            let resume = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            resume?.resume(throwing: CancellationError())
        }
    }
}
