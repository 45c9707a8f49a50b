import SampleService
import AMQP
import Contracts
import Foundation
import Messaging
import Postgres
import TestSupport
import Testing

/// Crashes and server restarts. Suites named `...FaultTests` run alone, after the others.
@Suite(
    .serialized, .enabled(if: TestEnvironment.faultTestsEnabled, "set ERP_FAULT_TESTS=1 (deploy/local/test.sh does, for their own run)"),
    .timeLimit(.minutes(5))) struct MessagingFaultTests
{
    /// Publishes `count` commands over 10 keys; returns the totals they must add up to.
    static func publishCommands(_ count: Int, _ make: (Tally.Add) throws -> AMQPMessage) async throws -> [String: Int] {
        let publisher = try await AMQPPublisher.connect(TestServers.broker)
        var expected: [String: Int] = [:]
        var messages: [AMQPMessage] = []
        for index in 0..<count {
            let add = Tally.Add(key: "k\(index % 10)", amount: index + 1)
            expected[add.key, default: 0] += add.amount
            messages.append(try make(add))
        }
        let results = await publisher.publish(batch: messages)
        let allConfirmed = results.allSatisfy { (try? $0.get()) == .confirmed }
        #expect(allConfirmed)
        await publisher.close()
        return expected
    }

    @Test func aConsumerKilledAfterCommitAndBeforeAckStillAppliesEveryMessageExactlyOnce() async throws {
        let pool = PostgresPool(configuration: TestServers.database, size: 2)
        let service = SampleProcess(failpoint: "consumer-after-commit")
        try await service.prepare(pool: pool)
        let expected = try await Self.publishCommands(1_000, service.command)
        for _ in 0..<3 {
            service.armFailpoint()
            try service.start()
            let signal = try await service.waitForCrash()
            #expect(signal == SIGKILL, "the failpoint killed the process after a commit")
        }
        try service.start()
        let allThousandHandled = try await eventually(within: 60) { try await service.count("inbox", pool: pool) == 1_000 }
        #expect(allThousandHandled)
        #expect(try await service.totals(pool: pool) == expected)
        let updates = try await pool.query(PostgresQuery(unsafeSQL: "SELECT sum(updates)::int FROM \(service.name).tallies"))[0]
        #expect(try updates.decode(Int.self, at: 0) == 1_000, "every message applied once, none twice")
        #expect(try await service.stop() == 0, "SIGTERM ends the service cleanly")
        await service.cleanUp(pool: pool)
        await pool.close()
    }

    @Test func aRelayKilledAfterPublishingAndBeforeMarkingSentCausesDuplicatesThatDownstreamRecognises() async throws {
        let pool = PostgresPool(configuration: TestServers.database, size: 2)
        let service = SampleProcess(failpoint: "relay-after-publish")
        try await service.prepare(pool: pool)
        let probe = try await AMQPConnection.connect(TestServers.broker)
        let probeQueue = "\(service.name).probe"
        try await probe.declareQueue(probeQueue)
        try await probe.bindQueue(probeQueue, to: service.eventsExchange, routingKey: "#")
        let expected = try await Self.publishCommands(500, service.command)
        for _ in 0..<2 {
            service.armFailpoint()
            try service.start()
            #expect(try await service.waitForCrash() == SIGKILL)
        }
        try service.start()
        let drained = try await eventually(within: 60) {
            let handled = try await service.count("inbox", pool: pool)
            let unsentRow = try await pool.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(service.name).outbox"))[0]
            let unsent = try unsentRow.decode(Int.self, at: 0)
            return handled == 500 && unsent == 0
        }
        #expect(drained)
        let events = try await AMQPConsumer.start(TestServers.broker, queue: probeQueue, prefetch: 1_000, reconnect: false)
        var ids = Set<String>()
        var received = 0
        var totals: [String: Int] = [:]
        while ids.count < 500 {
            for delivery in try await events.nextBatch(max: 1_000) {
                received += 1
                let envelope = try Envelope(delivery: delivery)
                if ids.insert(envelope.id.uuidString).inserted {
                    let event = try envelope.decode(Tally.Added.self)
                    totals[event.key] = max(totals[event.key] ?? 0, event.total)
                }
                events.ack(delivery)
            }
        }
        #expect(ids.count == 500, "each effect is seen once, by message id")
        #expect(received > 500, "the killed relay published some rows twice (\(received) deliveries)")
        #expect(totals == expected)
        await events.close()
        #expect(try await service.stop() == 0)
        try await probe.deleteQueue(probeQueue)
        await probe.close()
        await service.cleanUp(pool: pool)
        await pool.close()
    }

    @Test func aBrokerRestartInTheMiddleOfABurstLosesNothingAndAppliesNothingTwice() async throws {
        let service = TallyService(retryDelays: [200, 500, 1_000])
        try await service.setUp()
        let probe = try await AMQPConnection.connect(TestServers.broker)
        let probeQueue = "\(service.schema).probe"
        try await probe.declareQueue(probeQueue, arguments: ["x-queue-type": "quorum"])
        try await probe.bindQueue(probeQueue, to: service.eventsExchange, routingKey: "#")
        await probe.close()
        let expected = try await Self.publishCommands(5_000) { try service.command($0) }
        try await running([service.consumer(batchSize: 50), service.relay()]) { () async throws in
            let thousandHandledBeforeRestart = try await eventually(within: 60) { try await service.count("inbox") >= 1_000 }
            #expect(thousandHandledBeforeRestart)
            try await ServerControl.run("restart-rabbitmq")
            let drained = try await eventually(within: 120) {
                let handled = try await service.count("inbox")
                let unsent = try await service.count("outbox")
                return handled == 5_000 && unsent == 0
            }
            #expect(drained, "the outbox drains by itself after the restart")
        }
        #expect(try await service.totals() == expected)
        let updates = try await service.pool.query(PostgresQuery(unsafeSQL: "SELECT sum(updates)::int FROM \(service.schema).tallies"))[0]
        #expect(try updates.decode(Int.self, at: 0) == 5_000)
        let events = try await AMQPConsumer.start(TestServers.broker, queue: probeQueue, prefetch: 2_000, reconnect: false)
        var ids = Set<UUID>()
        while ids.count < 5_000 {
            let batch = try await events.nextBatch(max: 2_000)
            for delivery in batch { ids.insert(try Envelope(delivery: delivery).id) }
            if let last = batch.last { events.ack(last, multiple: true) }
        }
        #expect(ids.count == 5_000, "every event arrived")
        await events.close()
        let cleanup = try await AMQPConnection.connect(TestServers.broker)
        try await cleanup.deleteQueue(probeQueue)
        await cleanup.close()
        await service.tearDown()
    }

    @Test func aDatabaseRestartWhileConsumingNeverLosesAnAckedMessageAndCatchesUp() async throws {
        let service = TallyService()
        try await service.setUp()
        let expected = try await Self.publishCommands(3_000) { try service.command($0) }
        try await running([service.consumer(batchSize: 20)]) { () async throws in
            let fiveHundredHandledBeforeRestart = try await eventually(within: 60) { try await service.count("inbox") >= 500 }
            #expect(fiveHundredHandledBeforeRestart)
            try await ServerControl.run("restart-postgres")
            let allThreeThousandHandled = try await eventually(within: 120) { (try? await service.count("inbox")) == 3_000 }
            #expect(allThreeThousandHandled)
        }
        #expect(try await service.totals() == expected)
        let updates = try await service.pool.query(PostgresQuery(unsafeSQL: "SELECT sum(updates)::int FROM \(service.schema).tallies"))[0]
        #expect(try updates.decode(Int.self, at: 0) == 3_000)
        await service.tearDown()
    }
}

/// Runs `deploy/local/servers.sh COMMAND` (restarts for fault tests) with posix_spawn and
/// waitpid on a thread of its own, output to a file: the script starts daemons, and
/// Foundation's Process was seen to miss the script's exit when it did.
enum ServerControl {
    static func run(_ command: String) async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("servers-\(UUID().uuidString).log").path
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var actions = posix_spawn_file_actions_t()
                posix_spawn_file_actions_init(&actions)
                posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
                posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                posix_spawn_file_actions_adddup2(&actions, 1, 2)
                let arguments = ["/bin/bash", TestEnvironment.serversScript, command]
                var argv = arguments.map { strdup($0) } + [nil]
                var pid: pid_t = 0
                let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, &argv, environ)
                argv.forEach { free($0) }
                posix_spawn_file_actions_destroy(&actions)
                guard spawned == 0 else {
                    continuation.resume(returning: -1)
                    return
                }
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                continuation.resume(returning: (status >> 8) & 0xff)
            }
        }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: log)
        debugTrace("servers.sh \(command) exited \(status): \(output)")
        #expect(status == 0, "servers.sh \(command) failed: \(output)")
    }
}
