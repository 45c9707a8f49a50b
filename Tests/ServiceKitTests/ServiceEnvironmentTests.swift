import Logging
import ServiceKit
import Testing

@Suite struct ServiceEnvironmentTests {
    @Test func defaultsWorkOnOneMachine() throws {
        let environment = try ServiceEnvironment(environment: [:], defaultHTTPPort: 8081)
        #expect(environment.httpPort == 8081)
        #expect(environment.httpHost == "127.0.0.1")
        #expect(environment.logLevel == .info)
        #expect(environment.logFormat == .json)
        #expect(environment.databaseURL.hasPrefix("postgres://"))
        #expect(environment.amqpURL.hasPrefix("amqp://"))
        #expect(environment.consumerBatchSize == 200)
        #expect(environment.consumerPrefetch == 400)
    }

    @Test func variablesOverrideTheDefaults() throws {
        let environment = try ServiceEnvironment(
            environment: [
                "ERP_HTTP_PORT": "9000", "ERP_LOG_LEVEL": "DEBUG", "ERP_LOG_FORMAT": "text", "ERP_DB_POOL_SIZE": "8",
                "ERP_CONSUMER_BATCH_SIZE": "50", "ERP_CONSUMER_PREFETCH": "500", "ERP_OUTBOX_BATCH_SIZE": "100",
                "ERP_DATABASE_URL": "postgres://u:p@db:5432/erp", "ERP_AMQP_URL": "amqp://u:p@mq:5672/erp",
            ], defaultHTTPPort: 8081)
        #expect(environment.httpPort == 9000)
        #expect(environment.logLevel == .debug)
        #expect(environment.logFormat == .text)
        #expect(environment.databasePoolSize == 8)
        #expect(environment.consumerBatchSize == 50)
        #expect(environment.consumerPrefetch == 500)
        #expect(environment.outboxBatchSize == 100)
        #expect(environment.database.host == "db")
        #expect(environment.broker.vhost == "erp")
    }

    @Test func passwordsComeApartFromTheURLOrFromFilesAndNeedNoEscaping() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("erp-secrets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let passwordFile = directory.appendingPathComponent("db").path
        try "p@ss/word:%#\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let urlFile = directory.appendingPathComponent("amqp").path
        try "amqp://orders:from-file@mq:5672/%2f".write(toFile: urlFile, atomically: true, encoding: .utf8)
        let environment = try ServiceEnvironment(
            environment: [
                "ERP_DATABASE_URL": "postgres://erp_orders@db:5432/erp", "ERP_DATABASE_PASSWORD_FILE": passwordFile,
                "ERP_AMQP_URL_FILE": urlFile,
            ], defaultHTTPPort: 8081)
        #expect(environment.database.password == "p@ss/word:%#")
        #expect(environment.database.user == "erp_orders")
        #expect(environment.broker.password == "from-file")
        let direct = try ServiceEnvironment(environment: ["ERP_AMQP_PASSWORD": "a b&c"], defaultHTTPPort: 8081)
        #expect(direct.broker.password == "a b&c")
    }

    @Test func aSecretFileThatIsMissingEmptyOrSetBesideItsVariableIsRefusedByName() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("erp-empty-\(UUID().uuidString)").path
        try "\n".write(toFile: empty, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let cases: [[String: String]] = [
            ["ERP_DATABASE_PASSWORD_FILE": "/nonexistent/secret"],
            ["ERP_AMQP_PASSWORD_FILE": empty],
            ["ERP_DATABASE_URL": "postgres://u@h/d", "ERP_DATABASE_URL_FILE": empty],
        ]
        for variables in cases {
            #expect {
                _ = try ServiceEnvironment(environment: variables, defaultHTTPPort: 8081)
            } throws: { error in
                guard let error = error as? ConfigurationError else { return false }
                return variables.keys.contains(error.variable) && error.variable.hasSuffix("_FILE")
            }
        }
    }

    @Test(arguments: [
        ("ERP_HTTP_PORT", "eighty"), ("ERP_HTTP_PORT", "70000"), ("ERP_LOG_LEVEL", "loud"), ("ERP_LOG_FORMAT", "xml"),
        ("ERP_DB_POOL_SIZE", "0"), ("ERP_CONSUMER_BATCH_SIZE", "-1"), ("ERP_CONSUMER_PREFETCH", "5"), ("ERP_CONSUMER_PREFETCH", "65536"),
        ("ERP_OUTBOX_BATCH_SIZE", "1e3"), ("ERP_DATABASE_URL", "mysql://x@y/z"), ("ERP_AMQP_URL", "amqp://h/?heartbeats=1"),
    ])
    func anInvalidValueIsRefusedNamingTheVariable(variable: String, value: String) {
        do {
            _ = try ServiceEnvironment(environment: [variable: value], defaultHTTPPort: 8081)
            Issue.record("accepted \(variable)=\(value)")
        } catch let error as ConfigurationError {
            #expect(error.variable == variable)
            #expect("\(error)".contains(variable))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func aPasswordInABadURLIsNotShown() {
        do {
            _ = try ServiceEnvironment(environment: ["ERP_DATABASE_URL": "postgres://u:hunter2@h/db?bogus=1"], defaultHTTPPort: 1)
            Issue.record("accepted")
        } catch {
            #expect(!"\(error)".contains("hunter2"))
        }
    }
}

@Suite struct JSONLogHandlerTests {
    @Test func eachEntryIsOneJSONObjectWithServiceAndMetadata() throws {
        let lines = LineSink()
        var handler = JSONLogHandler(label: "erp.test", service: "orders", level: .info, output: { lines.append($0) })
        handler[metadataKey: "correlation_id"] = "order-1"
        let logger = Logger(label: "erp.test", factory: { _ in handler })
        logger.info("handled \"quoted\"\nmessage", metadata: ["message_id": "m-1"])
        logger.debug("below the level")
        #expect(lines.all.count == 1)
        let line = try #require(lines.all.first)
        #expect(line.hasSuffix("}\n"))
        #expect(!line.dropLast().contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["service"] == "orders")
        #expect(object["level"] == "info")
        #expect(object["message"] == "handled \"quoted\"\nmessage")
        #expect(object["message_id"] == "m-1")
        #expect(object["correlation_id"] == "order-1")
        #expect(object["time"] != nil)
    }
}

import Foundation

final class LineSink: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var all: [String] { lock.withLock { lines } }
    func append(_ line: String) { lock.withLock { lines.append(line) } }
}
