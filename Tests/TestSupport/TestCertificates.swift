import Foundation

/// Certificates a test makes with `openssl`, in a folder of its own: a CA that no server
/// trusts, and client certificates signed by a CA of the test's choosing (the local servers'
/// CA, whose key `deploy/local/servers.sh` keeps in `TestEnvironment.tlsDirectory`, or its own).
public struct TestCertificates: Sendable {
    public struct Pair: Sendable {
        public let certificate: String
        public let key: String
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let directory: String

    /// The CA that signed the local servers' certificate (`servers.sh` made it).
    public static var serversCA: Pair {
        Pair(certificate: TestEnvironment.tlsDirectory + "/ca.pem", key: TestEnvironment.tlsDirectory + "/ca.key")
    }

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("erp-tls-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// A CA of the test's own.
    public func makeCA(_ name: String) throws -> Pair {
        let pair = Pair(certificate: "\(directory)/\(name).pem", key: "\(directory)/\(name).key")
        try openssl([
            "req", "-x509", "-new", "-nodes", "-newkey", "rsa:2048", "-days", "2", "-subj", "/CN=\(name)", "-keyout", pair.key, "-out",
            pair.certificate, "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        return pair
    }

    /// A client certificate for `commonName`, signed by `ca`.
    public func makeClient(_ name: String, commonName: String, signedBy ca: Pair) throws -> Pair {
        let pair = Pair(certificate: "\(directory)/\(name).pem", key: "\(directory)/\(name).key")
        let request = "\(directory)/\(name).csr", extensions = "\(directory)/\(name).ext"
        try openssl(["req", "-new", "-nodes", "-newkey", "rsa:2048", "-subj", "/CN=\(commonName)", "-keyout", pair.key, "-out", request])
        try Data("extendedKeyUsage=clientAuth\nbasicConstraints=CA:false\n".utf8).write(to: URL(fileURLWithPath: extensions))
        try openssl([
            "x509", "-req", "-in", request, "-CA", ca.certificate, "-CAkey", ca.key, "-CAcreateserial", "-days", "2", "-out",
            pair.certificate, "-extfile", extensions,
        ])
        return pair
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func openssl(_ arguments: [String]) throws {
        let result = try runProgram("/usr/bin/openssl", arguments)
        guard result.status == 0 else {
            throw Failure(description: "openssl \(arguments.prefix(2).joined(separator: " ")) failed: \(result.output)")
        }
    }
}
