import Testing
@testable import Genetics

@Suite struct GoodnessOfFitTests {
    /// Mendel (1866), round-yellow × wrinkled-green F2 peas: 315 round yellow, 108 round green,
    /// 101 wrinkled yellow, 32 wrinkled green against 9:3:3:1, the classic textbook exercise:
    /// χ² = 0.47, df 3, p ≈ 0.925. scipy.stats.chisquare gives χ² = 0.4700239808153477,
    /// p = 0.925425895103616.
    @Test func mendelDihybridPeas() {
        let fit = GoodnessOfFit(observed: [315, 108, 101, 32], ratio: [9, 3, 3, 1])
        #expect(fit.degreesOfFreedom == 3)
        #expect(abs(fit.statistic! - 0.4700239808153477) < 1e-12)
        #expect(abs(fit.pValue! - 0.925425895103616) < 1e-9)
        #expect(fit.expectedCounts == [312.75, 104.25, 104.25, 34.75])
        #expect(fit.summary == "χ² = 0.47, df = 3, p = 0.93")
        #expect(fit.isSignificant() == false)
        #expect(!fit.lowExpectedCount && fit.cochranSatisfied)
    }

    /// Mendel's round × wrinkled F2: 5474 round : 1850 wrinkled against 3:1. scipy gives
    /// χ² = 0.2628800291279811, p = 0.6081484045220742.
    @Test func mendelMonohybridSeedShape() {
        let fit = GoodnessOfFit(observed: [5474, 1850], ratio: [3, 1])
        #expect(fit.degreesOfFreedom == 1)
        #expect(abs(fit.statistic! - 0.2628800291279811) < 1e-12)
        #expect(abs(fit.pValue! - 0.6081484045220742) < 1e-9)
    }

    @Test func clearDeviationIsSignificant() {
        // Hand: N = 100, E = 75, 25; χ² = 15²/75 + 15²/25 = 3 + 9 = 12.
        let fit = GoodnessOfFit(observed: [60, 40], ratio: [3, 1])
        #expect(abs(fit.statistic! - 12) < 1e-12)
        #expect(fit.isSignificant(alpha: 0.05) == true)
        #expect(fit.isSignificant(alpha: 0.0001) == false)   // p ≈ 0.00053
    }

    @Test func estimatedParametersReduceDegreesOfFreedom() {
        let fit = GoodnessOfFit(observed: [30, 20, 25, 25], ratio: [1, 1, 1, 1], estimatedParameters: 1)
        #expect(fit.degreesOfFreedom == 2)
        // Hand: E = 25 each, χ² = (25 + 25 + 0 + 0)/25 = 2; df 2 tail = e^(−1).
        #expect(abs(fit.pValue! - 0.36787944117144233) < 1e-12)
    }

    @Test func noFliesGivesNoStatisticAndNoCrash() {
        let fit = GoodnessOfFit(observed: [0, 0, 0, 0], ratio: [9, 3, 3, 1])
        #expect(fit.statistic == nil && fit.pValue == nil)
        #expect(!fit.cochranSatisfied)
        #expect(fit.isSignificant() == nil)
    }

    @Test func emptyZeroWeightClassIsLeftOutOfDegreesOfFreedom() {
        let fit = GoodnessOfFit(observed: [50, 0, 50], ratio: [1, 0, 1])
        #expect(fit.degreesOfFreedom == 1)
        #expect(fit.rows[1].contribution == nil)
        #expect(fit.statistic == 0 && fit.pValue == 1)
    }

    @Test func fliesInAZeroWeightClassMeanTheRatioIsRejected() {
        let fit = GoodnessOfFit(observed: [50, 2, 50], ratio: [1, 0, 1], names: ["a", "b", "c"])
        #expect(fit.statistic == nil)
        #expect(fit.pValue == 0)
        #expect(fit.impossibleClasses == ["b: 2"])
    }

    @Test func lowExpectedCountsAreFlaggedAndCochranMinimumComputed() {
        // 9:3:3:1 with 40 flies: E(white miniature) = 2.5 < 5.
        let fit = GoodnessOfFit(observed: [22, 8, 7, 3], ratio: [9, 3, 3, 1])
        #expect(fit.lowExpectedCount)
        #expect(!fit.cochranSatisfied)   // 4 classes: none may be below 5
        #expect(fit.warnings.contains { $0.contains("below 5") })
        // Smallest share 1/16 must reach 5: 80 flies.
        #expect(fit.minimumFlies == 80)
        // Eight classes may have one below 5 (20 % of 8, rounded down); with shares 0.075 ×4 and
        // 0.175 ×4 the second smallest must reach 5 → 5 / 0.075 = 66.7 → 67 (the smallest ≥ 1 needs only 14).
        let eight = GoodnessOfFit(observed: Array(repeating: 1, count: 8), ratio: [0.175, 0.075, 0.075, 0.175, 0.175, 0.075, 0.075, 0.175])
        #expect(eight.minimumFlies == 67)
    }
}
