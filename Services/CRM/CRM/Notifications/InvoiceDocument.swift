import Contracts
import Foundation

/// The invoice sent with `finance.invoice.issued.v1`, as an HTML document made from the
/// event: number, date, order, buyer, gross amount and tax.
enum InvoiceDocument {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func attachment(_ payload: JSONValue) -> MIMEMessage.Attachment {
        let invoice = NotificationContext.withAmountTexts(payload)
        let number = invoice["number"]?.text ?? "invoice"
        let rows: [(String, String?)] = [
            ("Invoice", invoice["number"]?.text), ("Issued on", invoice["issued_on"]?.text), ("Order", invoice["order"]?.integer.map(String.init)),
            ("Buyer", invoice["customer_name"]?.text), ("Email", invoice["customer_email"]?.text), ("Total", invoice["gross"]?["text"]?.text),
            ("Of which tax", invoice["tax"]?["text"]?.text),
        ]
        let table = rows.compactMap { label, value in value.map { "<tr><th>\(label)</th><td>\(escape($0))</td></tr>" } }.joined()
        let html = """
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>Invoice \(escape(number))</title></head>
            <body><h1>Invoice \(escape(number))</h1><table>\(table)</table></body></html>
            """
        let filename = "invoice-" + number.filter { $0.isLetter || $0.isNumber || $0 == "-" } + ".html"
        return MIMEMessage.Attachment(filename: filename, contentType: "text/html; charset=utf-8", data: Data(html.utf8))
    }
}
