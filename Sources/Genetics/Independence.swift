/// Pearson's chi-square test of independence on a 2×2 table
///
///             col 1   col 2
///     row 1     a       b
///     row 2     c       d
///
/// χ² = N (ad − bc)² / ((a+b)(c+d)(a+c)(b+d)), df = 1 (Pearson 1900; Fisher 1922 for the df),
/// and with Yates' (1934) continuity correction χ²_Y = N (max(0, |ad − bc| − N/2))² / (same).
/// The shortcut formula is the same number as Σ (O − E)²/E with E = row total × column total / N.
public struct TwoByTwoTest: Hashable, Codable, Sendable {
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// [[a, b], [c, d]].
    public var counts: [[Int]]
    /// Expected counts under independence; nil when a row or column total is 0.
    public var expected: [[Double]]?
    public var statistic: Double?
    public var pValue: Double?
    public var yatesStatistic: Double?
    public var yatesPValue: Double?
    public var degreesOfFreedom: Int { 1 }
    /// An expected count below 5: the p-values are approximate (Yates' is the more cautious).
    public var lowExpectedCount: Bool
    /// Why there is no statistic (a row or column with no flies), else nil.
    public var untestableReason: String?

    public init(_ a: Int, _ b: Int, _ c: Int, _ d: Int,
                rowLabels: [String] = ["row 1", "row 2"], columnLabels: [String] = ["column 1", "column 2"]) {
        precondition(a >= 0 && b >= 0 && c >= 0 && d >= 0, "negative count in a 2×2 table")
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        counts = [[a, b], [c, d]]
        // Doubles throughout: the products of four totals overflow Int for large tables.
        let (da, db, dc, dd) = (Double(a), Double(b), Double(c), Double(d))
        let rows = [da + db, dc + dd], cols = [da + dc, db + dd], n = da + db + dc + dd
        guard let empty = Self.emptyMargin(rows: rows, cols: cols, rowLabels: rowLabels, columnLabels: columnLabels) else {
            let e = rows.map { r in cols.map { r * $0 / n } }
            expected = e
            let denominator = rows[0] * rows[1] * cols[0] * cols[1]
            let cross = abs(da * dd - db * dc)
            let chi2 = n * cross * cross / denominator
            let corrected = max(0, cross - n / 2)
            let yates = n * corrected * corrected / denominator
            statistic = chi2
            yatesStatistic = yates
            pValue = ChiSquareDistribution.pValue(chi2, degreesOfFreedom: 1)
            yatesPValue = ChiSquareDistribution.pValue(yates, degreesOfFreedom: 1)
            lowExpectedCount = e.joined().contains { $0 < 5 }
            untestableReason = nil
            return
        }
        expected = nil
        statistic = nil
        pValue = nil
        yatesStatistic = nil
        yatesPValue = nil
        lowExpectedCount = false
        untestableReason = empty
    }

    private static func emptyMargin(rows: [Double], cols: [Double], rowLabels: [String], columnLabels: [String]) -> String? {
        if rows[0] + rows[1] == 0 { return "no flies" }
        for i in 0..<2 where rows[i] == 0 { return "no \(rowLabels[i]) flies" }
        for j in 0..<2 where cols[j] == 0 { return "no \(columnLabels[j]) flies" }
        return nil
    }

    /// "χ² = 4.20, df = 1, p = 0.040", nil when untestable.
    public var summary: String? {
        guard let statistic, let pValue else { return nil }
        return "χ² = \(Format.statistic(statistic)), df = 1, \(Format.pValue(pValue))"
    }
}

/// A 2×2 test between two of the fly's traits, with its reading in words.
public struct IndependenceTest: Hashable, Codable, Sendable {
    public var pair: TraitPair
    public var test: TwoByTwoTest
    /// Pearson p < alpha; nil when untestable. Yates' value is reported beside it and the
    /// sentence says so when the two disagree.
    public var significant: Bool?
    public var sentence: String

    public init(pair: TraitPair, counts: PhenotypeCounts, alpha: Double = 0.05) {
        self.pair = pair
        let table: TwoByTwoTest
        switch pair {
        case .eyeWing:
            let n = { (e: EyeColour, w: WingLength) in counts.count { $0.eye == e && $0.wing == w } }
            table = TwoByTwoTest(n(.red, .long), n(.red, .miniature), n(.white, .long), n(.white, .miniature),
                                 rowLabels: ["red-eyed", "white-eyed"], columnLabels: ["long-winged", "miniature-winged"])
        case .eyeSex:
            let n = { (e: EyeColour, s: Sex) in counts.count { $0.eye == e && $0.sex == s } }
            table = TwoByTwoTest(n(.red, .female), n(.red, .male), n(.white, .female), n(.white, .male),
                                 rowLabels: ["red-eyed", "white-eyed"], columnLabels: ["female", "male"])
        case .wingSex:
            let n = { (w: WingLength, s: Sex) in counts.count { $0.wing == w && $0.sex == s } }
            table = TwoByTwoTest(n(.long, .female), n(.long, .male), n(.miniature, .female), n(.miniature, .male),
                                 rowLabels: ["long-winged", "miniature-winged"], columnLabels: ["female", "male"])
        }
        test = table
        significant = table.pValue.map { $0 < alpha }
        sentence = Self.sentence(pair: pair, test: table, alpha: alpha)
    }

    private static func sentence(pair: TraitPair, test: TwoByTwoTest, alpha: Double) -> String {
        let title: String
        switch pair {
        case .eyeWing: title = "Eye colour × wing length"
        case .eyeSex: title = "Eye colour × sex"
        case .wingSex: title = "Wing length × sex"
        }
        guard let summary = test.summary, let p = test.pValue, let yp = test.yatesPValue,
              let ys = test.yatesStatistic else {
            return "\(title): cannot be tested (\(test.untestableReason ?? "no flies"))."
        }
        let associated = p < alpha
        var s: String
        switch (pair, associated) {
        case (.eyeWing, false):
            s = "Eye colour and wing length assort independently (\(summary))."
        case (.eyeWing, true):
            s = "Eye colour and wing length are not independent (\(summary)): the two genes do not assort "
                + "independently, which is what linkage does."
        case (.eyeSex, false), (.wingSex, false):
            s = "\(pair == .eyeSex ? "Red and white eyes" : "Long and miniature wings") occur in the same proportions "
                + "in females and males (\(summary))."
        case (.eyeSex, true), (.wingSex, true):
            s = "The proportions of \(pair == .eyeSex ? "red and white eyes" : "long and miniature wings") differ between "
                + "females and males (\(summary)): a sign of sex linkage, or of one class surviving or being scored "
                + "differently in one sex."
        }
        if (yp < alpha) != associated {
            s += " With Yates' correction χ² = \(Format.statistic(ys)), \(Format.pValue(yp)), which is "
                + "\(yp < alpha ? "significant" : "not significant"): treat the result as borderline."
        }
        if test.lowExpectedCount { s += " Some expected counts are below 5, so this p-value is approximate." }
        return s
    }
}
