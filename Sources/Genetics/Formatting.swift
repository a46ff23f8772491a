import Foundation

/// Number formatting for the sentences of a report. `String(format:)` with "%f" is
/// locale-independent, so a report reads the same on every machine.
enum Format {
    /// Fixed decimals: fixed(0.4700, 2) = "0.47".
    static func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }

    /// Shortest plain form up to 3 decimals: 9 → "9", 1.5 → "1.5", 0.3456 → "0.346".
    static func trimmed(_ x: Double) -> String {
        var s = String(format: "%.3f", x)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// χ² to 2 decimals, as textbooks quote it ("χ² = 0.47").
    static func statistic(_ x: Double) -> String { fixed(x, 2) }

    /// "p = 0.93" for p ≥ 0.1; three significant figures below that, so a p-value just
    /// under α never prints as α itself ("p = 0.0495"); "p < 0.001" for tiny values.
    static func pValue(_ p: Double) -> String {
        if p < 0.001 { return "p < 0.001" }
        if p >= 0.1 { return "p = " + fixed(p, 2) }
        let digits = 2 - Int(floor(log10(p)))   // 0.0495 → 4 decimals = 3 significant figures
        return "p = " + fixed(p, digits)
    }

    /// "0.05" for α.
    static func alpha(_ a: Double) -> String { trimmed(a) }
}
