/// The verdict of an analysis in words, at significance level α.
public struct Conclusion: Hashable, Codable, Sendable {
    public enum Verdict: String, Hashable, Codable, Sendable {
        /// p ≥ α: no evidence against the expected ratio.
        case consistent
        /// p < α (or flies in a class the ratio rules out).
        case deviates
        /// No flies, or too few for the chi-square approximation (Cochran's rule).
        case notEnoughFlies
        /// The counts exist but no test is possible (no degrees of freedom left).
        case notTestable
    }

    public var verdict: Verdict
    /// The main sentence, e.g. "The counts are consistent with the expected 9:3:3:1 ratio
    /// (χ² = 0.47, df = 3, p = 0.93)."
    public var summary: String
    /// Further sentences: recombination, 2×2 tests, warnings.
    public var details: [String]

    /// Summary and details as one paragraph.
    public var text: String { ([summary] + details).joined(separator: " ") }
}

/// Everything the lab report says about one set of counts: the entry point of this module.
public struct CrossAnalysis: Hashable, Codable, Sendable {
    /// Where the recombination frequency behind the expected counts came from.
    public enum RecombinationSource: String, Hashable, Codable, Sendable {
        /// Estimated from these counts (costs one degree of freedom).
        case estimated
        /// Given by the user.
        case given
        /// No informative flies to estimate from: the standard-map value (or 0.5) was used.
        case mapReference
        /// The cross does not involve linkage.
        case notApplicable
    }

    public var cross: Cross
    public var counts: PhenotypeCounts
    public var alpha: Double
    /// All flies counted.
    public var totalFlies: Int
    /// Flies whose phenotype no class of the cross takes (only with `allowUncovered`).
    public var excludedFlies: Int
    /// r behind the expected counts (linked crosses only).
    public var recombinationUsed: Double?
    public var recombinationSource: RecombinationSource
    /// Observed and expected count per class, the χ² statistic, df and p-value.
    public var fit: GoodnessOfFit
    public var independence: [IndependenceTest]
    /// r = recombinants / (parental + recombinant flies), for linked crosses.
    public var recombination: RecombinationEstimate?
    public var conclusion: Conclusion

    /// - Parameters:
    ///   - alpha: significance level, 0 < α < 1.
    ///   - recombination: for a linked cross, the r to test against (0…0.5); nil estimates
    ///     it from the counts and takes one degree of freedom off. Ignored for other crosses.
    public init(cross: Cross, counts: PhenotypeCounts, alpha: Double = 0.05, recombination: Double? = nil) throws(GeneticsError) {
        guard alpha > 0, alpha < 1 else { throw .invalidAlpha(alpha) }
        if let r = recombination, !(r >= 0 && r <= 0.5) { throw .invalidRecombination(r) }
        try cross.validate()
        self.cross = cross
        self.counts = counts
        self.alpha = alpha
        totalFlies = counts.total

        // Fold the eight phenotype counts into the cross's classes.
        var observed = Array(repeating: 0, count: cross.classes.count), excluded = 0
        var covered = PhenotypeCounts()
        for p in Phenotype.all {
            if let i = cross.classIndex(of: p) {
                observed[i] += counts[p]
                covered[p] = counts[p]
            } else {
                excluded += counts[p]
            }
        }
        excludedFlies = excluded

        var estimated = 0
        if let linkage = cross.linkage {
            let roles = cross.classes.map(\.role)
            let recombinants = zip(observed, roles).reduce(0) { $0 + ($1.1 == .recombinant ? $1.0 : 0) }
            let informative = zip(observed, roles).reduce(0) { $0 + ($1.1 != nil ? $1.0 : 0) }
            let estimate = RecombinationEstimate(recombinants: recombinants, total: informative, reference: linkage)
            self.recombination = estimate
            if let r = recombination {
                recombinationUsed = r
                recombinationSource = .given
            } else if let r = estimate.frequency {
                // The maximum-likelihood r under the model is limited to 0…0.5: more
                // recombinants than parentals fits best at 0.5 (no linkage).
                recombinationUsed = min(r, 0.5)
                recombinationSource = .estimated
                estimated = 1
            } else {
                recombinationUsed = linkage.referenceRecombination ?? 0.5
                recombinationSource = .mapReference
            }
        } else {
            self.recombination = nil
            recombinationUsed = nil
            recombinationSource = .notApplicable
        }

        fit = GoodnessOfFit(observed: observed, ratio: cross.expectedProportions(recombination: recombinationUsed ?? 0),
                            names: cross.classes.map(\.name), estimatedParameters: estimated)
        independence = cross.independenceTests.map { IndependenceTest(pair: $0, counts: covered, alpha: alpha) }
        conclusion = Self.conclude(cross: cross, fit: fit, alpha: alpha, recombinationUsed: recombinationUsed,
                                   source: recombinationSource, recombination: self.recombination,
                                   independence: independence, excluded: excluded)
    }

    /// Expected count per class, in the cross's class order.
    public var expectedCounts: [Double] { fit.expectedCounts }

    private static func conclude(cross: Cross, fit: GoodnessOfFit, alpha: Double, recombinationUsed: Double?,
                                 source: RecombinationSource, recombination: RecombinationEstimate?,
                                 independence: [IndependenceTest], excluded: Int) -> Conclusion {
        var ratio = "the expected \(cross.ratioText) ratio"
        if let r = recombinationUsed {
            let how: String
            switch source {
            case .estimated: how = "estimated from the counts"
            case .given: how = "as given"
            case .mapReference: how = "from the standard map"
            case .notApplicable: how = ""
            }
            ratio = "the ratio expected for linked genes with r = \(Format.fixed(r, 3)) \(how)"
        }
        let level = alpha == 0.05 ? "" : "; α = \(Format.alpha(alpha))"

        var details: [String] = []
        if excluded > 0 {
            details.append("\(excluded) flies with phenotypes outside the cross's classes were left out.")
        }
        if fit.total == 0 {
            return Conclusion(verdict: .notEnoughFlies,
                              summary: "No flies were counted in the classes of this cross, so nothing can be tested.",
                              details: details)
        }
        if let recombination { details.append(recombination.sentence) }
        details += independence.map(\.sentence)

        let verdict: Conclusion.Verdict, summary: String
        if !fit.impossibleClasses.isEmpty {
            verdict = .deviates
            summary = "The counts deviate from \(ratio): flies were found in classes it rules out "
                + "(\(fit.impossibleClasses.joined(separator: ", ")))."
        } else if !fit.cochranSatisfied {
            verdict = .notEnoughFlies
            let smallest = fit.rows.filter { $0.proportion > 0 }.map(\.expected).min() ?? 0
            var s = "Not enough flies for a reliable test of \(ratio): with \(fit.total) flies the expected counts go down to "
                + "\(Format.fixed(smallest, 1)), and the chi-square test needs every expected count to be at least 1 and "
                + "at most 20 % of them below 5"
            if let m = fit.minimumFlies { s += "; count at least \(m) flies" }
            if let f = fit.summary { s += " (as it stands: \(f))" }
            summary = s + "."
        } else if let p = fit.pValue, let f = fit.summary {
            verdict = p < alpha ? .deviates : .consistent
            // The summary covers the other cases' warnings; here the caveats are news.
            details += fit.warnings
            summary = p < alpha ? "The counts deviate significantly from \(ratio) (\(f)\(level))."
                : "The counts are consistent with \(ratio) (\(f)\(level))."
        } else {
            verdict = .notTestable
            summary = "The fit to \(ratio) cannot be tested: no degrees of freedom are left."
        }
        return Conclusion(verdict: verdict, summary: summary, details: details)
    }
}
