import AMQP
import Testing

@Suite struct AMQPConfigurationTests {
    @Test func aFullURLIsParsedIntoEveryField() throws {
        let configuration = try AMQPConfiguration(
            url: "amqp://orders%40svc:p%2Fw@mq.local:5673/erp%2fprod?heartbeat=15&connection_timeout=4&connection_name=erp-orders")
        #expect(configuration.host == "mq.local")
        #expect(configuration.port == 5673)
        #expect(configuration.user == "orders@svc")
        #expect(configuration.password == "p/w")
        #expect(configuration.vhost == "erp/prod")
        #expect(configuration.heartbeat == 15)
        #expect(configuration.connectTimeout == 4)
        #expect(configuration.connectionName == "erp-orders")
    }

    @Test func anAMQPSURLSpeaksTLSOnPort5671WithItsCertificates() throws {
        let plain = try AMQPConfiguration(url: "amqp://u:p@h/%2f")
        #expect(plain.tls == nil)
        let secure = try AMQPConfiguration(
            url: "amqps://u:p@broker.example/%2f?cacertfile=/etc/erp/ca.pem&certfile=/etc/erp/c.pem&keyfile=/etc/erp/c.key")
        #expect(secure.port == 5671)
        #expect(
            secure.tls == AMQPConfiguration.TLS(caCertificateFile: "/etc/erp/ca.pem", certificateFile: "/etc/erp/c.pem", keyFile: "/etc/erp/c.key"))
        #expect(try AMQPConfiguration(url: "amqps://u:p@h:5999/").port == 5999)
        #expect(try AMQPConfiguration(url: "amqps://u:p@h/?verify=verify_none").tls?.verifyPeer == false)
    }

    @Test func anEmptyPathOrPercentTwoFIsTheDefaultVhost() throws {
        #expect(try AMQPConfiguration(url: "amqp://u:p@h").vhost == "/")
        #expect(try AMQPConfiguration(url: "amqp://u:p@h/%2f").vhost == "/")
        #expect(try AMQPConfiguration(url: "amqp://u:p@h/").vhost == "/")
        #expect(try AMQPConfiguration(url: "amqp://u:p@h").heartbeat == 30)
    }

    @Test(arguments: [
        ("http://h/", "scheme"),
        ("amqp:///x", "no host"),
        ("amqp://h:70000/", "port"),
        ("amqp://h/a/b", "one path segment"),
        ("amqp://h/?heartbeat=-1", "heartbeat"),
        ("amqp://h/?heartbeats=5", "unknown parameter 'heartbeats'"),
        ("amqp://h/?frame_max=10", "frame_max"),
        ("amqp://h/?cacertfile=/ca.pem", "cacertfile is for amqps:// URLs"),
        ("amqps://h/?certfile=/c.pem", "certfile and keyfile go together"),
        ("amqps://h/?verify=maybe", "verify 'maybe'"),
        ("amqps://h/?cacertfile=", "cacertfile is empty"),
        ("amqp://h1,h2/", "one host only"),
    ])
    func aBadURLIsRefusedWithTheReason(url: String, reason: String) {
        do {
            _ = try AMQPConfiguration(url: url)
            Issue.record("accepted \(url)")
        } catch let error as AMQPError {
            #expect(error.code == .invalidConfiguration)
            #expect(error.message.contains(reason), "\(error.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
