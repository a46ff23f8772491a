import Foundation
import Genetics

/// A fly a person should check, with its crop as an inline JPEG.
public struct ReviewThumbnail: Sendable {
    public var record: FlyRecord
    /// JPEG bytes of the crop (a few KB).
    public var jpeg: [UInt8]
    public init(record: FlyRecord, jpeg: [UInt8]) {
        self.record = record
        self.jpeg = jpeg
    }
}

/// `report.html`: one self-contained page (no network: styles inline, charts as inline SVG,
/// thumbnails as data URIs) with the totals, observed vs expected charts, the statistics and a
/// plain-language conclusion, per-photo counts, and the flies that need review.
public enum ReportHTML {
    public struct Input {
        public var photos: [PhotoCount]
        public var analysis: CrossAnalysis?
        /// The same analysis without the flies marked for review.
        public var analysisWithoutReview: CrossAnalysis?
        public var analysisProblem: String?
        public var review: [ReviewThumbnail]
        public var reviewPolicy: ReviewPolicy
        public var skipped: [String]
        public var models: String
        public var generated: Date

        public init(photos: [PhotoCount], analysis: CrossAnalysis?, analysisWithoutReview: CrossAnalysis?, analysisProblem: String?,
                    review: [ReviewThumbnail], reviewPolicy: ReviewPolicy, skipped: [String], models: String, generated: Date = Date()) {
            self.photos = photos
            self.analysis = analysis
            self.analysisWithoutReview = analysisWithoutReview
            self.analysisProblem = analysisProblem
            self.review = review
            self.reviewPolicy = reviewPolicy
            self.skipped = skipped
            self.models = models
            self.generated = generated
        }
    }

