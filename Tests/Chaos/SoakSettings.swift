import Foundation

/// How a chaos soak runs: how long, with which seed, how hard, and how it treats the broker.
public struct SoakSettings: Sendable {
    /// How long the workload and the faults run (then the soak waits for quiet).
    public var minutes: Double
    /// Seeds the workload's choices and the fault schedule: the same seed sends the same
    /// messages and injects the same faults in the same order (the timing is the machine's).
    public var seed: UInt64
    /// New platform orders per second.
    public var rate: Double
    /// Mean seconds between two faults (the first of each kind come first, in a seeded order); nil: no faults
    /// (a throughput run).
    public var faultEvery: Double?
    /// RabbitMQ's consumer timeout while the soak runs, in seconds; a pause lasts longer.
    public var consumerTimeout: Int
    /// Instances of every service and of the saga coordinator.
    public var instances: Int
    /// The folder of the service executables and erpctl.
    public var binaries: URL
    /// How long the soak waits at most for queues and outboxes to empty at the end.
    public var quietLimit: Double
    /// The coordinator's payment deadline: orders never paid are cancelled after it.
    public var paymentTimeout: Int

    public init(
        minutes: Double, seed: UInt64, rate: Double = 4, faultEvery: Double? = 15, consumerTimeout: Int = 10, instances: Int = 2,
        binaries: URL, quietLimit: Double = 240, paymentTimeout: Int = 60
    ) {
        (self.minutes, self.seed, self.rate, self.faultEvery, self.consumerTimeout) = (minutes, seed, rate, faultEvery, consumerTimeout)
        (self.instances, self.binaries, self.quietLimit, self.paymentTimeout) = (instances, binaries, quietLimit, paymentTimeout)
    }

    /// The services run as processes, each `instances` times (the catalog too: the workload's products come through it).
    public static let services = ["catalog", "orders", "inventory", "finance", "saga", "crm"]
}
