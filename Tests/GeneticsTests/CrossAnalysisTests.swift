import Foundation
import Testing
@testable import Genetics

@Suite struct CrossAnalysisTests {
    /// Mendel's 315 : 108 : 101 : 32 placed on flies (red/white for round/wrinkled,
    /// long/miniature for yellow/green), split arbitrarily between the sexes.
    static let mendel = PhenotypeCounts(ordered: [160, 52, 50, 16, 155, 56, 51, 16])

    @Test func dihybridConclusionInWords() throws {
        let a = try CrossAnalysis(cross: .dihybrid, counts: Self.mendel)
        #expect(a.fit.rows.map(\.observed) == [315, 108, 101, 32])
        #expect(a.expectedCounts == [312.75, 104.25, 104.25, 34.75])
        #expect(a.conclusion.verdict == .consistent)
        #expect(a.conclusion.summary == "The counts are consistent with the expected 9:3:3:1 ratio (χ² = 0.47, df = 3, p = 0.93).")
        #expect(a.independence.map(\.pair) == [.eyeWing])
        #expect(a.recombination == nil && a.recombinationUsed == nil && a.recombinationSource == .notApplicable)
    }

    @Test func deviationAtAChosenAlpha() throws {
        // 60 : 40 against 3:1: χ² = 12 (by hand), p = 0.000532 (scipy).
        let counts = PhenotypeCounts([Phenotype(eye: .red, wing: .long, sex: .female): 60,
                                      Phenotype(eye: .white, wing: .long, sex: .female): 40])
        let a = try CrossAnalysis(cross: .monohybridEye, counts: counts, alpha: 0.01)
        #expect(a.conclusion.verdict == .deviates)
        #expect(a.conclusion.summary == "The counts deviate significantly from the expected 3:1 ratio (χ² = 12.00, df = 1, p < 0.001; α = 0.01).")
        // All flies are female: the eye × sex test cannot be done and says why.
        #expect(a.independence[0].test.untestableReason == "no male flies")
    }

