import Foundation

extension CRMCommand {
    /// A customer's answer to a satisfaction survey, by its token (`erpctl crm survey answer`).
    /// CSAT 1–5, NPS 0–10 (optional). A low score (CSAT 1–2, NPS 0–6) opens a complaint ticket.
    public struct AnswerSurvey: Message, Equatable {
        public static let type: MessageType = "crm.answer_survey.v1"
        public var token: String
        public var csat: Int
        public var nps: Int?
        public var comment: String?
        /// Where the answer came from: `erpctl`, a platform.
        public var source: String
        public init(token: String, csat: Int, nps: Int? = nil, comment: String? = nil, source: String) {
            (self.token, self.csat, self.nps, self.comment, self.source) = (token, csat, nps, comment, source)
        }
    }
}

extension CRMEvent {
    /// A survey is due for a delivered order: the token the customer answers with (for the
    /// notification that carries the invitation).
    public struct SurveyInvited: Message, Equatable {
        public static let type: MessageType = "crm.survey.invited.v1"
        public var survey: Int64
        public var customer: Int64
        public var order: Int64
        public var token: String
        public init(survey: Int64, customer: Int64, order: Int64, token: String) {
            (self.survey, self.customer, self.order, self.token) = (survey, customer, order, token)
        }
    }

    public struct SurveyAnswered: Message, Equatable {
        public static let type: MessageType = "crm.survey.answered.v1"
        public var survey: Int64
        public var customer: Int64
        public var order: Int64
        public var csat: Int
        public var nps: Int?
        /// The complaint ticket a low score opened.
        public var ticket: Int64?
        public init(survey: Int64, customer: Int64, order: Int64, csat: Int, nps: Int?, ticket: Int64?) {
            (self.survey, self.customer, self.order, self.csat, self.nps, self.ticket) = (survey, customer, order, csat, nps, ticket)
        }
    }
}

extension CRMResult {
    public struct SurveyAnswered: Codable, Sendable, Equatable {
        public var survey: Int64
        public var customer: Int64
        public var ticket: Int64?
        public init(survey: Int64, customer: Int64, ticket: Int64?) { (self.survey, self.customer, self.ticket) = (survey, customer, ticket) }
    }
}
