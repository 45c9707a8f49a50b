import Foundation
import Postgres
import TestSupport
import Testing

/// TLS to the local cluster (its certificate signed by the local CA, `deploy/local/servers.sh`),
/// and several hosts with the session each must give: the replica and the primary.
@Suite(.timeLimit(.minutes(6))) struct PostgresTLSTests {
    static func connectError(_ configuration: PostgresConfiguration) async -> PostgresError? {
        do {
            let connection = try await PostgresConnection.connect(configuration)
            await connection.close()
            return nil
        } catch let error as PostgresError {
            return error
        } catch {
            return PostgresError(code: .connectionFailed, message: "\(error)", sentToServer: false)
        }
    }

    @Test func aConnectionVerifiedAgainstTheCARunsOverTLS() async throws {
        var configuration = TestDatabase.configuration
        configuration.sslMode = .verifyFull
        configuration.sslRootCertificate = TestCertificates.serversCA.certificate
        let connection = try await PostgresConnection.connect(configuration)
        let ssl = try await connection.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")[0].decode(Bool.self, at: 0)
        #expect(ssl)
        await connection.close()
    }

    @Test func aServerWhoseCertificateAnotherCASignedIsRefused() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let stranger = try certificates.makeCA("stranger-ca")
        var configuration = TestDatabase.configuration
        configuration.sslMode = .verifyCA
        configuration.sslRootCertificate = stranger.certificate
        let error = await Self.connectError(configuration)
        #expect(error?.code == .connectionFailed)
        #expect(error?.message.contains("certificate verify failed") == true, "\(String(describing: error))")
    }

    /// The URL's hosts in turn: the replica (read-only) first, then the primary.
    static func bothHosts(_ attributes: String) throws -> PostgresConfiguration {
        let primary = TestDatabase.configuration
        let replica = try PostgresConfiguration(url: TestEnvironment.replicaURL)
        let password = primary.password.map { ":\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? ""
        return try PostgresConfiguration(
            url: "postgres://\(primary.user)\(password)@\(replica.host):\(replica.port),\(primary.host):\(primary.port)/\(primary.database)"
                + "?target_session_attrs=\(attributes)")
    }

    static func landedOnStandby(_ configuration: PostgresConfiguration) async throws -> Bool {
        let connection = try await PostgresConnection.connect(configuration)
        let standby = try await connection.query("SELECT pg_is_in_recovery()")[0].decode(Bool.self, at: 0)
        await connection.close()
        return standby
    }

    @Test func withSeveralHostsTheSessionAttributesChooseThePrimaryOrTheStandby() async throws {
        #expect(try await Self.landedOnStandby(try Self.bothHosts("read-write")) == false)
        #expect(try await Self.landedOnStandby(try Self.bothHosts("standby")) == true)
        #expect(try await Self.landedOnStandby(try Self.bothHosts("any")) == true, "the first host that answers")
    }

    @Test func aHostThatIsDownIsSkippedForTheNext() async throws {
        var configuration = TestDatabase.configuration
        configuration.failoverHosts = [PostgresConfiguration.Endpoint(host: configuration.host, port: configuration.port)]
        configuration.port = 1  // nothing listens there
        let connection = try await PostgresConnection.connect(configuration)
        #expect(try await connection.query("SELECT 1")[0].decode(Int.self, at: 0) == 1)
        await connection.close()

        configuration.failoverHosts = []
        let error = await Self.connectError(configuration)
        #expect(error?.message.contains("127.0.0.1:1") == true, "\(String(describing: error))")
    }
}
