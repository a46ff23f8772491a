/// Pearson's (1900) chi-square goodness-of-fit test: χ² = Σ (O − E)² / E over the classes,
/// df = classes − 1 − parameters estimated from the same counts (Fisher 1924), p-value from
/// the chi-square distribution.
public struct GoodnessOfFit: Hashable, Codable, Sendable {
    public struct Row: Hashable, Codable, Sendable {
        public var name: String
        public var observed: Int
        public var expected: Double
        /// Expected share of all flies.
        public var proportion: Double
        /// (O − E)² / E; nil for a class left out of the test (expected 0 and observed 0)
        /// or one the cross rules out but that has flies (expected 0, observed > 0).
        public var contribution: Double?
    }

    public var rows: [Row]
    public var total: Int
    /// nil when there are no flies, or when flies sit in a class with expected 0 (the
    /// statistic would be infinite; `pValue` is then 0).
    public var statistic: Double?
    public var degreesOfFreedom: Int
    public var estimatedParameters: Int
    /// nil when no test is possible (no flies, or no degrees of freedom left).
    public var pValue: Double?
    /// Some tested class has an expected count below 5, so the p-value is approximate.
    public var lowExpectedCount: Bool
    /// Cochran's (1954) rule for trusting the chi-square approximation: no expected count
    /// below 1 and at most 20 % of them below 5.
    public var cochranSatisfied: Bool
    /// The smallest number of flies for which these proportions meet Cochran's rule.
    public var minimumFlies: Int?
    /// Classes with expected count 0 in which flies were nevertheless found.
    public var impossibleClasses: [String]
    public var warnings: [String]

    public var expectedCounts: [Double] { rows.map(\.expected) }

    /// `ratio`: one non-negative weight per class in any scale (9:3:3:1, proportions or
    /// expected counts); expected counts are total × weight / Σ weights.
    public init(observed: [Int], ratio: [Double], names: [String]? = nil, estimatedParameters: Int = 0) {
        precondition(observed.count == ratio.count, "one ratio weight per observed class")
        precondition(names == nil || names!.count == observed.count, "one name per class")
        precondition(observed.allSatisfy { $0 >= 0 } && ratio.allSatisfy { $0 >= 0 && $0.isFinite }, "negative count or ratio")
        let n = observed.reduce(0, +), weightSum = ratio.reduce(0, +)
        let proportions = ratio.map { weightSum > 0 ? $0 / weightSum : 0 }
        total = n
        self.estimatedParameters = estimatedParameters
        var rows: [Row] = [], impossible: [String] = [], chi2 = 0.0, tested = 0
        for i in observed.indices {
            let name = names?[i] ?? "class \(i + 1)"
            let e = Double(n) * proportions[i], o = observed[i]
            var contribution: Double? = nil
            if proportions[i] > 0 {
                tested += 1
                if n > 0 {
                    contribution = (Double(o) - e) * (Double(o) - e) / e
                    chi2 += contribution!
                }
            } else if o > 0 {
                impossible.append("\(name): \(o)")
            }
            rows.append(Row(name: name, observed: o, expected: e, proportion: proportions[i], contribution: contribution))
        }
        self.rows = rows
        impossibleClasses = impossible
        // A class the ratio gives weight 0 and that has no flies carries no information: it
        // is left out of the class count, as if the cross did not list it.
        degreesOfFreedom = max(0, tested - 1 - estimatedParameters)

        let testedProportions = proportions.filter { $0 > 0 }.sorted()
        let expectedTested = testedProportions.map { Double(n) * $0 }
        lowExpectedCount = n > 0 && expectedTested.contains { $0 < 5 }
        let allowedBelowFive = Int(0.2 * Double(testedProportions.count))
        cochranSatisfied = n > 0 && !expectedTested.isEmpty && expectedTested[0] >= 1
            && expectedTested.filter({ $0 < 5 }).count <= allowedBelowFive
        if let smallest = testedProportions.first {
            let needed = max(1 / smallest, 5 / testedProportions[min(allowedBelowFive, testedProportions.count - 1)])
            minimumFlies = Int((needed - 1e-9).rounded(.up))
        }

        var warnings: [String] = []
        if n == 0 {
            statistic = nil
            pValue = nil
            warnings.append("No flies were counted.")
        } else if !impossible.isEmpty {
            statistic = nil
            pValue = 0
            warnings.append("Flies were found in classes the expected ratio rules out (\(impossible.joined(separator: ", "))).")
        } else {
            statistic = chi2
            pValue = degreesOfFreedom >= 1 ? ChiSquareDistribution.pValue(chi2, degreesOfFreedom: degreesOfFreedom) : nil
            if degreesOfFreedom < 1 {
                warnings.append("No degrees of freedom are left (\(tested) classes, \(estimatedParameters) parameter(s) "
                                + "estimated from the counts), so the fit cannot be tested.")
            }
        }
        if lowExpectedCount {
            let below = expectedTested.filter { $0 < 5 }.count
            warnings.append("\(below) of \(expectedTested.count) expected counts are below 5 (smallest "
                            + "\(Format.fixed(expectedTested[0], 1))); the chi-square p-value is only approximate.")
        }
        self.warnings = warnings
    }

    /// Whether the counts deviate significantly at level alpha; nil when untestable.
    public func isSignificant(alpha: Double = 0.05) -> Bool? { pValue.map { $0 < alpha } }

    /// "χ² = 0.47, df = 3, p = 0.93", or nil when there is no statistic or p-value.
    public var summary: String? {
        guard let statistic, let pValue else { return nil }
        return "χ² = \(Format.statistic(statistic)), df = \(degreesOfFreedom), \(Format.pValue(pValue))"
    }
}
