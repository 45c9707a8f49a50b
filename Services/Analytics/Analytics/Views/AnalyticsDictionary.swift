import Postgres

/// The data dictionary of the analytics views, read from the database's own comments (so it
/// says what the views that are there say), and written as `docs/analytics.md`.
public struct AnalyticsDictionary: Sendable, Equatable {
    public struct Column: Sendable, Equatable {
        public let name: String
        public let type: String
        public let comment: String?
    }

    public struct View: Sendable, Equatable {
        public let name: String
        public let comment: String?
        public let columns: [Column]
    }

    public let views: [View]

    /// The views of `schema` with their comments: the documented ones in their documented
    /// order, then any other.
    public static func read(schema: String = "analytics", _ pool: PostgresPool) async throws -> AnalyticsDictionary {
        let rows = try await pool.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT c.relname AS view, obj_description(c.oid, 'pg_class') AS view_comment, a.attname AS column_name,
                           format_type(a.atttypid, a.atttypmod) AS type, col_description(c.oid, a.attnum) AS column_comment
                    FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                    WHERE n.nspname = $1 AND c.relkind IN ('v', 'm')
                    ORDER BY c.relname, a.attnum
                    """, binds: [schema]))
        var views: [String: View] = [:]
        for row in rows {
            let name = try row.decode(String.self, column: "view")
            let column = Column(
                name: try row.decode(String.self, column: "column_name"), type: try row.decode(String.self, column: "type"),
                comment: try row.decode(String?.self, column: "column_comment"))
            let existing = views[name]
            views[name] = View(
                name: name, comment: try existing?.comment ?? row.decode(String?.self, column: "view_comment"),
                columns: (existing?.columns ?? []) + [column])
        }
        let documented = AnalyticsViewMigrations.views.compactMap { views[$0] }
        let others = views.values.filter { !AnalyticsViewMigrations.views.contains($0.name) }.sorted { $0.name < $1.name }
        return AnalyticsDictionary(views: documented + others)
    }

    /// What has no comment: `view` or `view.column`.
    public var undocumented: [String] {
        views.flatMap { view in
            (view.comment == nil ? [view.name] : []) + view.columns.filter { $0.comment == nil }.map { "\(view.name).\($0.name)" }
        }
    }

    public func view(_ name: String) -> View? { views.first { $0.name == name } }

    /// The whole dictionary as Markdown: `docs/analytics.md`.
    public var markdown: String {
        var text = AnalyticsGuide.introduction
        text += "\n## Views\n\n| view | what it holds |\n|---|---|\n"
        for view in views { text += "| [`\(view.name)`](#\(view.name)) | \(Self.cell(Self.firstSentence(view.comment ?? ""))) |\n" }
        for view in views {
            text += "\n### \(view.name)\n\n\(view.comment ?? "(no comment)")\n\n| column | type | meaning |\n|---|---|---|\n"
            for column in view.columns { text += "| `\(column.name)` | \(column.type) | \(Self.cell(column.comment ?? "(no comment)")) |\n" }
        }
        text += AnalyticsGuide.examples
        return text
    }

    static func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }

    public static func firstSentence(_ text: String) -> String {
        guard let end = text.range(of: ". ") else { return text }
        return String(text[..<end.lowerBound]) + "."
    }
}
