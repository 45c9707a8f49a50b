import Contracts
import Foundation
import Messaging

/// Satisfaction surveys: scheduled when an order is delivered (sent by SurveyTimer.swift),
/// answered by their token; a low score opens a complaint ticket.
extension CRMHandlers {
    func answerSurvey(_ command: CRMCommand.AnswerSurvey, _ context: HandlerContext) async throws -> CRMResult.SurveyAnswered {
        guard (1...5).contains(command.csat) else { throw CommandRefused("csat-out-of-range", "CSAT is 1 to 5 (\(command.csat) given)") }
        if let nps = command.nps, !(0...10).contains(nps) { throw CommandRefused("nps-out-of-range", "NPS is 0 to 10 (\(nps) given)") }
        let given = command.comment?.trimmingCharacters(in: .whitespacesAndNewlines)
        var comment = try given.flatMap { $0.isEmpty ? nil : try CRMRules.text($0, "comment", limit: 2_000) }
        let source = try CRMRules.text(command.source, "source", limit: 200)
        let token = command.token.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard token.count == 32, token.allSatisfy({ $0.isHexDigit }) else {
            throw CommandRefused("unknown-token", "'\(token)' is not a survey token")
        }
        let survey = try await surveys.lock(token: token, in: context.transaction)
        let forgotten = try await store.isForgotten(survey.customer, in: context.transaction)
        // The scores of a forgotten person still count; what they wrote is not kept.
        if forgotten { comment = nil }
        let now = clock.now
        var ticket: Int64?
        let low = command.csat <= 2 || (command.nps.map { $0 <= 6 } ?? false)
        let scores = "CSAT \(command.csat)" + (command.nps.map { ", NPS \($0)" } ?? "")
        if low, !forgotten {
            let subject = "low satisfaction with order \(survey.order) (\(scores))" + (comment.map { ": \($0)" } ?? "")
            let deadlines = sla.deadlines(.high, from: now)
            let opened = try await tickets.open(
                customer: survey.customer, kind: .complaint, subject: String(subject.prefix(200)), order: survey.order, priority: .high, at: now,
                deadlines: deadlines, actor: "crm", message: context.envelope.id, in: context.transaction)
            ticket = opened
            try await context.publish(
                event: CRMEvent.TicketOpened(
                    ticket: opened, customer: survey.customer, kind: .complaint, priority: .high, subject: String(subject.prefix(200)),
                    order: survey.order))
        }
        try await surveys.answer(
            survey, csat: command.csat, nps: command.nps, comment: comment, source: source, ticket: ticket, at: now, in: context.transaction)
        try await store.addToTimeline(
            customer: survey.customer, at: now, kind: "survey_answered",
            summary: "survey of order \(survey.order) answered: \(scores)" + (comment.map { ": \($0)" } ?? ""), order: survey.order,
            actor: source, message: context.envelope.id, in: context.transaction)
        try await context.publish(
            event: CRMEvent.SurveyAnswered(
                survey: survey.survey, customer: survey.customer, order: survey.order, csat: command.csat, nps: command.nps, ticket: ticket))
        return CRMResult.SurveyAnswered(survey: survey.survey, customer: survey.customer, ticket: ticket)
    }
}
