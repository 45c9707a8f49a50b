import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import TestSupport

/// The loopback SMTP server and webhook endpoint of `mail_sinks.py` (Debian's
/// python3-aiosmtpd, which the test command installs), one for the whole test run: tests
/// tell their messages apart by their own addresses and paths.
final class MailSinks: Sendable {
    let smtpPort: Int
    let httpPort: Int
    /// An SMTP server that requires STARTTLS, its certificate (for localhost) in `caFile`.
    let startTLSPort: Int
    var caFile: String { "\(directory)/ca.pem" }
    let directory: String
    private let process: ChildProcess
    /// The sink's standard input: it exits when this process ends and the pipe closes.
    private let input: FileHandle

    static let shared: MailSinks? = try? MailSinks()

    private init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("erp-mail-\(UUID().uuidString)").path
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("mail_sinks.py").path
        let output = try makePipe()
        let input = try makePipe()
        // Its errors go nowhere: a sink that outlived the tests must not hold their output open.
        let process = try ChildProcess(
            "/usr/bin/python3", [script, directory], standardInput: input.read.fileDescriptor,
            standardOutput: output.write.fileDescriptor)
        try input.read.close()
        try output.write.close()
        // read(2) itself: FileHandle.availableData traps on EINTR, which the test process's
        // children (SIGCHLD) cause.
        var line = Data()
        var buffer = [UInt8](repeating: 0, count: 256)
        let descriptor = output.read.fileDescriptor
        while !line.contains(UInt8(ascii: "\n")) {
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw CocoaError(.fileReadUnknown) }
            line.append(contentsOf: buffer[0..<count])
        }
        let words = String(decoding: line, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard words.count == 4, words[0] == "ready", let smtp = Int(words[1]), let http = Int(words[2]), let tls = Int(words[3]) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        (smtpPort, httpPort, startTLSPort, self.process, self.input) = (smtp, http, tls, process, input.write)
    }

    private func files(_ suffix: String) -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(suffix) }
        return names.compactMap { try? String(contentsOfFile: "\(directory)/\($0)", encoding: .utf8) }
    }

    /// Every email received (envelope lines first) sent to `address`.
    func emails(to address: String) -> [String] { files(".eml").filter { $0.contains("X-Envelope-To: \(address)") } }

    struct Post: Decodable {
        let path: String
        let headers: [String: String]
        let body: String
    }

    /// Every POST received on `path`.
    func posts(_ path: String) -> [Post] {
        files(".json").compactMap { try? JSONDecoder().decode(Post.self, from: Data($0.utf8)) }.filter { $0.path == path }
    }
}