    /// Synthetic F2: 256 recombinants of 900 → r̂ = 0.28444. Expected counts at r̂ are 161 and
    /// 64 per class (900 × (1 − r̂)/4, 900 × r̂/4), and scipy.stats.chisquare(obs, exp, ddof=1)
    /// gives χ² = 2.5667701863354035, p = 0.8609214524136446 with df = 8 − 1 − 1 = 6.
    @Test func whiteMiniatureWithEstimatedRecombination() throws {
        let counts = PhenotypeCounts(ordered: [160, 62, 58, 150, 170, 70, 66, 164])
        let a = try CrossAnalysis(cross: .whiteMiniature, counts: counts)
        #expect(a.recombinationSource == .estimated)
        #expect(abs(a.recombinationUsed! - 256.0 / 900) < 1e-15)
        #expect(a.recombination?.recombinants == 256 && a.recombination?.total == 900)
        #expect(a.fit.estimatedParameters == 1 && a.fit.degreesOfFreedom == 6)
        for (row, e) in zip(a.fit.rows, [161.0, 64, 64, 161, 161, 64, 64, 161]) { #expect(abs(row.expected - e) < 1e-9) }
        #expect(abs(a.fit.statistic! - 2.5667701863354035) < 1e-10)
        #expect(abs(a.fit.pValue! - 0.8609214524136446) < 1e-9)
        #expect(a.conclusion.verdict == .consistent)
        #expect(a.conclusion.summary.contains("linked genes with r = 0.284 estimated from the counts (χ² = 2.57, df = 6, p = 0.86)"))
        #expect(a.independence.map(\.pair) == [.eyeWing, .eyeSex, .wingSex])
        #expect(a.independence[0].significant == true)    // linkage: eye and wing associated
        #expect(a.independence[1].significant == false)   // same eye ratio in both sexes
        #expect(a.conclusion.details.contains { $0.hasPrefix("Recombination frequency r = 256/900 = 0.284") })
    }

    @Test func whiteMiniatureWithGivenRecombinationKeepsAllDegreesOfFreedom() throws {
        // Exactly the r = 0.3, N = 1000 expectation (175 / 75 by hand): χ² = 0, p = 1, df = 7.
        let counts = PhenotypeCounts(ordered: [175, 75, 75, 175, 175, 75, 75, 175])
        let a = try CrossAnalysis(cross: .whiteMiniature, counts: counts, recombination: 0.3)
        #expect(a.recombinationSource == .given && a.recombinationUsed == 0.3)
        #expect(a.fit.degreesOfFreedom == 7 && a.fit.estimatedParameters == 0)
        #expect(a.expectedCounts.map { $0.rounded() } == [175, 75, 75, 175, 175, 75, 75, 175])
        #expect(a.fit.statistic! < 1e-20 && a.fit.pValue == 1)
        #expect(a.conclusion.summary.contains("r = 0.300 as given"))
    }

    @Test func zeroFliesIsNotEnoughAndDoesNotCrash() throws {
        for cross in [Cross.whiteMiniature, .dihybrid, .sexRatio] {
            let a = try CrossAnalysis(cross: cross, counts: PhenotypeCounts())
            #expect(a.conclusion.verdict == .notEnoughFlies)
            #expect(a.conclusion.summary.hasPrefix("No flies were counted"))
            #expect(a.fit.pValue == nil)
        }
    }

    @Test func fewFliesInOneClassIsNotEnough() throws {
        let counts = PhenotypeCounts([Phenotype(eye: .red, wing: .long, sex: .female): 5])
        let a = try CrossAnalysis(cross: .whiteMiniature, counts: counts)
        #expect(a.conclusion.verdict == .notEnoughFlies)
        #expect(a.conclusion.summary.hasPrefix("Not enough flies for a reliable test"))
        #expect(a.conclusion.summary.contains("count at least"))
        #expect(a.independence.allSatisfy { $0.significant == nil })
        let dihybrid = try CrossAnalysis(cross: .dihybrid, counts: PhenotypeCounts(ordered: [9, 3, 3, 1, 0, 0, 0, 0]))
        #expect(dihybrid.conclusion.verdict == .notEnoughFlies)
        #expect(dihybrid.conclusion.summary.contains("count at least 80 flies"))
    }

    @Test func manyFliesInOneClassDeviate() throws {
        let counts = PhenotypeCounts([Phenotype(eye: .red, wing: .long, sex: .female): 400])
        let a = try CrossAnalysis(cross: .dihybrid, counts: counts)
        #expect(a.conclusion.verdict == .deviates)
        #expect(a.independence[0].test.untestableReason == "no white-eyed flies")
    }

    @Test func fliesInAClassRuledOutByRZero() throws {
        let counts = PhenotypeCounts(ordered: [50, 3, 0, 50, 50, 0, 0, 50])
        let a = try CrossAnalysis(cross: .whiteMiniature, counts: counts, recombination: 0)
        #expect(a.conclusion.verdict == .deviates)
        #expect(a.fit.pValue == 0)
        #expect(a.conclusion.summary.contains("red-eyed miniature-winged female: 3"))
    }

    @Test func uncoveredPhenotypesAreExcludedWhenAllowed() throws {
        let femalesOnly = Cross(name: "females", description: "", classes: [CrossClass(eye: .red, sex: .female, ratio: 3),
                                                                           CrossClass(eye: .white, sex: .female, ratio: 1)],
                                allowUncovered: true)
        let a = try CrossAnalysis(cross: femalesOnly, counts: PhenotypeCounts(ordered: [200, 0, 70, 0, 10, 10, 10, 10]))
        #expect(a.totalFlies == 310 && a.excludedFlies == 40 && a.fit.total == 270)
        #expect(a.conclusion.details.contains("40 flies with phenotypes outside the cross's classes were left out."))
    }

    @Test func invalidArgumentsThrow() {
        #expect(throws: GeneticsError.invalidAlpha(0)) { try CrossAnalysis(cross: .dihybrid, counts: Self.mendel, alpha: 0) }
        #expect(throws: GeneticsError.invalidAlpha(1.5)) { try CrossAnalysis(cross: .dihybrid, counts: Self.mendel, alpha: 1.5) }
        #expect(throws: GeneticsError.invalidRecombination(0.7)) {
            try CrossAnalysis(cross: .whiteMiniature, counts: Self.mendel, recombination: 0.7)
        }
        let bad = Cross(name: "bad", description: "", classes: [CrossClass(eye: .red, ratio: 1)])
        #expect(throws: GeneticsError.self) { try CrossAnalysis(cross: bad, counts: Self.mendel) }
    }

    @Test func resultRoundTripsThroughJSON() throws {
        let cases = [
            try CrossAnalysis(cross: .whiteMiniature, counts: PhenotypeCounts(ordered: [160, 62, 58, 150, 170, 70, 66, 164])),
            try CrossAnalysis(cross: .whiteMiniature, counts: PhenotypeCounts()),                       // nothing testable
            try CrossAnalysis(cross: .whiteMiniature, counts: PhenotypeCounts(ordered: [0, 90, 90, 0, 0, 90, 90, 0])),  // r = 1
            try CrossAnalysis(cross: .whiteMiniature, counts: PhenotypeCounts(ordered: [50, 3, 0, 50, 50, 0, 0, 50]), recombination: 0),
        ]
        for a in cases {
            // JSONEncoder throws on ∞ or NaN, so this also proves the result holds none.
            let data = try JSONEncoder().encode(a)
            #expect(try JSONDecoder().decode(CrossAnalysis.self, from: data) == a)
        }
        #expect(cases[2].recombination?.unlinked == true)
        #expect(cases[2].recombinationUsed == 0.5)
    }
}
