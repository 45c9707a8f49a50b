import ServiceLifecycle
import ServiceLifecycleTestKit

/// Runs services while `body` runs, then shuts them down gracefully and waits for them.
func running<T>(_ services: [any Service], _ body: () async throws -> T) async throws -> T {
    try await testGracefulShutdown { trigger in
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services { group.addTask { try await service.run() } }
            do {
                let result = try await body()
                debugTrace("body done; shutting down")
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
                debugTrace("services stopped")
                return result
            } catch {
                trigger.triggerGracefulShutdown()
                try? await group.waitForAll()
                throw error
            }
        }
    }
}

import Foundation

/// Writes a line to standard error at once (standard output is buffered when it is a file).
func debugTrace(_ text: String) {
    if ProcessInfo.processInfo.environment["ERP_TEST_TRACE"] != nil {
        FileHandle.standardError.write(Data("trace: \(text)\n".utf8))
    }
}
