import Contracts
import Foundation

/// The dashboard as one self-contained HTML page: inline SVG charts (no script, font or
/// image from elsewhere) with the figures each is drawn from printed beside it
/// (`data-figure` = what, the text = its value). A short inline script only notes, per chart,
/// how many marks the browser laid out with a size (`data-drawn`), for the page's own test.
public enum DashboardPage {
    static let width = 560.0
    static let height = 220.0
    static let palette = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563"]

    public static func render(_ data: DashboardData) -> String {
        var sections: [String] = []
        for (currency, series) in data.revenue {
            let total = series.map { ($0.name, $0.points.reduce(0) { $0 + $1.value }) }
            sections.append(
                section(
                    "revenue-\(currency)", "Revenue per day by platform (\(currency))", lines(series, currency: currency),
                    total.map { ("revenue/\(currency)/\($0.0)", "\($0.0)", money($0.1, currency)) }))
        }
        if data.revenue.isEmpty { sections.append(section("revenue", "Revenue per day by platform", empty("no sales yet"), [])) }
        sections.append(
            section("top-skus", "Top SKUs by units", bars(data.topSKUs), data.topSKUs.map { ("units/\($0.label)", $0.label, number($0.value, 0)) }))
        sections.append(
            section(
                "stock-cover", "Fewest days of stock cover", bars(data.cover),
                data.cover.map { ("cover/\($0.label)", $0.label, number($0.value, 1)) }))
        for (currency, buckets) in data.ageing {
            sections.append(
                section(
                    "ar-ageing-\(currency)", "Open receivables by age (\(currency))", columns(buckets, currency: currency),
                    buckets.map { ("ar/\(currency)/\($0.label)", $0.label, money($0.value, currency)) }))
        }
        if data.ageing.isEmpty { sections.append(section("ar-ageing", "Open receivables by age", empty("nothing open"), [])) }
        sections.append(
            section(
                "cohorts", "Retention by first-order month (% ordering again in month +n)", heatmap(data.cohorts),
                data.cohorts.flatMap { cohort in
                    cohort.retention.sorted { $0.key < $1.key }.map {
                        ("cohort/\(cohort.cohort)/\($0.key)", "\(cohort.cohort) +\($0.key)", number($0.value, 1))
                    }
                }))
        sections.append(
            section(
                "forecast", "Weekly units of \(data.forecastSKU ?? "the best seller") and its forecast (80 % interval)", band(data),
                data.forecast.flatMap { week in
                    [
                        ("forecast/\(week.week)", "week of \(week.week)", number(week.units, 1)),
                        ("forecast-lower/\(week.week)", "lower", number(week.lower, 1)),
                        ("forecast-upper/\(week.week)", "upper", number(week.upper, 1)),
                    ]
                }))
        let period = data.window.map { "sales of \($0.from) to \($0.to)" } ?? "no sales yet"
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>ERP dashboard</title>
            <style>
            body { font: 13px system-ui, sans-serif; margin: 24px; color: #111827; background: #fff; }
            h1 { font-size: 20px; margin: 0 0 4px; } p.meta { color: #6b7280; margin: 0 0 20px; }
            main { display: grid; grid-template-columns: repeat(auto-fill, minmax(600px, 1fr)); gap: 20px; }
            section.chart { border: 1px solid #e5e7eb; border-radius: 6px; padding: 12px; }
            h2 { font-size: 14px; margin: 0 0 8px; } svg { display: block; }
            dl.figures { display: grid; grid-template-columns: auto auto; gap: 2px 12px; margin: 8px 0 0; max-height: 160px; overflow: auto; }
            dt { color: #4b5563; } dd { margin: 0; font-variant-numeric: tabular-nums; text-align: right; }
            </style></head>
            <body><h1>ERP dashboard</h1><p class="meta">\(escape(period)); made \(ISO8601DateFormatter().string(from: data.generatedAt))</p>
            <main>
            \(sections.joined(separator: "\n"))
            </main>
            <script>
            for (const chart of document.querySelectorAll('section.chart')) {
              let drawn = 0;
              for (const mark of chart.querySelectorAll('.mark')) { const box = mark.getBBox(); if (box.width > 0 || box.height > 0) drawn++; }
              chart.dataset.drawn = String(drawn);
            }
            </script>
            </body></html>

            """
    }

    static func section(_ id: String, _ title: String, _ svg: String, _ figures: [(key: String, label: String, value: String)]) -> String {
        let list = figures.map { "<dt>\(escape($0.label))</dt><dd data-figure=\"\(escape($0.key))\">\(escape($0.value))</dd>" }.joined()
        return """
            <section class="chart" data-chart="\(escape(id))"><h2>\(escape(title))</h2>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(escape(title))">\(svg)</svg>
            <dl class="figures">\(list)</dl></section>
            """
    }

    static func empty(_ text: String) -> String {
        "<text x=\"\(Int(width / 2))\" y=\"\(Int(height / 2))\" text-anchor=\"middle\" fill=\"#9ca3af\">\(escape(text))</text>"
    }

    /// A plot area with its axis and the largest value.
    static func frame(_ maximum: Double, label: String? = nil) -> String {
        """
        <line x1="40" y1="10" x2="40" y2="\(Int(height - 30))" stroke="#9ca3af"/><line x1="40" y1="\(Int(height - 30))" x2="\(Int(width - 10))" y2="\(Int(height - 30))" stroke="#9ca3af"/>\
        <text x="36" y="16" text-anchor="end" fill="#6b7280" font-size="10">\(escape(label ?? number(maximum, 0)))</text>\
        <text x="36" y="\(Int(height - 30))" text-anchor="end" fill="#6b7280" font-size="10">0</text>
        """
    }

    static func y(_ value: Double, _ maximum: Double) -> Double { (height - 30) - (maximum > 0 ? value / maximum : 0) * (height - 40) }

    static func lines(_ series: [DashboardData.Series], currency: String) -> String {
        let labels = Array(Set(series.flatMap { $0.points.map(\.label) })).sorted()
        guard !labels.isEmpty else { return empty("no sales yet") }
        let maximum = series.flatMap { $0.points.map(\.value) }.max() ?? 0
        func x(_ label: String) -> Double {
            let index = Double(labels.firstIndex(of: label) ?? 0)
            return labels.count == 1 ? (40 + width - 10) / 2 : 40 + index / Double(labels.count - 1) * (width - 60)
        }
        var svg = frame(maximum, label: money(maximum, currency))
        for (index, line) in series.enumerated() {
            let color = palette[index % palette.count]
            let points = line.points.map { "\(fmt(x($0.label))),\(fmt(y($0.value, maximum)))" }.joined(separator: " ")
            svg += "<polyline class=\"mark\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points)\"/>"
            svg += line.points.map {
                "<circle class=\"mark\" cx=\"\(fmt(x($0.label)))\" cy=\"\(fmt(y($0.value, maximum)))\" r=\"3\" fill=\"\(color)\"/>"
            }.joined()
            svg += "<text x=\"\(50 + index * 110)\" y=\"\(Int(height - 8))\" fill=\"\(color)\" font-size=\"11\">■ \(escape(line.name))</text>"
        }
        svg += "<text x=\"44\" y=\"\(Int(height - 18))\" fill=\"#6b7280\" font-size=\"10\">\(escape(labels.first!))</text>"
        svg +=
            "<text x=\"\(Int(width - 10))\" y=\"\(Int(height - 18))\" text-anchor=\"end\" fill=\"#6b7280\" font-size=\"10\">\(escape(labels.last!))</text>"
        return svg
    }

    /// Horizontal bars, a label on each.
    static func bars(_ points: [DashboardData.Point]) -> String {
        guard !points.isEmpty else { return empty("nothing to show") }
        let maximum = points.map(\.value).max() ?? 0
        let row = (height - 10) / Double(max(points.count, 5))
        return points.enumerated().map { index, point in
            let length = maximum > 0 ? max(1, point.value / maximum * (width - 230)) : 1
            let top = 5 + Double(index) * row
            return """
                <text x="200" y="\(fmt(top + row * 0.7))" text-anchor="end" font-size="11">\(escape(point.label))</text>\
                <rect class="mark" x="206" y="\(fmt(top + 2))" width="\(fmt(length))" height="\(fmt(row - 4))" fill="\(palette[0])"/>
                """
        }.joined()
    }

    /// Vertical bars with their labels under them.
    static func columns(_ points: [DashboardData.Point], currency: String) -> String {
        let maximum = points.map(\.value).max() ?? 0
        let slot = (width - 60) / Double(max(points.count, 1))
        return frame(maximum, label: money(maximum, currency))
            + points.enumerated().map { index, point in
                let top = y(point.value, maximum)
                let left = 44 + Double(index) * slot
                return """
                    <rect class="mark" x="\(fmt(left + 6))" y="\(fmt(top))" width="\(fmt(slot - 12))" height="\(fmt(max(point.value > 0 ? 1 : 0, height - 30 - top)))" fill="\(palette[1])"/>\
                    <text x="\(fmt(left + slot / 2))" y="\(Int(height - 16))" text-anchor="middle" font-size="11">\(escape(point.label))</text>
                    """
            }.joined()
    }

    static func heatmap(_ cohorts: [(cohort: String, customers: Int, retention: [Int: Double])]) -> String {
        guard !cohorts.isEmpty else { return empty("no customers yet") }
        let cell = min(26, (height - 30) / Double(cohorts.count))
        var svg = (0...6).map {
            "<text x=\"\(fmt(120 + Double($0) * 60 + 28))\" y=\"14\" text-anchor=\"middle\" font-size=\"10\" fill=\"#6b7280\">+\($0)</text>"
        }.joined()
        for (row, cohort) in cohorts.enumerated() {
            let top = 20 + Double(row) * cell
            svg +=
                "<text x=\"112\" y=\"\(fmt(top + cell * 0.7))\" text-anchor=\"end\" font-size=\"11\">\(escape(cohort.cohort)) (\(cohort.customers))</text>"
            for (month, percent) in cohort.retention.sorted(by: { $0.key < $1.key }) where month <= 6 {
                let left = 120 + Double(month) * 60
                svg += """
                    <rect class="mark" x="\(fmt(left))" y="\(fmt(top))" width="56" height="\(fmt(cell - 2))" fill="\(palette[2])" fill-opacity="\(fmt(0.15 + 0.85 * min(100, percent) / 100))"/>\
                    <text x="\(fmt(left + 28))" y="\(fmt(top + cell * 0.7))" text-anchor="middle" font-size="10">\(number(percent, 0))%</text>
                    """
            }
        }
        return svg
    }

    /// Weekly history, then the forecast with its interval as a band.
    static func band(_ data: DashboardData) -> String {
        let labels = data.history.map(\.label) + data.forecast.map(\.week)
        guard !labels.isEmpty, !data.forecast.isEmpty else { return empty("no forecast yet (erpctl analytics run forecast)") }
        let maximum = max(data.history.map(\.value).max() ?? 0, data.forecast.map(\.upper).max() ?? 0)
        func x(_ index: Int) -> Double { labels.count == 1 ? width / 2 : 40 + Double(index) / Double(labels.count - 1) * (width - 60) }
        let offset = data.history.count
        let upper = data.forecast.enumerated().map { "\(fmt(x(offset + $0.offset))),\(fmt(y($0.element.upper, maximum)))" }
        let lower = data.forecast.enumerated().reversed().map { "\(fmt(x(offset + $0.offset))),\(fmt(y($0.element.lower, maximum)))" }
        var svg = frame(maximum)
        svg +=
            "<polygon class=\"mark\" fill=\"\(palette[0])\" fill-opacity=\"0.18\" stroke=\"none\" points=\"\((upper + lower).joined(separator: " "))\"/>"
        let expected = data.forecast.enumerated().map { "\(fmt(x(offset + $0.offset))),\(fmt(y($0.element.units, maximum)))" }
        svg +=
            "<polyline class=\"mark\" fill=\"none\" stroke=\"\(palette[0])\" stroke-width=\"2\" stroke-dasharray=\"5 3\" points=\"\(expected.joined(separator: " "))\"/>"
        if !data.history.isEmpty {
            let past = data.history.enumerated().map { "\(fmt(x($0.offset))),\(fmt(y($0.element.value, maximum)))" }
            svg += "<polyline class=\"mark\" fill=\"none\" stroke=\"#111827\" stroke-width=\"2\" points=\"\(past.joined(separator: " "))\"/>"
            svg += data.history.enumerated().map {
                "<circle class=\"mark\" cx=\"\(fmt(x($0.offset)))\" cy=\"\(fmt(y($0.element.value, maximum)))\" r=\"3\" fill=\"#111827\"/>"
            }.joined()
        }
        svg += "<text x=\"44\" y=\"\(Int(height - 16))\" fill=\"#6b7280\" font-size=\"10\">\(escape(labels.first!))</text>"
        svg +=
            "<text x=\"\(Int(width - 10))\" y=\"\(Int(height - 16))\" text-anchor=\"end\" fill=\"#6b7280\" font-size=\"10\">\(escape(labels.last!))</text>"
        return svg
    }

    static func money(_ minor: Double, _ currency: String) -> String {
        guard let code = try? Currency(code: currency) else { return number(minor, 0) }
        return Money(minorUnits: Int64(minor), currency: code).decimalString
    }

    static func number(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }
    static func fmt(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
