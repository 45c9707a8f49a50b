import AMQP
import ArgumentParser
import Foundation

/// Persistent messages published with confirms (a window of outstanding confirms) and
/// consumed with one ack each, through the Swift wrapper; optionally the same loop in C.
struct AMQPBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amqp", abstract: "Publish with confirms and consume with acks; messages per second.")

    @Option(help: "Broker URL (default: $ERP_AMQP_URL or the local runner's).")
    var url = environment("ERP_AMQP_URL", default: "amqp://guest:guest@127.0.0.1:5679/%2f")
    @Option(help: "Messages per run.") var messages = 50_000
    @Option(help: "Body size in bytes.") var size = 512
    @Option(help: "Publisher confirm window (unconfirmed messages at most).") var window = 256
    @Option(help: "Consumer prefetch.") var prefetch = 256
    @Option(help: "Queue type: quorum or classic.") var queueType = "quorum"
    @Option(help: "Runs of each loop; the best is reported.") var runs = 3
    @Option(help: "Path of the compiled C loop (Tests/Benchmarks/c/amqp_loop.c) to run beside.") var cLoop: String?

    mutating func validate() throws {
        guard messages > 0, size >= 0, window > 0, prefetch > 0, prefetch <= 65535, runs > 0 else {
            throw ValidationError("messages, window, prefetch and runs must be positive; prefetch at most 65535")
        }
        guard ["quorum", "classic"].contains(queueType) else { throw ValidationError("queue type must be quorum or classic") }
    }

    func run() async throws {
        let configuration = try AMQPConfiguration(url: url)
        let admin = try await AMQPConnection.connect(configuration)
        var swiftBest = 0.0
        var cBest = 0.0
        for run in 1...runs {
            let queue = "bench.amqp.\(UUID().uuidString.prefix(8).lowercased())"
            try await admin.declareQueue(queue, arguments: ["x-queue-type": .string(queueType)])
            let rate = try await swiftLoop(configuration, queue: queue)
            try await admin.deleteQueue(queue)
            print(String(format: "swift amqp run %d: %.0f msg/s", run, rate))
            swiftBest = max(swiftBest, rate)
            if let cLoop {
                let cQueue = queue + ".c"
                try await admin.declareQueue(cQueue, arguments: ["x-queue-type": .string(queueType)])
                let cRate = try runCLoop(cLoop, configuration: configuration, queue: cQueue)
                try await admin.deleteQueue(cQueue)
                print(String(format: "c amqp run %d: %.0f msg/s", run, cRate))
                cBest = max(cBest, cRate)
            }
        }
        await admin.close()
        print(
            String(
                format: "swift amqp: %d persistent %d-byte messages, %@ queue, window %d, prefetch %d: %.0f msg/s",
                messages, size, queueType, window, prefetch, swiftBest))
        if cLoop != nil {
            print(String(format: "c amqp: same loop in C against librabbitmq: %.0f msg/s", cBest))
            print(String(format: "swift/c ratio: %.2f (target >= 0.80)", swiftBest / cBest))
        }
    }

    private func swiftLoop(_ configuration: AMQPConfiguration, queue: String) async throws -> Double {
        let publisher = try await AMQPPublisher.connect(configuration, window: window)
        let consumer = try await AMQPConsumer.start(configuration, queue: queue, prefetch: UInt16(prefetch))
        let body = Data(repeating: UInt8(ascii: "x"), count: size)
        let total = messages
        let start = monotonicSeconds()
        let publishing = Task {
            var confirmations: [AMQPConfirmation] = []
            confirmations.reserveCapacity(total)
            for _ in 0..<total {
                confirmations.append(
                    try await publisher.send(
                        AMQPMessage(
                            exchange: "", routingKey: queue, body: body,
                            properties: AMQPProperties(contentType: "application/octet-stream", persistent: true))))
            }
            for confirmation in confirmations {
                let outcome = try await confirmation.outcome()
                guard outcome == .confirmed else { throw ValidationError("a publish was not confirmed: \(outcome)") }
            }
        }
        var consumed = 0
        var iterator = consumer.makeAsyncIterator()
        while consumed < total, let delivery = try await iterator.next() {
            consumer.ack(delivery)
            consumed += 1
        }
        let elapsed = monotonicSeconds() - start
        try await publishing.value
        await consumer.close()
        await publisher.close()
        return Double(total) / elapsed
    }

    private func runCLoop(_ path: String, configuration: AMQPConfiguration, queue: String) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [
            configuration.host, String(configuration.port), configuration.user, configuration.password, queue,
            String(messages), String(size), String(window), String(prefetch),
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let figure = text.split(separator: " ").dropLast().last.flatMap({ Double($0) })
        else { throw ValidationError("the C loop failed: \(text)") }
        return figure
    }
}
