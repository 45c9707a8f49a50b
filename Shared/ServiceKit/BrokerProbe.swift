import ConnectionThread
import Foundation
import AMQP
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps one reconnecting broker connection open so that `/health/ready` can say at once
/// whether the broker is reachable.
final class BrokerProbe: Service, Sendable {
    private let configuration: AMQPConfiguration
    private let logger: Logger
    private let state = LockedConnection()

    init(configuration: AMQPConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    func run() async throws {
        var attempt = 0
        while !Task.isShuttingDownGracefully && state.connection == nil {
            do {
                state.connection = try await AMQPConnection.connect(configuration, reconnect: true, logger: logger)
            } catch {
                attempt += 1
                logger.debug("broker probe cannot connect yet", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: Backoff(initial: .milliseconds(200), maximum: .seconds(5)).delay(attempt: attempt - 1))
            }
        }
        try? await gracefulShutdown()
        await state.connection?.close()
    }

    /// nil when the broker is reachable, else why not.
    func problem() -> String? {
        guard let connection = state.connection else { return "not connected to the broker yet" }
        return connection.liveGeneration == 0 ? "the broker connection is down (reconnecting)" : nil
    }
}

private final class LockedConnection: Sendable {
    private let value = Mutex<AMQPConnection?>(nil)
    var connection: AMQPConnection? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
