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
        ("postgres://u@h:0/db", "port 0"),
        ("postgres://u@h/db?sslmode=sometimes", "sslmode 'sometimes'"),
        ("postgres://u@h/db?connect_timeout=soon", "connect_timeout 'soon'"),
        ("postgres://u@h/db?sslmod=disable", "unknown parameter 'sslmod'"),
        ("not a url at all", "scheme"),
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
        do {
            _ = try PostgresConfiguration(url: "postgres://u:secret@h/db?bogus=1")
            Issue.record("accepted")
        } catch {
            #expect(!"\(error)".contains("secret"))
        }
    }
}
