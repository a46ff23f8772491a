import Testing
@testable import Genetics

@Suite struct CrossTests {
    @Test func builtInCrossesAreValidAndNamed() throws {
        #expect(Cross.builtInNames.first == "white-miniature")
        #expect(Cross.defaultCross.name == "white-miniature")
        for name in Cross.builtInNames {
            let cross = try Cross.named(name)
            #expect(cross.name == name)
            try cross.validate()
            let sum = cross.expectedProportions(recombination: 0.3).reduce(0, +)
            #expect(abs(sum - 1) < 1e-12)
        }
        #expect(try Cross.named("DIHYBRID").name == "dihybrid")
        #expect(throws: GeneticsError.unknownCross("trihybrid")) { try Cross.named("trihybrid") }
    }

    @Test func fixedRatios() {
        #expect(Cross.dihybrid.ratioText == "9:3:3:1")
        #expect(Cross.testcross.ratioText == "1:1:1:1")
        #expect(Cross.monohybridEye.ratioText == "3:1")
        #expect(Cross.monohybridWing.ratioText == "3:1")
        #expect(Cross.sexRatio.ratioText == "1:1")
        let sixteenths: [Double] = [9, 3, 3, 1].map { $0 / 16 }
        #expect(Cross.dihybrid.expectedProportions(recombination: 0) == sixteenths)
    }

    /// By hand, r = 0.3, N = 1000: each sex 500 flies, parental classes (1 − r)/2 × 500 = 175,
    /// recombinant classes r/2 × 500 = 75.
    @Test func whiteMiniatureExpectedCountsAtThirtyPercent() throws {
        let cross = Cross.whiteMiniature
        #expect(cross.classes.count == 8)
        let expected = cross.expectedProportions(recombination: 0.3).map { $0 * 1000 }
        for (c, e) in zip(cross.classes, expected) {
            let parental = (c.eye == .red && c.wing == .long) || (c.eye == .white && c.wing == .miniature)
            #expect(abs(e - (parental ? 175 : 75)) < 1e-9, "\(c.name)")
            #expect(c.role == (parental ? .parental : .recombinant))
        }
        let redLongFemale = cross.classIndex(of: Phenotype(eye: .red, wing: .long, sex: .female))!
        #expect(abs(expected[redLongFemale] - 175) < 1e-9)
        #expect(cross.classes[redLongFemale].name == "red-eyed long-winged female")
    }

    @Test func whiteMiniatureLinkageReference() {
        let linkage = Cross.whiteMiniature.linkage!
        #expect(linkage.mapDistance == 34.6)   // 36.1 − 1.5
        // Kosambi: 0.5*tanh(0.692) = 0.2996326495315751 (Python), not the naive 0.346.
        #expect(abs(linkage.referenceRecombination! - 0.2996326495315751) < 1e-12)
    }

    @Test func everyPhenotypeFallsInExactlyOneClassOfEachBuiltIn() throws {
        for name in Cross.builtInNames {
            let cross = try Cross.named(name)
            for p in Phenotype.all { #expect(cross.classes.filter { $0.matches(p) }.count == 1, "\(name) \(p)") }
        }
    }

    @Test func defaultTestsFollowTheTraitsUsed() {
        var cross = Cross(name: "x", description: "", classes: [CrossClass(eye: .red, wing: .long, ratio: 1),
                                                                CrossClass(eye: .red, wing: .miniature, ratio: 1),
                                                                CrossClass(eye: .white, ratio: 2)])
        #expect(cross.independenceTests == [.eyeWing, .eyeSex, .wingSex])
        cross.tests = []
        #expect(cross.independenceTests.isEmpty)
        #expect(Cross.dihybrid.independenceTests == [.eyeWing])
        #expect(Cross.sexRatio.independenceTests.isEmpty)
    }

    @Test func programmaticValidationErrors() {
        let red = CrossClass(eye: .red, ratio: 3), white = CrossClass(eye: .white, ratio: 1)
        #expect(throws: GeneticsError.noClasses(file: nil)) { try Cross(name: "x", description: "", classes: []).validate() }
        #expect(throws: GeneticsError.badRatio(file: nil, className: "white-eyed", ratio: .infinity)) {
            try Cross(name: "x", description: "", classes: [red, CrossClass(eye: .white, ratio: .infinity)]).validate()
        }
        let partial = Cross(name: "x", description: "", classes: [CrossClass(eye: .red, sex: .female, ratio: 1),
                                                                  CrossClass(eye: .white, sex: .female, ratio: 1)])
        #expect(throws: GeneticsError.self) { try partial.validate() }
        var allowed = partial
        allowed.allowUncovered = true
        #expect(throws: Never.self) { try allowed.validate() }
        #expect(throws: Never.self) { try Cross(name: "x", description: "", classes: [red, white]).validate() }
    }
}
