import Foundation

/// How many whole systems (several services, each with its database connections) tests run
/// at once: Swift Testing starts every test together, and PostgreSQL has a connection limit.
/// `ERP_TEST_SYSTEMS` (default 4). A test's time limit counts its wait for a slot too: with
/// the whole suite on two cores, the last system tests wait over three minutes, so the suites
/// that run systems have a ten-minute limit (a guard against a hang, not a measure of speed).
public actor SystemSlots {
    public static let shared = SystemSlots(Int(ProcessInfo.processInfo.environment["ERP_TEST_SYSTEMS"] ?? "") ?? 4)

    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) { free = max(1, count) }

    public func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    public func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }

    /// Runs `body` in `weight` slots (a system of several instances of every service weighs more than one).
    public nonisolated func run<T>(weight: Int = 1, _ body: () async throws -> T) async throws -> T {
        for _ in 0..<weight { await acquire() }
        do {
            let result = try await body()
            for _ in 0..<weight { await release() }
            return result
        } catch {
            for _ in 0..<weight { await release() }
            throw error
        }
    }
}
