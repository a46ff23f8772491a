import Foundation

/// Map functions: centimorgans from a recombination frequency r and back.
/// r ≥ 0.5 means the genes behave as unlinked; the distance is then infinite and the
/// functions return nil rather than ∞ (JSON cannot hold ∞). Negative or NaN r gives nil.
public enum MapFunction {
    /// Haldane (1919), no crossover interference: d = −½ ln(1 − 2r) morgans.
    public static func haldane(_ r: Double) -> Double? {
        guard r >= 0, r < 0.5 else { return nil }
        guard r > 0 else { return 0 }   // −½ ln 1 is −0.0, which would print as "-0.0 cM"
        return -0.5 * log(1 - 2 * r) * 100
    }

    /// Kosambi (1944), interference that fades with distance: d = ¼ ln((1 + 2r)/(1 − 2r)) morgans.
    public static func kosambi(_ r: Double) -> Double? {
        guard r >= 0, r < 0.5 else { return nil }
        guard r > 0 else { return 0 }
        return 0.25 * log((1 + 2 * r) / (1 - 2 * r)) * 100
    }

    /// Inverse of Haldane: r = ½ (1 − e^(−2d)), d in morgans.
    public static func haldaneRecombination(centimorgans cM: Double) -> Double {
        0.5 * (1 - exp(-2 * max(0, cM) / 100))
    }

    /// Inverse of Kosambi: r = ½ tanh(2d), d in morgans.
    public static func kosambiRecombination(centimorgans cM: Double) -> Double {
        0.5 * tanh(2 * max(0, cM) / 100)
    }
}

/// Wilson (1927) score interval for a binomial proportion: the set of p whose score test
/// does not reject, p̂ = k/n:
///   centre = (p̂ + z²/2n) / (1 + z²/n),  half-width = z/(1 + z²/n) · √(p̂(1 − p̂)/n + z²/4n²).
/// Unlike p̂ ± z·SE it stays inside [0, 1] and is not zero-width when k = 0 or k = n.
public struct WilsonInterval: Hashable, Codable, Sendable {
    public var lower: Double
    public var upper: Double
    /// Nominal coverage, e.g. 0.95.
    public var confidence: Double

    /// The normal quantile for a 95 % interval, Φ⁻¹(0.975).
    public static let z95 = 1.959963984540054

    /// nil when n = 0 (no information) or k is outside 0…n.
    public init?(successes k: Int, trials n: Int, z: Double = WilsonInterval.z95, confidence: Double = 0.95) {
        guard n > 0, k >= 0, k <= n else { return nil }
        let nn = Double(n), p = Double(k) / nn, z2 = z * z
        let denominator = 1 + z2 / nn
        let centre = (p + z2 / (2 * nn)) / denominator
        let half = z / denominator * (p * (1 - p) / nn + z2 / (4 * nn * nn)).squareRoot()
        lower = max(0, centre - half)
        upper = min(1, centre + half)
        self.confidence = confidence
    }
}

/// Recombination frequency from counted flies: r = recombinants / informative flies.
public struct RecombinationEstimate: Hashable, Codable, Sendable {
    public var recombinants: Int
    /// Flies in parental or recombinant classes.
    public var total: Int
    /// r = recombinants / total; nil when total = 0.
    public var frequency: Double?
    /// √(r(1 − r)/n), the binomial standard error.
    public var standardError: Double?
    /// 95 % Wilson score interval for r.
    public var interval: WilsonInterval?
    /// Map distance in cM by Haldane's and Kosambi's functions; nil when r ≥ 0.5 (unlinked).
    public var haldaneCentimorgans: Double?
    public var kosambiCentimorgans: Double?
    /// Kosambi distances of the interval ends (nil when that end reaches 0.5).
    public var kosambiLowerCentimorgans: Double?
    public var kosambiUpperCentimorgans: Double?
    /// r ≥ 0.5: as many recombinant as parental flies (or more), i.e. no sign of linkage.
    public var unlinked: Bool
    /// The standard-map comparison, when the cross gives a map distance.
    public var referenceMapDistance: Double?
    /// Two-point r expected across the reference distance (Kosambi; see `Linkage`).
    public var referenceRecombination: Double?
    /// Whether the reference r lies inside the 95 % interval.
    public var referenceInInterval: Bool?

    public init(recombinants: Int, total: Int, reference: Linkage? = nil) {
        precondition(recombinants >= 0 && recombinants <= total, "recombinants must be within 0…total")
        self.recombinants = recombinants
        self.total = total
        let r = total > 0 ? Double(recombinants) / Double(total) : nil
        frequency = r
        standardError = r.map { ($0 * (1 - $0) / Double(total)).squareRoot() }
        interval = WilsonInterval(successes: recombinants, trials: total)
        haldaneCentimorgans = r.flatMap(MapFunction.haldane)
        kosambiCentimorgans = r.flatMap(MapFunction.kosambi)
        kosambiLowerCentimorgans = interval.flatMap { MapFunction.kosambi($0.lower) }
        kosambiUpperCentimorgans = interval.flatMap { MapFunction.kosambi($0.upper) }
        unlinked = (r ?? 0) >= 0.5
        referenceMapDistance = reference?.mapDistance
        referenceRecombination = reference?.referenceRecombination
        if let ref = referenceRecombination, let interval {
            referenceInInterval = interval.lower <= ref && ref <= interval.upper
        }
    }

    /// One or two sentences for the report.
    public var sentence: String {
        guard let r = frequency, let se = standardError else {
            return "No flies in parental or recombinant classes, so the recombination frequency cannot be estimated."
        }
        var s = "Recombination frequency r = \(recombinants)/\(total) = \(Format.fixed(r, 3)) (SE \(Format.fixed(se, 3))"
        if let interval { s += "; 95 % Wilson interval \(Format.fixed(interval.lower, 3))–\(Format.fixed(interval.upper, 3))" }
        s += ")"
        if unlinked {
            s += ": at least as many recombinant as parental flies, so the genes show no linkage "
                + "(or the parental classes are not the ones the cross assumes); the map distance is not finite."
        } else if let h = haldaneCentimorgans, let k = kosambiCentimorgans {
            s += ", a map distance of \(Format.fixed(k, 1)) cM (Kosambi) or \(Format.fixed(h, 1)) cM (Haldane)."
        }
        if let d = referenceMapDistance, let ref = referenceRecombination, let inside = referenceInInterval {
            s += " The standard map puts the genes \(Format.trimmed(d)) cM apart, which corresponds to r ≈ \(Format.fixed(ref, 3))"
                + " in a two-point cross; that value is \(inside ? "inside" : "outside") the interval."
        }
        return s
    }
}
