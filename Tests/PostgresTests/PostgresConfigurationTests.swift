import Postgres
import Testing

@Suite struct PostgresConfigurationTests {
    @Test func aFullURLIsParsedIntoEveryField() throws {
        let configuration = try PostgresConfiguration(
            url: "postgresql://shop%40x:p%3Ass@db.local:6543/erp_main?sslmode=disable&application_name=erp-orders&connect_timeout=3")
        #expect(configuration.host == "db.local")
        #expect(configuration.port == 6543)
        #expect(configuration.user == "shop@x")
        #expect(configuration.password == "p:ss")
        #expect(configuration.database == "erp_main")
        #expect(configuration.sslMode == .disable)
        #expect(configuration.applicationName == "erp-orders")
        #expect(configuration.connectTimeout == 3)
    }

    @Test func defaultsApplyWhenTheURLLeavesThemOut() throws {
        let configuration = try PostgresConfiguration(url: "postgres://erp@localhost/erp")
        #expect(configuration.port == 5432)
        #expect(configuration.password == nil)
        #expect(configuration.sslMode == .prefer)
    }

    @Test(arguments: [
        ("mysql://u@h/db", "scheme"),
        ("postgres:///db", "no host"),
        ("postgres://h/db", "no user"),
        ("postgres://u@h", "no database"),
        ("postgres://u@h:0/db", "port '0'"),
        ("postgres://u@h/db?sslmode=sometimes", "sslmode 'sometimes'"),
        ("postgres://u@h/db?connect_timeout=soon", "connect_timeout 'soon'"),
        ("postgres://u@h/db?sslmod=disable", "unknown parameter 'sslmod'"),
        ("not a url at all", "scheme"),
        ("postgres://u@h1,/db", "no host"),
        ("postgres://u@h1,h2:99999/db", "port '99999'"),
        ("postgres://u@[::1/db", "unclosed ["),
        ("postgres://u@h/db?sslcert=/c.pem", "sslcert and sslkey go together"),
        ("postgres://u@h/db?sslrootcert=/ca.pem", "only checked with sslmode=verify-ca or verify-full"),
        ("postgres://u@h/db?sslmode=verify-full&sslrootcert=", "sslrootcert is empty"),
        ("postgres://u@h/db?target_session_attrs=writable", "target_session_attrs 'writable'"),
        ("postgres://u@h/db?host=run/postgresql", "starts with '/'"),
        ("postgres://u@h1,h2/db?host=/run/postgresql", "several hosts do not go together"),
    ])
    func aBadURLIsRefusedWithTheReason(url: String, reason: String) {
        do {
            _ = try PostgresConfiguration(url: url)
            Issue.record("accepted \(url)")
        } catch let error as PostgresError {
            #expect(error.code == .invalidConfiguration)
            #expect(error.message.contains(reason), "\(error.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func thePasswordIsRedactedInErrors() {
        let urls = [
            "postgres://u:secret@h/db?bogus=1", "postgres://u:secret@h1:5432,h2:5433/db?bogus=1",
            // Unescaped '/' or '?' in the password cut the authority short.
            "postgres://u:se/cret@h/db", "postgres://u:se?cret@h/db", "postgres://u@h/db?password=secret&bogus=1",
        ]
        for url in urls {
            do {
                _ = try PostgresConfiguration(url: url)
                Issue.record("accepted \(url)")
            } catch {
                let text = "\(error)"
                #expect(!text.contains("cret"), "\(text)")
                #expect(text.contains("***"), "\(text)")
            }
        }
    }

    @Test func aSocketDirectoryInTheQueryReplacesTheHostAndKeepsThePort() throws {
        let configuration = try PostgresConfiguration(url: "postgres://erp:pw@localhost:54329/erp?host=/run/postgresql")
        #expect(configuration.host == "/run/postgresql")
        #expect(configuration.port == 54329)
        #expect(configuration.endpoints.map(\.description) == ["/run/postgresql:54329"])
    }

    @Test func severalHostsAreTriedInTheirOrderWithTheSessionTheyMustGive() throws {
        let configuration = try PostgresConfiguration(
            url: "postgres://erp:pw@db1:5433,db2,[::1]:6000/erp?target_session_attrs=read-write&sslmode=verify-full"
                + "&sslrootcert=/etc/erp/ca.pem&sslcert=/etc/erp/client.pem&sslkey=/etc/erp/client.key")
        #expect(configuration.endpoints.map(\.description) == ["db1:5433", "db2:5432", "[::1]:6000"])
        #expect(configuration.targetSessionAttributes == .readWrite)
        #expect(configuration.sslMode == .verifyFull)
        #expect(configuration.sslRootCertificate == "/etc/erp/ca.pem")
        #expect(configuration.sslCertificate == "/etc/erp/client.pem")
        #expect(configuration.sslKey == "/etc/erp/client.key")
    }
}
