import Foundation
import Testing
@testable import Genetics

@Suite struct IncompleteGammaTests {
    /// Upper critical values from standard chi-square tables (e.g. Fisher & Yates,
    /// Statistical Tables, 1938): the p-value at each is the table's significance level.
    @Test(arguments: [(3.841, 1, 0.05), (7.815, 3, 0.05), (11.070, 5, 0.05), (6.635, 1, 0.01), (14.067, 7, 0.05),
                      (5.991, 2, 0.05), (43.773, 30, 0.05), (50.892, 30, 0.01)])
    func pValueAtTabulatedCriticalValues(x: Double, df: Int, level: Double) {
        // Tables give the critical values to 3 decimals, so the level is met to about 1e-4.
        #expect(abs(ChiSquareDistribution.pValue(x, degreesOfFreedom: df) - level) < 2e-4 * (level / 0.05))
    }

    @Test func zeroStatisticGivesPOne() {
        for df in [1, 2, 3, 7, 30, 100, 1000] {
            #expect(ChiSquareDistribution.pValue(0, degreesOfFreedom: df) == 1)
            #expect(ChiSquareDistribution.cdf(0, degreesOfFreedom: df) == 0)
        }
        #expect(IncompleteGamma.upper(3.5, 0) == 1)
        #expect(IncompleteGamma.lower(3.5, 0) == 0)
    }

    @Test func largeDegreesOfFreedomWithSmallStatisticGivesPNearOne() {
        // Independent: scipy.stats.chi2.sf(30, 60) = 0.9995815503316723, chi2.sf(0.5, 10) = 0.999993388289439.
        #expect(abs(ChiSquareDistribution.pValue(30, degreesOfFreedom: 60) - 0.9995815503316723) < 1e-12)
        #expect(abs(ChiSquareDistribution.pValue(0.5, degreesOfFreedom: 10) - 0.999993388289439) < 1e-12)
        #expect(ChiSquareDistribution.pValue(1e-300, degreesOfFreedom: 1) == 1)
    }

    /// For even df = 2k the tail has a closed form: Q(k, y) = e^(−y) Σ_{j<k} yʲ/j!, written out
    /// here independently of the series / continued fraction under test, on both sides of
    /// their switch-over at x = a + 1.
    @Test func evenDegreesOfFreedomMatchClosedForm() {
        for k in 1...30 {
            for x in stride(from: 0.25, through: 120, by: 0.75) {
                let y = x / 2
                var term = 1.0, sum = 1.0
                for j in 1..<k {
                    term *= y / Double(j)
                    sum += term
                }
                let expected = exp(-y) * sum
                let got = ChiSquareDistribution.pValue(x, degreesOfFreedom: 2 * k)
                #expect(abs(got - expected) <= 1e-12 + 1e-10 * expected, "df \(2 * k), x \(x)")
            }
        }
    }

    /// For df = 1, P(χ² ≥ x) = P(|Z| ≥ √x) = erfc(√(x/2)).
    @Test func oneDegreeOfFreedomMatchesErfc() {
        for x in stride(from: 0.01, through: 60, by: 0.37) {
            let expected = erfc((x / 2).squareRoot())
            #expect(abs(ChiSquareDistribution.pValue(x, degreesOfFreedom: 1) - expected) <= 1e-13 + 1e-10 * expected, "x \(x)")
        }
    }

    @Test func tinyTailsKeepRelativePrecision() {
        // scipy.stats.chi2.sf(1000, 1) and chi2.sf(700, 100).
        let a = ChiSquareDistribution.pValue(1000, degreesOfFreedom: 1)
        #expect(abs(a / 1.7958327848007363e-219 - 1) < 1e-9)
        let b = ChiSquareDistribution.pValue(700, degreesOfFreedom: 100)
        #expect(abs(b / 8.658230861323775e-91 - 1) < 1e-9)
        #expect(ChiSquareDistribution.pValue(1e6, degreesOfFreedom: 3) == 0)
        #expect(ChiSquareDistribution.pValue(.infinity, degreesOfFreedom: 3) == 0)
    }

    @Test func lowerAndUpperAddToOne() {
        for a in [0.5, 1.5, 4, 15, 50] {
            for x in [0.1, 1, 3, 10, 40, 80] {
                #expect(abs(IncompleteGamma.lower(a, x) + IncompleteGamma.upper(a, x) - 1) < 1e-13)
            }
        }
    }

    @Test func invalidArgumentsGiveNaN() {
        #expect(ChiSquareDistribution.pValue(3, degreesOfFreedom: 0).isNaN)
        #expect(ChiSquareDistribution.pValue(.nan, degreesOfFreedom: 2).isNaN)
        #expect(IncompleteGamma.upper(-1, 2).isNaN)
        #expect(IncompleteGamma.upper(2, -1).isNaN)
    }
}
