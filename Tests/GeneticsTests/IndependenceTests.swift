import Testing
@testable import Genetics

@Suite struct IndependenceTests {
    /// References from scipy.stats.chi2_contingency(table, correction=False / True).
    @Test func largeTableMatchesScipy() {
        let t = TwoByTwoTest(20, 30, 40, 10)
        #expect(abs(t.statistic! - 16.666666666666668) < 1e-10)
        #expect(abs(t.pValue! - 4.455709060405612e-05) < 1e-15)
        #expect(abs(t.yatesStatistic! - 15.041666666666668) < 1e-10)
        #expect(abs(t.yatesPValue! - 0.00010516355403363114) < 1e-15)
        #expect(t.degreesOfFreedom == 1)
        // Expected under independence: row total × column total / N = 50·60/100 etc.
        #expect(t.expected! == [[30, 20], [30, 20]])
        #expect(!t.lowExpectedCount)
    }

    @Test func smallTableWhereYatesChangesTheVerdict() {
        let t = TwoByTwoTest(12, 5, 3, 9)
        #expect(abs(t.statistic! - 5.85483193277311) < 1e-10)
        #expect(abs(t.pValue! - 0.015534341414683461) < 1e-12)
        #expect(abs(t.yatesStatistic! - 4.171457749766574) < 1e-10)
        #expect(abs(t.yatesPValue! - 0.04111041419430694) < 1e-12)
        // Row totals 17, 12; column totals 15, 14; smallest expected 12·14/29 ≈ 5.79: not below 5.
        #expect(!t.lowExpectedCount)
        #expect(TwoByTwoTest(6, 2, 1, 5).lowExpectedCount)   // 6·7/14 = 3
    }

    @Test func yatesCorrectionNeverGoesNegative() {
        // |ad − bc| = |30 − 25| = 5 < N/2 = 10.5: corrected statistic is 0, p = 1.
        let t = TwoByTwoTest(5, 5, 5, 6)
        #expect(t.yatesStatistic == 0)
        #expect(t.yatesPValue == 1)
    }

    @Test func emptyMarginIsUntestableNotACrash() {
        let t = TwoByTwoTest(10, 5, 0, 0, rowLabels: ["red-eyed", "white-eyed"], columnLabels: ["long", "miniature"])
        #expect(t.statistic == nil && t.pValue == nil && t.expected == nil)
        #expect(t.untestableReason == "no white-eyed flies")
        #expect(TwoByTwoTest(0, 0, 0, 0).untestableReason == "no flies")
    }

    @Test func traitTablesAreBuiltFromPhenotypeCounts() {
        var counts = PhenotypeCounts()
        counts[Phenotype(eye: .red, wing: .long, sex: .female)] = 11
        counts[Phenotype(eye: .red, wing: .long, sex: .male)] = 9
        counts[Phenotype(eye: .red, wing: .miniature, sex: .male)] = 30
        counts[Phenotype(eye: .white, wing: .long, sex: .female)] = 40
        counts[Phenotype(eye: .white, wing: .miniature, sex: .female)] = 4
        counts[Phenotype(eye: .white, wing: .miniature, sex: .male)] = 6
        let eyeWing = IndependenceTest(pair: .eyeWing, counts: counts)
        #expect(eyeWing.test.counts == [[20, 30], [40, 10]])
        #expect(eyeWing.significant == true)
        #expect(eyeWing.sentence.hasPrefix("Eye colour and wing length are not independent (χ² = 16.67, df = 1, p < 0.001)"))
        let eyeSex = IndependenceTest(pair: .eyeSex, counts: counts)
        #expect(eyeSex.test.counts == [[11, 39], [44, 6]])
        let wingSex = IndependenceTest(pair: .wingSex, counts: counts)
        #expect(wingSex.test.counts == [[51, 9], [4, 36]])
    }

    @Test func independentTraitsReadAsAssortingIndependently() {
        // Exactly proportional table: χ² = 0, p = 1.
        let counts = PhenotypeCounts(ordered: [90, 30, 30, 10, 90, 30, 30, 10])
        let t = IndependenceTest(pair: .eyeWing, counts: counts)
        #expect(t.test.statistic == 0)
        #expect(t.significant == false)
        #expect(t.sentence == "Eye colour and wing length assort independently (χ² = 0.00, df = 1, p = 1.00).")
    }

    @Test func borderlineCaseMentionsYates() {
        // Pearson p = 0.0155 (significant), Yates p = 0.0411: both significant at 0.05, but at
        // α = 0.03 they disagree and the sentence says so.
        var counts = PhenotypeCounts()
        counts[Phenotype(eye: .red, wing: .long, sex: .female)] = 12
        counts[Phenotype(eye: .red, wing: .miniature, sex: .female)] = 5
        counts[Phenotype(eye: .white, wing: .long, sex: .female)] = 3
        counts[Phenotype(eye: .white, wing: .miniature, sex: .female)] = 9
        #expect(!IndependenceTest(pair: .eyeWing, counts: counts, alpha: 0.05).sentence.contains("Yates"))
        let t = IndependenceTest(pair: .eyeWing, counts: counts, alpha: 0.03)
        #expect(t.significant == true)
        #expect(t.sentence.contains("With Yates' correction χ² = 4.17, p = 0.0411, which is not significant"))
        let eyeSex = IndependenceTest(pair: .eyeSex, counts: counts)
        #expect(eyeSex.test.untestableReason == "no male flies")
        #expect(eyeSex.sentence == "Eye colour × sex: cannot be tested (no male flies).")
    }
}
