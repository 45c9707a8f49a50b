import Foundation

/// Deliveries received by a consumer's connection thread and not yet taken by the
/// application. Bounded in practice by the consumer's prefetch. One task takes at a time.
final class AMQPDeliveryBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [AMQPDelivery] = []
    private var head = 0
    private var waiter: (continuation: CheckedContinuation<[AMQPDelivery], Error>, max: Int)?
    /// Set once: nil while open; `.success` for a normal end, `.failure` for an error.
    private var end: Result<Void, Error>?

    func push(_ delivery: AMQPDelivery) {
        let resume: CheckedContinuation<[AMQPDelivery], Error>? = lock.withLock {
            guard end == nil else { return nil }
            if let waiter {
                self.waiter = nil
                return waiter.continuation
            }
            items.append(delivery)
            return nil
        }
        resume?.resume(returning: [delivery])
    }

    func finish(_ error: Error?) {
        let resume: CheckedContinuation<[AMQPDelivery], Error>? = lock.withLock {
            guard end == nil else { return nil }
            end = error.map { .failure($0) } ?? .success(())
            defer { waiter = nil }
            return waiter?.continuation
        }
        if let error { resume?.resume(throwing: error) } else { resume?.resume(returning: []) }
    }

    /// Waits for at least one delivery and returns up to `max` of those already received;
    /// returns an empty array once the consumer has ended normally.
    func next(max: Int) async throws -> [AMQPDelivery] {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                enum Outcome { case items([AMQPDelivery]), failed(Error), wait }
                let outcome: Outcome = lock.withLock {
                    if head < items.count {
                        let upper = min(items.count, head + max)
                        let batch = Array(items[head..<upper])
                        head = upper
                        if head == items.count {
                            items.removeAll(keepingCapacity: true)
                            head = 0
                        }
                        return .items(batch)
                    }
                    switch end {
                    case .success?: return .items([])
                    case .failure(let error)?: return .failed(error)
                    case nil: break
                    }
                    if Task.isCancelled { return .failed(CancellationError()) }
                    precondition(waiter == nil, "two tasks are taking deliveries from one consumer at once")
                    waiter = (continuation, max)
                    return .wait
                }
                switch outcome {
                case .items(let batch): continuation.resume(returning: batch)
                case .failed(let error): continuation.resume(throwing: error)
                case .wait: break
                }
            }
        } onCancel: {
            let resume = lock.withLock {
                defer { waiter = nil }
                return waiter?.continuation
            }
            resume?.resume(throwing: CancellationError())
        }
    }
}
