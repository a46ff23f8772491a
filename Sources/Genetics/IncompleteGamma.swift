import Foundation

/// The regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 − P(a, x), which give
/// the chi-square distribution exactly: P(χ²_k ≥ x) = Q(k/2, x/2). No tables.
///
/// Method (Abramowitz & Stegun 6.5.29 and 6.5.31; the split as in Press et al., Numerical
/// Recipes, §6.2): for x < a + 1 the power series for P converges fast, and Q = 1 − P;
/// otherwise the continued fraction for Q converges fast and is evaluated directly, so a
/// tiny upper tail keeps full relative precision instead of being 1 − (almost 1).
public enum IncompleteGamma {
    /// Relative accuracy at which the series / continued fraction stop.
    static let epsilon = 1e-15
    /// Generous: both expansions need about √a iterations, 10 000 covers a up to ~10⁷.
    static let maxIterations = 10_000

    /// P(a, x), lower regularized incomplete gamma; a > 0, x ≥ 0 (NaN otherwise).
    public static func lower(_ a: Double, _ x: Double) -> Double {
        guard a > 0, x >= 0, a.isFinite, !x.isNaN else { return .nan }
        if x == 0 { return 0 }
        if x == .infinity { return 1 }
        return x < a + 1 ? series(a, x) : 1 - continuedFraction(a, x)
    }

    /// Q(a, x), upper regularized incomplete gamma; a > 0, x ≥ 0 (NaN otherwise).
    public static func upper(_ a: Double, _ x: Double) -> Double {
        guard a > 0, x >= 0, a.isFinite, !x.isNaN else { return .nan }
        if x == 0 { return 1 }
        if x == .infinity { return 0 }
        return x < a + 1 ? 1 - series(a, x) : continuedFraction(a, x)
    }

    /// log of the common prefactor xᵃ e⁻ˣ / Γ(a), computed in logs so large a and x neither
    /// overflow nor underflow before the end.
    private static func logPrefactor(_ a: Double, _ x: Double) -> Double { a * log(x) - x - lgamma(a) }

    /// P(a, x) = xᵃ e⁻ˣ / Γ(a) · Σₙ xⁿ / (a (a+1) … (a+n)).
    private static func series(_ a: Double, _ x: Double) -> Double {
        var term = 1 / a, sum = term, denominator = a
        for _ in 0..<maxIterations {
            denominator += 1
            term *= x / denominator
            sum += term
            if abs(term) < abs(sum) * epsilon { break }
        }
        return min(1, sum * exp(logPrefactor(a, x)))
    }

    /// Q(a, x) = xᵃ e⁻ˣ / Γ(a) · 1/(x+1−a− 1(1−a)/(x+3−a− 2(2−a)/(x+5−a− …))), evaluated
    /// with the modified Lentz method (Lentz 1976; Thompson & Barnett 1986).
    private static func continuedFraction(_ a: Double, _ x: Double) -> Double {
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        for i in 1...maxIterations {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return max(0, min(1, exp(logPrefactor(a, x)) * h))
    }
}

/// The chi-square distribution.
public enum ChiSquareDistribution {
    /// Upper-tail probability P(χ²_df ≥ x): the p-value of a chi-square statistic x.
    /// 1 for x ≤ 0; NaN for df < 1 or x NaN.
    public static func pValue(_ x: Double, degreesOfFreedom df: Int) -> Double {
        guard df >= 1, !x.isNaN else { return .nan }
        if x <= 0 { return 1 }
        return IncompleteGamma.upper(Double(df) / 2, x / 2)
    }

    /// Lower-tail probability P(χ²_df ≤ x).
    public static func cdf(_ x: Double, degreesOfFreedom df: Int) -> Double {
        guard df >= 1, !x.isNaN else { return .nan }
        if x <= 0 { return 0 }
        return IncompleteGamma.lower(Double(df) / 2, x / 2)
    }
}
