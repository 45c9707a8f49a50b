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

    /// Runs a job now (`stock-snapshot` or `forecast`) instead of at its hour; its next run stays as it was.
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
