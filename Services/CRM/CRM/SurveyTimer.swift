import Contracts
import Foundation
import Logging
import Messaging
import Postgres
import ServiceKit
import ServiceLifecycle

/// Sends the satisfaction surveys that are due (a delivered order's, `ERP_CRM_SURVEY_DELAY_HOURS`
/// after delivery): every second of its ``DeadlineClock`` it takes them with
/// `FOR UPDATE SKIP LOCKED` and invites the customer with an unguessable token
/// (`crm.survey.invited.v1`, on the timeline), or skips the survey with its reason: the
/// customer was forgotten, opted out of both email and sms, or had one within
/// `ERP_CRM_SURVEY_COOLDOWN_DAYS`.
final class SurveyTimer: Service, Sendable {
    let surveys: SurveyStore
    let customers: CRMStore
    let cooldown: Duration
    let clock: any DeadlineClock
    let pool: PostgresPool
    let logger: Logger
    let outbox: Outbox
    let eventsExchange: String

    init(schema: String, cooldown: Duration, clock: any DeadlineClock, eventsExchange: String, pool: PostgresPool, logger: Logger) {
        surveys = SurveyStore(schema: schema)
        customers = CRMStore(schema: schema)
        (self.cooldown, self.clock, self.eventsExchange, self.pool, self.logger) = (cooldown, clock, eventsExchange, pool, logger)
        outbox = Outbox(schema: schema, source: "erp-crm")
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let sent = try await sendDue()
                if sent > 0 { logger.info("surveys decided", metadata: ["count": "\(sent)"]) }
            } catch {
                logger.warning("survey timer failed; trying again", metadata: ["error": "\(error)"])
            }
            try? await clock.sleep(for: .seconds(1))
        }
    }

    /// Why a due survey is not sent, or nil to send it.
    static func skipReason(_ due: SurveyStore.Due, now: Date, cooldown: Duration) -> String? {
        if due.forgotten { return "the customer was forgotten" }
        if due.optedOut { return "the customer opted out of email and sms" }
        if let last = due.lastInvited, now.timeIntervalSince(last) < TimeInterval(cooldown.components.seconds) {
            return "a survey was sent \(UTCTimestamp.string(from: last)), within the cooldown of \(cooldown.components.seconds / 86_400) days"
        }
        return nil
    }

    func sendDue() async throws -> Int {
        let now = clock.now
        return try await pool.withTransaction { tx in
            let due = try await surveys.due(now: now, limit: 100, in: tx)
            var entries: [Outbox.Entry] = []
            var invitedNow: Set<Int64> = []
            for survey in due {
                // Two surveys of one customer due together: the first is sent, the other falls in its cooldown.
                let reason =
                    invitedNow.contains(survey.customer)
                    ? "another survey is sent to the customer now" : Self.skipReason(survey, now: now, cooldown: cooldown)
                if let reason {
                    try await surveys.skip(survey.survey, reason: reason, in: tx)
                    continue
                }
                invitedNow.insert(survey.customer)
                let token = UUID.random().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
                try await surveys.invite(survey.survey, token: token, at: now, in: tx)
                try await customers.addToTimeline(
                    customer: survey.customer, at: now, kind: "survey_invited", summary: "satisfaction survey sent for order \(survey.order)",
                    order: survey.order, actor: "crm", message: nil, in: tx)
                let event = CRMEvent.SurveyInvited(survey: survey.survey, customer: survey.customer, order: survey.order, token: token)
                entries.append(Outbox.Entry(try Envelope(event, source: "erp-crm"), exchange: eventsExchange))
            }
            if !entries.isEmpty { try await outbox.enqueue(entries, in: tx) }
            return due.count
        }
    }
}
