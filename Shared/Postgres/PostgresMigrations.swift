import Foundation

/// One numbered SQL migration of a schema.
public struct PostgresMigration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
    /// Earlier texts of this migration that did the same thing and may be recorded as
    /// applied: their checksums are accepted too. For a migration whose text was once made
    /// per schema and is now literal; never for a change of what it does.
    public let supersedes: [String]

    public init(version: Int, name: String, sql: String, supersedes: [String] = []) {
        self.version = version
        self.name = name
        self.sql = sql
        self.supersedes = supersedes
    }

    /// Reads `NNNN_name.sql` files from a folder, in version order. Any other file, a
    /// duplicate version or an unreadable file is an error.
    public static func load(from folder: URL) throws -> [PostgresMigration] {
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
        var migrations: [PostgresMigration] = []
        for file in files {
            let base = file.deletingPathExtension().lastPathComponent
            let parts = base.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, let version = Int(parts[0]), version > 0 else {
                throw PostgresMigrationError.badFileName(file.lastPathComponent)
            }
            let sql = try String(contentsOf: file, encoding: .utf8)
            migrations.append(PostgresMigration(version: version, name: String(parts[1]), sql: sql))
        }
        return try checked(migrations)
    }

    static func checked(_ migrations: [PostgresMigration]) throws -> [PostgresMigration] {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.version == next.version {
            throw PostgresMigrationError.duplicateVersion(next.version)
        }
        return sorted
    }
}

/// Why migrations were refused.
public enum PostgresMigrationError: Error, Equatable, CustomStringConvertible {
    case badFileName(String)
    case duplicateVersion(Int)
    case changedAfterApply(schema: String, version: Int, name: String)
    case unknownApplied(schema: String, version: Int, name: String)

    public var description: String {
        switch self {
        case .badFileName(let name): return "migration file '\(name)' is not named NNNN_description.sql"
        case .duplicateVersion(let version): return "two migrations have version \(version)"
        case .changedAfterApply(let schema, let version, let name):
            return "migration \(version) (\(name)) of schema \(schema) was changed after it was applied; add a new migration instead"
        case .unknownApplied(let schema, let version, let name):
            return "schema \(schema) has migration \(version) (\(name)) applied that this build does not know; is this an older build?"
        }
    }
}

/// Applies a schema's migrations: creates the schema and its `schema_migrations` table,
/// which records migrations per component (the service's own, and shared parts such as
/// the messaging tables, each numbered from 1),
/// takes a transaction-scoped advisory lock (so that instances starting together apply
/// each migration once), refuses to go on if an applied migration has changed (SHA-256
/// of its text, computed by the server) or is unknown, and applies the pending ones in
/// order, all in one transaction, with `search_path` set to the schema.
public struct PostgresMigrator: Sendable {
    public let schema: String
    public let component: String
    public let migrations: [PostgresMigration]

    public init(schema: String, component: String = "service", migrations: [PostgresMigration]) throws {
        self.schema = schema
        self.component = component
        self.migrations = try PostgresMigration.checked(migrations)
    }

    /// Applies what is pending; returns the versions applied now.
    /// Creates the schema if it is missing. If it exists and belongs to another role that
    /// this session may act as (a service's own role), the migrations run as that role, so
    /// that what they create belongs to the service too. An existing schema is never
    /// created again: `CREATE SCHEMA IF NOT EXISTS` needs a right a service's role lacks.
    private func enterSchema(_ tx: PostgresTransaction) async throws {
        let owner = try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT quote_ident(r.rolname) AS owner, r.rolname = current_user AS mine, pg_has_role(r.oid, 'MEMBER') AS member
                    FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname = $1
                    """, binds: [schema])
        ).first
        guard let owner else {
            try await tx.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(PostgresQuery.quoteIdentifier(schema))"))
            return
        }
        if try !owner.decode(Bool.self, column: "mine"), try owner.decode(Bool.self, column: "member") {
            try await tx.query(PostgresQuery(unsafeSQL: "SET LOCAL ROLE \(try owner.decode(String.self, column: "owner"))"))
        }
    }

    @discardableResult
    public func migrate(_ pool: PostgresPool) async throws -> [Int] {
        try await pool.withTransaction { tx in
            try await tx.query("SET LOCAL client_min_messages TO warning")
            try await tx.query("SELECT pg_advisory_xact_lock(hashtext(\("erp.migrate." + schema)))")
            let table = "\(PostgresQuery.quoteIdentifier(schema)).schema_migrations"
            try await enterSchema(tx)
            try await tx.query(
                PostgresQuery(
                    unsafeSQL: """
                        CREATE TABLE IF NOT EXISTS \(table) (
                            component text NOT NULL,
                            version int NOT NULL,
                            name text NOT NULL,
                            checksum text NOT NULL,
                            applied_at timestamptz NOT NULL DEFAULT now(),
                            PRIMARY KEY (component, version))
                        """))
            let applied = try await tx.query(
                PostgresQuery(
                    unsafeSQL: "SELECT version, name, checksum FROM \(table) WHERE component = $1 ORDER BY version", binds: [component]))
            var appliedChecksums: [Int: (name: String, checksum: String)] = [:]
            for row in applied {
                appliedChecksums[try row.decode(Int.self, column: "version")] =
                    (try row.decode(String.self, column: "name"), try row.decode(String.self, column: "checksum"))
            }
            let known = Set(migrations.map(\.version))
            for (version, entry) in appliedChecksums where !known.contains(version) {
                throw PostgresMigrationError.unknownApplied(schema: schema, version: version, name: entry.name)
            }
            var appliedNow: [Int] = []
            try await tx.query(PostgresQuery(unsafeSQL: "SET LOCAL search_path TO \(PostgresQuery.quoteIdentifier(schema)), public"))
            for migration in migrations {
                let checksum = try await tx.query("SELECT encode(sha256(convert_to(\(migration.sql), 'UTF8')), 'hex')")[0]
                    .decode(String.self, at: 0)
                if let existing = appliedChecksums[migration.version] {
                    var accepted = existing.checksum == checksum
                    for earlier in migration.supersedes where !accepted {
                        accepted =
                            try await tx.query("SELECT encode(sha256(convert_to(\(earlier), 'UTF8')), 'hex')")[0]
                            .decode(String.self, at: 0) == existing.checksum
                    }
                    guard accepted else {
                        throw PostgresMigrationError.changedAfterApply(schema: schema, version: migration.version, name: migration.name)
                    }
                    continue
                }
                try await tx.executeScript(migration.sql)
                try await tx.query(
                    PostgresQuery(
                        unsafeSQL: "INSERT INTO \(table) (component, version, name, checksum) VALUES ($1, $2, $3, $4)",
                        binds: [component, migration.version, migration.name, checksum]))
                appliedNow.append(migration.version)
            }
            return appliedNow
        }
    }
}
