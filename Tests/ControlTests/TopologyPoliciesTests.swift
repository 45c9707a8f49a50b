import AMQP
import Control
import Foundation
import Messaging
import TestSupport
import Testing

/// `erpctl topology declare --management-url` sets every queue's policy through RabbitMQ's
/// management API before it declares the queues, as the compose stack's `migrate` job does at
/// every `up`. In a virtual host of the test's own.
/// Five minutes: the management API answers slowly while every other suite loads the broker.
@Suite(.timeLimit(.minutes(5))) struct TopologyPoliciesTests {
    @Test func everyQueueErpctlDeclaresGetsItsPolicyAndNoLimitArguments() async throws {
        let (vhost, amqpURL) = try await TestEnvironment.makeVirtualHost("t_policies")
        defer { TestEnvironment.deleteVirtualHost(vhost) }
        let servers = TestEnvironment.serversScript

        let declared = try await runProgramAsync(
            TestEnvironment.executable("erpctl"),
            ["topology", "declare", "--amqp-url", amqpURL, "--management-url", TestEnvironment.brokerManagementURL])
        let policies = ServiceCatalog.queuePolicies
        #expect(declared.status == 0 && declared.output.contains("set \(policies.count) queue policies"), "\(declared.output)")

        let listed = try await runProgramAsync(
            "/bin/bash", [servers, "rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "policy", "arguments", "--no-table-headers"])
        var policyOf: [String: String] = [:]
        var argumentsOf: [String: String] = [:]
        for line in listed.output.split(separator: "\n") {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count >= 3 else { continue }
            policyOf[columns[0]] = columns[1]
            argumentsOf[columns[0]] = columns[2]
        }
        let expected =
            ServiceCatalog.all.flatMap(\.queues).flatMap { queue in
                [queue.name] + queue.retryDelaysMilliseconds.indices.map { queue.retryQueue(level: $0 + 1) }
            } + [Exchanges.internalUnrouted]
        let missing = expected.filter { policyOf[$0] != "erp.queue.\($0)" }
        #expect(missing.isEmpty, "\(listed.output)")
        let withLimits = argumentsOf.filter { $0.value.contains("x-delivery-limit") || $0.value.contains("x-message-ttl") }.keys.sorted()
        #expect(withLimits.isEmpty)

        let wrong = try await runProgramAsync(
            TestEnvironment.executable("erpctl"), ["topology", "declare", "--amqp-url", amqpURL, "--management-url", "amqp://127.0.0.1:15672"])
        #expect(wrong.status != 0)
        #expect(wrong.output.contains("--management-url") && wrong.output.contains("no http(s)://host:port"), "\(wrong.output)")
    }
}
