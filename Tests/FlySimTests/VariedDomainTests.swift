import ImageIO
import Testing
@testable import FlySim

/// The `varied` domain (domain randomisation): each photo draws its own look, deterministically
/// from its seed, within the documented spans.
@Suite struct VariedDomainTests {
    @Test func isNamedButNotAPreset() throws {
        let varied = try #require(FlySimDomain.named("varied"))
        #expect(varied.drawsPerPhoto)
        #expect(!FlySim.domainNames.contains("varied"))        // 'all' and held-out splits unchanged
        #expect(FlySimDomain.all.allSatisfy { !$0.drawsPerPhoto })
    }

    @Test func hsvConversionByHand() {
        #expect(FlySimDomain.hsv(0, 1, 1) == RGB(255, 0, 0))
        #expect(FlySimDomain.hsv(120, 1, 1) == RGB(0, 255, 0))
        #expect(FlySimDomain.hsv(240, 1, 0.5) == RGB(0, 0, 128))
        #expect(FlySimDomain.hsv(60, 0.5, 1) == RGB(255, 255, 128))
        #expect(FlySimDomain.hsv(300, 0, 0.4) == RGB(102, 102, 102))
        #expect(FlySimDomain.hsv(-60, 1, 1) == FlySimDomain.hsv(300, 1, 1))
    }

    @Test func drawsStayWithinTheSpansAndCoverEveryKind() {
        var kinds = Set<String>(), grids = 0, eyepieces = 0, dishes = 0
        var lowestExposure = 9.0, highestExposure = 0.0
        for seed in 0..<300 {
            let d = FlySimDomain.variedDraw(seed: UInt64(seed))
            #expect(d == FlySimDomain.variedDraw(seed: UInt64(seed)))
            #expect(!d.drawsPerPhoto && d.name == "varied")
            switch d.surface {
            case .card: kinds.insert("card")
            case .co2Pad: kinds.insert("pad")
            case .paper: kinds.insert("paper")
            }
            if d.grid != nil { grids += 1 }
            if d.eyepiece { eyepieces += 1 }
            if d.petriDish { dishes += 1 }
            #expect(!(d.eyepiece && d.petriDish))
            #expect(0.6 <= d.exposure.lowerBound && d.exposure.upperBound <= 1.1 + 1e-9)
            #expect(30 <= d.lightElevation.lowerBound && d.lightElevation.upperBound <= 90 + 1e-9)
            #expect(1 <= d.noise.lowerBound && d.noise.upperBound <= 10 + 1e-9)
            #expect(65 <= d.jpegQuality.lowerBound && d.jpegQuality.upperBound <= 96)
            #expect(d.fieldOfView.lowerBound >= 18 && d.fieldOfView.upperBound <= 100 + 1e-9)
            lowestExposure = min(lowestExposure, d.exposure.lowerBound)
            highestExposure = max(highestExposure, d.exposure.upperBound)
        }
        #expect(kinds == ["card", "pad", "paper"])
        #expect((80...160).contains(grids))          // 40 % of 300
        #expect((20...70).contains(eyepieces))       // 15 %
        #expect((25...80).contains(dishes))          // 20 % of the 85 % without an eyepiece
        #expect(lowestExposure < 0.65 && highestExposure > 1.05)
    }

    /// Photos of `varied` differ from each other far more than photos of one preset do:
    /// the spread of mean colour across seeds is several times a preset's.
    @Test func photosVaryMoreThanAPreset() throws {
        func meanColourSpread(_ domain: FlySimDomain) throws -> Double {
            var means: [SIMD3<Double>] = []
            for seed in 0..<8 {
                let config = FlySimConfiguration(domain: domain, flyCount: 3...3, megapixels: 0.5...0.5)
                let px = try FlySim.render(config, seed: UInt64(50 + seed)).image.pixels
                var sum = SIMD3<Double>(0, 0, 0)
                for i in stride(from: 0, to: px.count, by: 3) { sum += SIMD3(Double(px[i]), Double(px[i + 1]), Double(px[i + 2])) }
                means.append(sum / Double(px.count / 3))
            }
            let centre = means.reduce(SIMD3<Double>(0, 0, 0), +) / Double(means.count)
            return (means.map { (($0 - centre) * ($0 - centre)).sum() }.reduce(0, +) / Double(means.count)).squareRoot()
        }
        let varied = try meanColourSpread(.varied)
        let preset = try meanColourSpread(.labBlueCard)
        #expect(varied > 3 * preset, "varied \(varied), lab-blue-card \(preset)")
        #expect(varied > 25)
    }

    @Test func sameSeedSameBytesAndLabelsWork() throws {
        let config = FlySimConfiguration(domain: .varied, flyCount: 10...10, megapixels: 0.5...0.5)
        let a = try FlySim.render(config, seed: 9), b = try FlySim.render(config, seed: 9)
        #expect(a.image == b.image && a.annotation == b.annotation)
        #expect(a.domain == "varied" && a.annotation.flies.count == 10)
        let c = try FlySim.render(config, seed: 10)
        #expect(c.image != a.image)
    }
}
