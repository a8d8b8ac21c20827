import Foundation

/// A self-contained HTML page of a bench: the tables and two SVG charts (cumulative
/// disk and cumulative time against the number of environments, one line per strategy).
public enum BenchReportHTML {
    public static func render(_ result: BenchResult) -> String {
        let diskSeries = result.strategies.map { strategy in
            (strategy.strategy, strategy.cumulative.map { (Double($0.environments), Double(max($0.exclusiveBytes, $0.statfsDropBytes)) / 1_048_576) })
        }
        let timeSeries = result.strategies.map { strategy in
            (strategy.strategy, strategy.cumulative.map { (Double($0.environments), $0.seconds) })
        }
        var rows = ""
        for strategy in result.strategies {
            for environment in strategy.environments {
                rows += "<tr><td>\(strategy.strategy)</td><td>\(escape(environment.name))</td><td>\(environment.cloneStrategy)</td>"
                    + "<td>\(format(environment.cloneSeconds)) s</td><td>\(environment.upSeconds.map { format($0) + " s" } ?? "-")</td>"
                    + "<td>\(ByteFormatting.iec(environment.exclusiveBytes))</td><td>\(ByteFormatting.iec(environment.statfsDropBytes))</td>"
                    + "<td>\(environment.memoryBytes.map { ByteFormatting.iec($0) } ?? "-")</td>"
                    + "<td>\(environment.cpuPercent.map { format($0) + " %" } ?? "-")</td><td>\(environment.containers)</td></tr>\n"
            }
        }
        let limits = result.plan.limits.map { limit in
            "<tr><td>\(limit.resource)</td><td>\(limit.environments.map(String.init) ?? "no limit measured")</td></tr>"
        }.joined(separator: "\n")
        return """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>cilo bench: \(escape(result.project))</title>
            <style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
            th{background:#eee}svg{border:1px solid #ddd;margin:1em 1em 1em 0}.plan{font-size:1.2em;font-weight:bold}</style></head><body>
            <h1>cilo bench: \(escape(result.project))</h1>
            <p>\(result.environmentsPerStrategy) environments per strategy, \(result.parallel ? "made in parallel" : "made one after another"),
            source \(escape(result.source)) (\(ByteFormatting.iec(result.sourceApparentBytes)) apparent, \(ByteFormatting.iec(result.sourceAllocatedBytes)) allocated)
            on \(result.filesystem); host: \(result.host.cpus) CPUs, \(ByteFormatting.iec(result.host.memoryBytes)) memory, \(ByteFormatting.iec(result.host.diskAvailableBytes)) free disk.</p>
            <p class="plan">\(escape(result.plan.summary))</p>
            <table><tr><th>resource</th><th>environments it allows</th></tr>
            \(limits)
            </table>
            \(chart(title: "cumulative disk (MiB)", series: diskSeries))
            \(chart(title: "cumulative time (s)", series: timeSeries))
            <table><tr><th>strategy</th><th>environment</th><th>clone</th><th>clone time</th><th>up time</th><th>exclusive</th><th>statfs drop</th><th>memory</th><th>CPU</th><th>containers</th></tr>
            \(rows)</table>
            </body></html>

            """
    }

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"]

    /// A line chart, 480x260, x from 0 to the largest n, y from 0 to the largest value.
    static func chart(title: String, series: [(String, [(Double, Double)])]) -> String {
        let width = 480.0, height = 260.0, left = 60.0, bottom = 30.0, top = 30.0
        let maxX = max(1, series.flatMap { $0.1.map(\.0) }.max() ?? 1)
        let maxY = max(0.001, series.flatMap { $0.1.map(\.1) }.max() ?? 1) * 1.1
        func x(_ value: Double) -> Double { left + value / maxX * (width - left - 20) }
        func y(_ value: Double) -> Double { height - bottom - value / maxY * (height - bottom - top) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\">"
        svg += "<text x=\"\(left)\" y=\"18\" font-size=\"14\">\(escape(title)) vs environments</text>"
        svg += "<line x1=\"\(left)\" y1=\"\(y(0))\" x2=\"\(width - 20)\" y2=\"\(y(0))\" stroke=\"#444\"/>"
        svg += "<line x1=\"\(left)\" y1=\"\(y(0))\" x2=\"\(left)\" y2=\"\(top)\" stroke=\"#444\"/>"
        svg += "<text x=\"\(left - 5)\" y=\"\(y(maxY / 1.1) + 4)\" font-size=\"11\" text-anchor=\"end\">\(format(maxY / 1.1))</text>"
        svg += "<text x=\"\(left - 5)\" y=\"\(y(0) + 4)\" font-size=\"11\" text-anchor=\"end\">0</text>"
        svg += "<text x=\"\(x(maxX))\" y=\"\(height - 10)\" font-size=\"11\" text-anchor=\"middle\">\(Int(maxX))</text>"
        for (index, (name, points)) in series.enumerated() {
            let color = colors[index % colors.count]
            let path = ([(0.0, 0.0)] + points).map { "\(format(x($0.0))),\(format(y($0.1)))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(path)\"/>"
            svg += "<text x=\"\(width - 140)\" y=\"\(top + 14 * Double(index + 1))\" font-size=\"12\" fill=\"\(color)\">\(escape(name))</text>"
        }
        return svg + "</svg>"
    }

    static func format(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = abs(hundredths % 100)
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
