/// Commands the analytics job runner (erp-analytics) takes on `erp.commands` (routing key =
/// type), answered with a ``CommandOutcome`` when they carry a `reply_to`.
public enum AnalyticsCommand {
    /// Days from ordering stock from a supplier to having it in a warehouse, used by the
    /// reorder suggestions. `*` as the SKU or the warehouse means any (a SKU's own setting
    /// wins over a warehouse's, which wins over `* *`).
    public struct SetLeadTime: Message, Equatable {
        public static let type: MessageType = "analytics.set_lead_time.v1"
        public var sku: String
        public var warehouse: String
        public var days: Int
        public var actor: String
        public init(sku: String, warehouse: String, days: Int, actor: String) {
            (self.sku, self.warehouse, self.days, self.actor) = (sku, warehouse, days, actor)
        }
    }

    /// Runs a job now (`refresh`, `stock-snapshot` or `forecast`) instead of at its time; its next run stays as it was.
    public struct RunJob: Message, Equatable {
        public static let type: MessageType = "analytics.run_job.v1"
        public var job: String
        public init(job: String) { self.job = job }
    }
}

public enum AnalyticsResult {
    public struct Done: Codable, Sendable, Equatable {
        public init() {}
    }

    /// What a job run did.
    public struct JobRun: Codable, Sendable, Equatable {
        public var job: String
        public var summary: String
        public init(job: String, summary: String) { (self.job, self.summary) = (job, summary) }
    }
}

extension AnalyticsCommand {
    /// Keeps a custom report (a query over the analytics views) under a name, replacing one
    /// of that name. `{{name}}` in the SQL is a parameter, given when the report is run.
    public struct SaveReport: Message, Equatable {
        public static let type: MessageType = "analytics.save_report.v1"
        public struct Parameter: Codable, Sendable, Equatable {
            public var name: String
            /// date, text, integer, numeric or boolean.
            public var type: String
            public init(name: String, type: String) { (self.name, self.type) = (name, type) }
        }
        public var name: String
        public var sql: String
        public var parameters: [Parameter]
        public var description: String
        public var actor: String
        public init(name: String, sql: String, parameters: [Parameter], description: String, actor: String) {
            (self.name, self.sql, self.parameters, self.description, self.actor) = (name, sql, parameters, description, actor)
        }
    }

    /// Removes a saved report.
    public struct DeleteReport: Message, Equatable {
        public static let type: MessageType = "analytics.delete_report.v1"
        public var name: String
        public var actor: String
        public init(name: String, actor: String) { (self.name, self.actor) = (name, actor) }
    }
}
