import Foundation
import Testing
@testable import Genetics

@Suite struct RecombinationTests {
    /// Python: -0.5*math.log(1-0.4)*100 = 25.541281188299536;
    /// 0.25*math.log(1.4/0.6)*100 = 21.18244650968009.
    @Test func mapDistancesAtTwentyPercent() {
        #expect(abs(MapFunction.haldane(0.2)! - 25.541281188299536) < 1e-10)
        #expect(abs(MapFunction.kosambi(0.2)! - 21.18244650968009) < 1e-10)
    }

    @Test func noRecombinationIsZeroDistance() {
        #expect(MapFunction.haldane(0) == 0)
        #expect(MapFunction.kosambi(0) == 0)
        #expect(MapFunction.haldane(0)!.sign == .plus)   // not "-0.0 cM" in a report
    }

    @Test func fiftyPercentOrMoreIsUnlinkedNotACrash() {
        for r in [0.5, 0.6, 1.0] {
            #expect(MapFunction.haldane(r) == nil)
            #expect(MapFunction.kosambi(r) == nil)
        }
        #expect(MapFunction.haldane(-0.1) == nil)
        #expect(MapFunction.kosambi(.nan) == nil)
    }

    @Test func inverseMapFunctionsRoundTrip() {
        for r in stride(from: 0.01, to: 0.49, by: 0.03) {
            #expect(abs(MapFunction.haldaneRecombination(centimorgans: MapFunction.haldane(r)!) - r) < 1e-12)
            #expect(abs(MapFunction.kosambiRecombination(centimorgans: MapFunction.kosambi(r)!) - r) < 1e-12)
        }
        // Python: 0.5*math.tanh(2*0.346) = 0.2996326495315751 (w–m, 34.6 cM, Kosambi);
        // 0.5*(1-math.exp(-0.692)) = 0.24971304029418612 (Haldane).
        #expect(abs(MapFunction.kosambiRecombination(centimorgans: 34.6) - 0.2996326495315751) < 1e-12)
        #expect(abs(MapFunction.haldaneRecombination(centimorgans: 34.6) - 0.24971304029418612) < 1e-12)
    }

    /// Reference computed in Python with math only: p = k/n, z = 1.959963984540054,
    /// d = 1 + z²/n, c = (p + z²/2n)/d, h = z/d·√(p(1−p)/n + z²/4n²); interval c ± h.
    @Test func wilsonIntervalThirtyOfHundred() {
        let w = WilsonInterval(successes: 30, trials: 100)!
        #expect(abs(w.lower - 0.2189488529493276) < 1e-12)
        #expect(abs(w.upper - 0.3958485463334666) < 1e-12)
        #expect(w.confidence == 0.95)
    }

    @Test func wilsonIntervalWithNoSuccessesIsNotZeroWidth() {
        // k = 0: lower 0, upper z²/(n + z²) = 3.841459/23.841459 = 0.16112515805281938.
        let w = WilsonInterval(successes: 0, trials: 20)!
        #expect(w.lower == 0)
        #expect(abs(w.upper - 0.16112515805281938) < 1e-12)
        #expect(WilsonInterval(successes: 0, trials: 0) == nil)
        #expect(WilsonInterval(successes: 5, trials: 4) == nil)
    }

    @Test func estimateFromCounts() {
        let e = RecombinationEstimate(recombinants: 30, total: 100)
        #expect(e.frequency == 0.3)
        #expect(abs(e.standardError! - (0.3 * 0.7 / 100).squareRoot()) < 1e-15)
        #expect(abs(e.interval!.lower - 0.2189488529493276) < 1e-12)
        // Python: 0.25*math.log(1.6/0.4)*100 = 34.657359027997266; -0.5*math.log(0.4)*100 = 45.814536593707755.
        #expect(abs(e.kosambiCentimorgans! - 34.657359027997266) < 1e-9)
        #expect(abs(e.haldaneCentimorgans! - 45.814536593707755) < 1e-9)
        #expect(!e.unlinked)
        #expect(e.sentence.hasPrefix("Recombination frequency r = 30/100 = 0.300 (SE 0.046; 95 % Wilson interval 0.219–0.396)"))
    }

    @Test func referenceFromTheStandardMap() {
        let linkage = Linkage(genes: "w m", mapDistance: 34.6)
        let inside = RecombinationEstimate(recombinants: 30, total: 100, reference: linkage)
        #expect(inside.referenceInInterval == true)
        #expect(abs(inside.referenceRecombination! - 0.2996326495315751) < 1e-12)
        let outside = RecombinationEstimate(recombinants: 100, total: 1000, reference: linkage)
        #expect(outside.referenceInInterval == false)
        #expect(outside.sentence.contains("34.6 cM apart"))
    }

    @Test func halfOrMoreRecombinantsIsUnlinked() {
        let e = RecombinationEstimate(recombinants: 60, total: 100)
        #expect(e.unlinked)
        #expect(e.haldaneCentimorgans == nil && e.kosambiCentimorgans == nil)
        #expect(e.sentence.contains("no linkage"))
        // The upper interval end passes 0.5 for r = 0.45, n = 100: no finite distance there.
        let near = RecombinationEstimate(recombinants: 45, total: 100)
        #expect(near.kosambiCentimorgans != nil && near.kosambiUpperCentimorgans == nil)
    }

    @Test func noInformativeFlies() {
        let e = RecombinationEstimate(recombinants: 0, total: 0)
        #expect(e.frequency == nil && e.standardError == nil && e.interval == nil)
        #expect(e.sentence.contains("cannot be estimated"))
    }
}