    public static func render(_ input: Input) -> String {
        let records = input.photos.flatMap(\.flies)
        let all = CountTables.counts(records), sure = CountTables.counts(records, excludingReview: true)
        var h = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>FlyTally report</title>
        <style>
        body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:60em;padding:0 1em;color:#222}
        h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}
        table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
        th:first-child,td:first-child{text-align:left}.conclusion{font-size:1.1em;background:#f3f6fa;padding:.8em 1em;border-left:4px solid #4a78b5}
        .deviates{border-left-color:#c0392b}.muted{color:#666;font-size:.9em}.thumbs{display:flex;flex-wrap:wrap;gap:.6em}
        .thumb{text-align:center;font-size:.8em;width:120px}.thumb img{width:112px;height:112px;border:1px solid #aaa}
        </style></head><body>
        <h1>FlyTally count</h1>
        <p class="muted">\(input.photos.count) photos, \(records.count) flies, \(records.filter(\.review).count) need review · generated \(escape(ISO8601DateFormatter().string(from: input.generated))) · \(escape(input.models))</p>

        """
        h += "<h2>Totals</h2>\n" + totalsTable(all: all, sure: sure)
        if let a = input.analysis {
            h += "<h2>Test of the cross: \(escape(a.cross.name))</h2>\n<p>\(escape(a.cross.description))</p>\n"
            h += "<p class=\"conclusion\(a.conclusion.verdict == .deviates ? " deviates" : "")\">\(escape(a.conclusion.text))</p>\n"
            h += chart(a)
            h += fitTable(a)
            if let r = a.recombination { h += recombinationTable(r) }
            if !a.independence.isEmpty {
                h += "<h3>2×2 tests of independence</h3>\n<ul>\n" + a.independence.map { "<li>\(escape($0.sentence))</li>" }.joined(separator: "\n") + "\n</ul>\n"
            }
            if let b = input.analysisWithoutReview {
                h += "<h3>Without the flies that need review</h3>\n<p>\(escape(b.conclusion.text))</p>\n"
            }
        } else if let problem = input.analysisProblem {
            h += "<h2>Statistics</h2>\n<p>\(escape(problem))</p>\n"
        }
        h += "<h2>Per photo</h2>\n" + perPhotoTable(input.photos)
        h += "<h2>Flies that need review</h2>\n"
        h += "<p class=\"muted\">A fly needs review when a trait probability lies between \(input.reviewPolicy.lower) and \(input.reviewPolicy.upper). Correct them in a CSV (photo,fly,eye,wing,sex[,remove]) and run <code>flytally count --review corrections.csv --out DIR</code>.</p>\n"
        if input.review.isEmpty {
            h += "<p>None.</p>\n"
        } else {
            h += "<div class=\"thumbs\">\n"
            for t in input.review {
                let r = t.record
                h += "<div class=\"thumb\"><img alt=\"fly \(r.fly)\" src=\"data:image/jpeg;base64,\(Data(t.jpeg).base64EncodedString())\"><br>"
                h += "\(escape(r.photo)) #\(r.fly)<br>\(escape(r.phenotype))<br>"
                h += String(format: "p(white) %.2f · p(mini) %.2f · p(male) %.2f", r.pWhite, r.pMiniature, r.pMale) + "</div>\n"
            }
            h += "</div>\n"
        }
        if !input.skipped.isEmpty {
            h += "<h2>Skipped</h2>\n<ul>\n" + input.skipped.map { "<li>\(escape($0))</li>" }.joined(separator: "\n") + "\n</ul>\n"
        }
        h += "<p class=\"muted\">Formulas and their sources: docs/GENETICS.md in the FlyTally repository.</p>\n</body></html>\n"
        return h
    }

    static func totalsTable(all: PhenotypeCounts, sure: PhenotypeCounts) -> String {
        var t = "<table><tr><th>phenotype</th><th>count</th><th>without review flies</th></tr>\n"
        for p in Phenotype.all { t += "<tr><td>\(escape(p.name))</td><td>\(all[p])</td><td>\(sure[p])</td></tr>\n" }
        t += "<tr><th>total</th><th>\(all.total)</th><th>\(sure.total)</th></tr></table>\n"
        return t
    }

    static func fitTable(_ a: CrossAnalysis) -> String {
        var t = "<table><tr><th>class</th><th>observed</th><th>expected</th><th>(O−E)²/E</th></tr>\n"
        for row in a.fit.rows {
            t += "<tr><td>\(escape(row.name))</td><td>\(row.observed)</td><td>\(String(format: "%.1f", row.expected))</td><td>\(row.contribution.map { String(format: "%.3f", $0) } ?? "–")</td></tr>\n"
        }
        let stat = a.fit.statistic.map { String(format: "%.3f", $0) } ?? "–", p = a.fit.pValue.map { String(format: "%.4g", $0) } ?? "–"
        t += "<tr><th>χ²</th><th colspan=\"3\">\(stat), df = \(a.fit.degreesOfFreedom), p = \(p)</th></tr></table>\n"
        for w in a.fit.warnings { t += "<p class=\"muted\">\(escape(w))</p>\n" }
        return t
    }

    static func recombinationTable(_ r: RecombinationEstimate) -> String {
        func f(_ v: Double?, _ digits: Int = 3) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "–" }
        var t = "<h3>Recombination</h3>\n<table>"
        t += "<tr><td>recombinant flies / informative flies</td><td>\(r.recombinants) / \(r.total)</td></tr>"
        t += "<tr><td>recombination frequency r ± SE</td><td>\(f(r.frequency)) ± \(f(r.standardError))</td></tr>"
        if let i = r.interval { t += "<tr><td>95 % interval (Wilson)</td><td>\(f(i.lower)) – \(f(i.upper))</td></tr>" }
        t += "<tr><td>map distance, Haldane</td><td>\(f(r.haldaneCentimorgans, 1)) cM</td></tr>"
        t += "<tr><td>map distance, Kosambi</td><td>\(f(r.kosambiCentimorgans, 1)) cM</td></tr>"
        if let d = r.referenceMapDistance { t += "<tr><td>standard map distance</td><td>\(f(d, 1)) cM</td></tr>" }
        return t + "</table>\n"
    }

    static func perPhotoTable(_ photos: [PhotoCount]) -> String {
        // Column heads as initials (eye R/W, wing L/M, sex F/M) keep the table narrow.
        func code(_ p: Phenotype) -> String { [p.eye.rawValue, p.wing.rawValue, p.sex.rawValue].map { String($0.prefix(1)).uppercased() }.joined() }
        var t = "<p class=\"muted\">Columns: eye R/W (red/white), wing L/M (long/miniature), sex F/M (female/male).</p>\n"
        t += "<table><tr><th>photo</th>" + Phenotype.all.map { "<th title=\"\(escape($0.name))\">\(code($0))</th>" }.joined() + "<th>total</th><th>review</th><th>notes</th></tr>\n"
        for p in photos {
            let c = CountTables.counts(p.flies)
            t += "<tr><td>\(escape(p.photo))</td>" + Phenotype.all.map { "<td>\(c[$0])</td>" }.joined()
            t += "<td>\(c.total)</td><td>\(p.flies.filter(\.review).count)</td><td style=\"text-align:left\">\(escape(p.notes.joined(separator: "; ")))</td></tr>\n"
        }
        return t + "</table>\n"
    }

    /// Observed vs expected counts per class as grouped bars (inline SVG).
    static func chart(_ a: CrossAnalysis) -> String {
        let rows = a.fit.rows
        guard !rows.isEmpty else { return "" }
        let top = max(1, rows.map { max(Double($0.observed), $0.expected) }.max() ?? 1)
        let group = 112.0, barWidth = 36.0, height = 180.0, left = 40.0
        let width = left + group * Double(rows.count) + 10
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height + 84))\" role=\"img\" aria-label=\"observed and expected counts\">\n"
        s += "<line x1=\"\(left)\" y1=\"10\" x2=\"\(left)\" y2=\"\(height + 10)\" stroke=\"#444\"/><line x1=\"\(left)\" y1=\"\(height + 10)\" x2=\"\(width)\" y2=\"\(height + 10)\" stroke=\"#444\"/>\n"
        s += "<text x=\"\(left - 4)\" y=\"16\" font-size=\"10\" text-anchor=\"end\">\(Int(top.rounded()))</text><text x=\"\(left - 4)\" y=\"\(height + 10)\" font-size=\"10\" text-anchor=\"end\">0</text>\n"
        for (i, row) in rows.enumerated() {
            let x = left + 8 + Double(i) * group
            let ho = height * Double(row.observed) / top, he = height * row.expected / top
            s += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4a78b5\"><title>observed %d</title></rect>\n",
                        x, height + 10 - ho, barWidth, ho, row.observed)
            s += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#e3a33b\"><title>expected %.1f</title></rect>\n",
                        x + barWidth + 2, height + 10 - he, barWidth, he, row.expected)
            // One word per line ("red-eyed", "long-winged", "female") keeps neighbours apart.
            for (j, line) in row.name.split(separator: " ").prefix(4).enumerated() {
                s += "<text x=\"\(x + barWidth)\" y=\"\(height + 24 + Double(j) * 11)\" font-size=\"10\" text-anchor=\"middle\">\(escape(String(line)))</text>\n"
            }
        }
        s += "<rect x=\"\(left + 10)\" y=\"\(height + 66)\" width=\"10\" height=\"10\" fill=\"#4a78b5\"/><text x=\"\(left + 24)\" y=\"\(height + 75)\" font-size=\"11\">observed</text>\n"
        s += "<rect x=\"\(left + 90)\" y=\"\(height + 66)\" width=\"10\" height=\"10\" fill=\"#e3a33b\"/><text x=\"\(left + 104)\" y=\"\(height + 75)\" font-size=\"11\">expected</text>\n"
        return s + "</svg>\n"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
