import Datasets
import Foundation
import ImageIO
import ImageProcessing
import Testing
import FlySim

// Small photos keep these fast; each checks the renderer against masks drawn separately or
// against statistics, so a wrong box, keypoint, frequency or visibility makes it fail.

/// A busy small scene: every pose, both wing lengths, sizes from tiny to large.
private func busyConfiguration(flies: Int = 24) -> FlySimConfiguration {
    FlySimConfiguration(domain: .labBlueCard, flyCount: flies...flies, imageSize: (900, 640), flyLength: 40...150,
                        poses: FlySimPoseWeights(lateral: 1, dorsal: 1, ventral: 1),
                        touchingProbability: 0.3, truncatedProbability: 0.15)
}

/// Distance from `p` to the nearest pixel square of `mask` (photo coordinates) whose value
/// is at least `threshold`; 0 when p lies in such a pixel, infinity when none is near.
private func distance(from p: Point2D, to mask: [Float], in m: FlySimFlyMask, threshold: Float = 0.5) -> Double {
    var best = Double.infinity
    let cx = Int(p.x.rounded(.down)), cy = Int(p.y.rounded(.down))
    for py in (cy - 3)...(cy + 3) {
        for px in (cx - 3)...(cx + 3) where m.value(mask, px, py) >= threshold {
            let dx = max(Double(px) - p.x, 0, p.x - Double(px + 1))
            let dy = max(Double(py) - p.y, 0, p.y - Double(py + 1))
            best = min(best, (dx * dx + dy * dy).squareRoot())
        }
    }
    return best
}

/// Pixel bounds (x0, y0, x1, y1; exclusive ends) of mask values > 0 inside a w×h photo.
private func pixelBounds(_ mask: [Float], _ m: FlySimFlyMask, width: Int, height: Int) -> (Int, Int, Int, Int)? {
    var x0 = Int.max, y0 = Int.max, x1 = Int.min, y1 = Int.min
    for j in 0..<m.height {
        for i in 0..<m.width where mask[j * m.width + i] > 0 {
            let x = m.x + i, y = m.y + j
            guard x >= 0, y >= 0, x < width, y < height else { continue }
            x0 = min(x0, x); y0 = min(y0, y); x1 = max(x1, x + 1); y1 = max(y1, y + 1)
        }
    }
    return x0 == Int.max ? nil : (x0, y0, x1, y1)
}

@Suite struct FlySimGroundTruthTests {
    @Test(arguments: [11, 12, 13] as [UInt64])
    func keypointsLieOnTheirParts(seed: UInt64) throws {
        let config = busyConfiguration()
        let photo = try FlySim.render(config, seed: seed)
        let masks = try FlySim.renderFlyMasks(config, seed: seed)
        #expect(masks.count == photo.annotation.flies.count)
        for (fly, mask) in zip(photo.annotation.flies, masks) {
            let k = try #require(fly.keypoints)
            #expect(distance(from: k.head, to: mask.body, in: mask) <= 1.5, "fly \(fly.id) head \(k.head)")
            #expect(distance(from: k.tail, to: mask.body, in: mask) <= 1.5, "fly \(fly.id) tail \(k.tail)")
            #expect(distance(from: k.wing1, to: mask.wing1, in: mask) == 0, "fly \(fly.id) wing 1 tip \(k.wing1)")
            #expect(distance(from: k.wing2, to: mask.wing2, in: mask) == 0, "fly \(fly.id) wing 2 tip \(k.wing2)")
            // The body axis runs from tail to head over most of the oriented box.
            let o = try #require(fly.orientedBox)
            let axis = hypot(k.head.x - k.tail.x, k.head.y - k.tail.y)
            #expect(axis > 0.5 * o.length && axis <= o.length + 1)
        }
    }

    @Test(arguments: [21, 22] as [UInt64])
    func boxesAreTightAroundTheRenderedAlpha(seed: UInt64) throws {
        let config = busyConfiguration()
        let photo = try FlySim.render(config, seed: seed)
        let masks = try FlySim.renderFlyMasks(config, seed: seed)
        let w = photo.image.width, h = photo.image.height
        var legsOutside = 0
        for (fly, mask) in zip(photo.annotation.flies, masks) {
            let b = try #require(pixelBounds(mask.counted, mask, width: w, height: h), "fly \(fly.id) has no pixels")
            let box = fly.box
            #expect(abs(box.x - Double(b.0)) <= 1, "fly \(fly.id): box x \(box.x) vs alpha \(b.0)")
            #expect(abs(box.y - Double(b.1)) <= 1, "fly \(fly.id): box y \(box.y) vs alpha \(b.1)")
            #expect(abs(box.maxX - Double(b.2)) <= 1, "fly \(fly.id): box max x \(box.maxX) vs alpha \(b.2)")
            #expect(abs(box.maxY - Double(b.3)) <= 1, "fly \(fly.id): box max y \(box.maxY) vs alpha \(b.3)")
            #expect(box.x >= 0 && box.y >= 0 && box.maxX <= Double(w) && box.maxY <= Double(h))
            // Legs are drawn but not counted: somewhere they reach past the box.
            if let all = pixelBounds(mask.alpha, mask, width: w, height: h),
               all.0 < b.0 || all.1 < b.1 || all.2 > b.2 || all.3 > b.3 { legsOutside += 1 }
        }
        #expect(legsOutside > 0)
    }

    @Test func orientedBoxHoldsTheFly() throws {
        let photo = try FlySim.render(busyConfiguration(), seed: 5)
        for fly in photo.annotation.flies {
            let o = try #require(fly.orientedBox)
            let a = o.angleDegrees * .pi / 180
            let axis = (cos(a), -sin(a)), across = (sin(a), cos(a))
            for p in try #require(fly.keypoints).all {
                let dx = p.x - o.center.x, dy = p.y - o.center.y
                #expect(abs(dx * axis.0 + dy * axis.1) <= o.length / 2 + 0.01)
                #expect(abs(dx * across.0 + dy * across.1) <= o.width / 2 + 0.01)
            }
            // It is as long as the axis-aligned box is wide or tall at most (plus rounding).
            #expect(o.length <= hypot(fly.box.width, fly.box.height) + 1 || fly.truncated)
        }
    }

    @Test func visibleFractionAndTruncationForABorderFly() throws {
        // Fly 1 straddles the left border; fly 2 lies fully inside; fly 3 is covered by fly 4.
        let flies = [
            FlySimFly(center: Point2D(10, 150), angleDegrees: 0, bodyLength: 120, pose: .dorsal),
            FlySimFly(center: Point2D(300, 150), angleDegrees: 90, bodyLength: 100, pose: .lateral),
            FlySimFly(center: Point2D(200, 400), angleDegrees: 30, bodyLength: 110, pose: .lateral),
            FlySimFly(center: Point2D(205, 395), angleDegrees: 35, bodyLength: 110, pose: .dorsal),
        ]
        let config = FlySimConfiguration(domain: .co2PadWhite, imageSize: (600, 520), fixedFlies: flies)
        let photo = try FlySim.render(config, seed: 1)
        let masks = try FlySim.renderFlyMasks(config, seed: 1)
        let a = photo.annotation.flies
        #expect(a.count == 4)

        // The border fly: the visible fraction is the share of its silhouette inside the photo.
        let m = masks[0]
        var total: Double = 0, inside: Double = 0
        for j in 0..<m.height {
            for i in 0..<m.width {
                let s = Double(max(m.body[j * m.width + i], m.wing1[j * m.width + i], m.wing2[j * m.width + i]))
                total += s
                if m.x + i >= 0 && m.y + j >= 0 && m.x + i < 600 && m.y + j < 520 { inside += s }
            }
        }
        let expected = inside / total
        #expect(expected > 0.2 && expected < 0.8)
        #expect(a[0].truncated)
        #expect(abs((a[0].visibleFraction ?? -1) - expected) < 0.01)
        #expect(a[0].box.x == 0)

        #expect(!a[1].truncated)
        #expect(a[1].visibleFraction == 1)
        #expect(!a[2].truncated)
        #expect((a[2].visibleFraction ?? 1) < 0.6)
        #expect(a[3].visibleFraction == 1)
    }

    @Test func randomTruncatedFliesAreFlaggedConsistently() throws {
        var config = busyConfiguration(flies: 30)
        config.truncatedProbability = 0.5
        config.touchingProbability = 0
        let photo = try FlySim.render(config, seed: 3)
        let w = Double(photo.image.width), h = Double(photo.image.height)
        var truncated = 0
        for fly in photo.annotation.flies {
            let visible = try #require(fly.visibleFraction)
            #expect(visible >= 0 && visible <= 1)
            if fly.truncated {
                truncated += 1
                #expect(visible < 0.999)
                // A cut fly's box touches the border.
                #expect(fly.box.x <= 0.5 || fly.box.y <= 0.5 || fly.box.maxX >= w - 0.5 || fly.box.maxY >= h - 0.5)
            }
        }
        #expect(truncated >= 5)
    }
}

@Suite struct FlySimKeypointVisibilityTests {
    /// A keypoint is visible when it lies in the photo and at least half the light passes the
    /// flies drawn after it there. Checked against the flies drawn alone: the light that
    /// reaches a point is the product of (1 − alpha) of every later fly's own mask.
    @Test func hiddenMeansOutsideOrUnderALaterFly() throws {
        var config = busyConfiguration(flies: 30)
        config.touchingProbability = 0.6
        config.truncatedProbability = 0.3
        let photo = try FlySim.render(config, seed: 5)
        let masks = try FlySim.renderFlyMasks(config, seed: 5)
        let flies = photo.annotation.flies
        #expect(flies.count == masks.count)
        let w = photo.image.width, h = photo.image.height
        var outside = 0, covered = 0, checked = 0
        for (i, fly) in flies.enumerated() {
            let k = try #require(fly.keypoints)
            for (point, visible) in zip(k.all, k.visible) {
                let x = Int(point.x.rounded(.down)), y = Int(point.y.rounded(.down))
                guard x >= 0, y >= 0, x < w, y < h else {
                    #expect(!visible, "fly \(fly.id): a point outside the photo is marked visible")
                    outside += 1
                    continue
                }
                let light = masks[(i + 1)...].reduce(Float(1)) { $0 * (1 - $1.value($1.alpha, x, y)) }
                guard abs(light - 0.5) > 0.02 else { continue }   // too close to the line to call
                #expect(visible == (light > 0.5), "fly \(fly.id) at (\(x), \(y)): light \(light), visible \(visible)")
                checked += 1
                if light < 0.5 { covered += 1 }
            }
        }
        // The scene must exercise both causes, or the test proves nothing.
        #expect(outside >= 2 && covered >= 5 && checked > 80, "outside \(outside), covered \(covered), checked \(checked)")
    }
}

@Suite struct FlySimDeterminismTests {
    @Test func sameSeedGivesTheSameBytesOnAnyThreadCount() throws {
        var config = FlySimConfiguration(domain: .petriDish, flyCount: 20...30, imageSize: (640, 480))
        config.threads = 2
        let a = try FlySim.render(config, seed: 42)
        let b = try FlySim.render(config, seed: 42)
        config.threads = 1
        let c = try FlySim.render(config, seed: 42)
        #expect(a.image == b.image)
        #expect(a.image == c.image)
        #expect(a.annotation == b.annotation)
        #expect(a.annotation == c.annotation)
    }

    @Test func differentSeedsGiveDifferentPhotos() throws {
        let config = FlySimConfiguration(domain: .labBlueCard, flyCount: 10...10, imageSize: (640, 480))
        let a = try FlySim.render(config, seed: 1)
        let b = try FlySim.render(config, seed: 2)
        #expect(a.image != b.image)
        #expect(a.annotation.flies.map(\.box) != b.annotation.flies.map(\.box))
    }
}

@Suite struct FlySimConfigurationTests {
    /// Flies from several small photos of 150 flies each.
    private func manyFlies(_ traits: FlySimTraitDistribution, photos: Int = 8) throws -> [FlyAnnotation] {
        let config = FlySimConfiguration(domain: .co2PadWhite, flyCount: 150...150, imageSize: (480, 360), flyLength: 20...24,
                                         traits: traits)
        return try (0..<photos).flatMap { try FlySim.render(config, seed: UInt64(100 + $0)).annotation.flies }
    }

    private func share(_ flies: [FlyAnnotation], _ predicate: (FlyAnnotation) -> Bool) -> Double {
        Double(flies.filter(predicate).count) / Double(flies.count)
    }

    @Test func independentTraitProbabilities() throws {
        let flies = try manyFlies(.independent(redEye: 0.3, longWing: 0.8, female: 0.5))
        #expect(flies.count == 1200)
        // 4 standard errors (n = 1200): about ±0.05 for p = 0.3, ±0.046 for 0.8, ±0.058 for 0.5.
        #expect(abs(share(flies) { $0.traits.eye == .red } - 0.3) < 0.053)
        #expect(abs(share(flies) { $0.traits.wing == .long } - 0.8) < 0.047)
        #expect(abs(share(flies) { $0.traits.sex == .female } - 0.5) < 0.058)
        // Poses: 80 % lateral by default.
        #expect(abs(share(flies) { $0.pose == .lateral } - 0.8) < 0.047)
        #expect(flies.allSatisfy { $0.pose != nil && $0.traits.eye != nil && $0.traits.wing != nil && $0.traits.sex != nil })
    }

    @Test func phenotypeWeightsOfACross() throws {
        let flies = try manyFlies(.whiteMiniatureF2(recombinationFrequency: 0.34))
        let parental = share(flies) {
            ($0.traits.eye == .white && $0.traits.wing == .miniature) || ($0.traits.eye == .red && $0.traits.wing == .long)
        }
        #expect(abs(parental - 0.66) < 0.056)
        #expect(abs(share(flies) { $0.traits.sex == .male } - 0.5) < 0.058)
    }

    @Test func balancedClasses() throws {
        let flies = try manyFlies(.balanced)
        for p in FlyPhenotype.all {
            let s = share(flies) { $0.traits.eye == p.eye && $0.traits.wing == p.wing && $0.traits.sex == p.sex }
            #expect(abs(s - 0.125) < 0.04, "\(p): \(s)")
        }
        // Only one class when asked.
        let only = try manyFlies(.weights([FlyPhenotype(eye: .white, wing: .miniature, sex: .male): 1]), photos: 1)
        #expect(only.allSatisfy { $0.traits == FlyTraits(eye: .white, wing: .miniature, sex: .male) })
    }

    @Test func flyCountStaysInRange() throws {
        var counts = Set<Int>()
        for seed in 0..<12 as Range<UInt64> {
            let config = FlySimConfiguration(domain: .graphPaper, flyCount: 3...6, imageSize: (320, 240))
            let n = try FlySim.render(config, seed: seed).annotation.flies.count
            #expect((3...6).contains(n))
            counts.insert(n)
        }
        #expect(counts.count >= 3)
        let one = FlySimConfiguration(domain: .graphPaper, flyCount: 1...1, imageSize: (320, 240))
        #expect(try FlySim.render(one, seed: 9).annotation.flies.count == 1)
    }

    @Test func invalidConfigurationsAreRefused() {
        #expect(throws: FlySimError.self) { try FlySim.render(FlySimConfiguration(flyCount: 0...10), seed: 1) }
        #expect(throws: FlySimError.self) { try FlySim.render(FlySimConfiguration(flyCount: 10...151), seed: 1) }
        #expect(throws: FlySimError.self) { try FlySim.render(FlySimConfiguration(megapixels: 0.1...1), seed: 1) }
        #expect(throws: FlySimError.self) {
            try FlySim.render(FlySimConfiguration(traits: .independent(redEye: 1.5, longWing: 0.5, female: 0.5)), seed: 1)
        }
        #expect(FlySimConfiguration().problems.isEmpty)
    }
}

@Suite struct FlySimDomainTests {
    @Test func everyDomainRenders() throws {
        #expect(FlySim.domainNames == ["lab-blue-card", "co2-pad-white", "petri-dish", "grey-card-dim", "phone-microscope", "graph-paper"])
        var means: [String: (Double, Double, Double)] = [:]
        for name in FlySim.domainNames {
            let config = try #require(FlySimConfiguration(domainNamed: name))
            var small = config
            small.megapixels = 0.5...0.5
            small.flyCount = 8...12
            let photo = try FlySim.render(small, seed: 4)
            #expect(photo.domain == name)
            #expect((8...12).contains(photo.annotation.flies.count))
            #expect(photo.annotation.width == photo.image.width && photo.annotation.height == photo.image.height)
            var r = 0.0, g = 0.0, b = 0.0
            let px = photo.image.pixels
            for i in stride(from: 0, to: px.count, by: 3) { r += Double(px[i]); g += Double(px[i + 1]); b += Double(px[i + 2]) }
            let n = Double(photo.image.pixelCount)
            means[name] = (r / n, g / n, b / n)
            #expect(Set(px).count > 100, "\(name) looks flat")
        }
        let blue = try #require(means["lab-blue-card"]), pad = try #require(means["co2-pad-white"])
        let dim = try #require(means["grey-card-dim"])
        #expect(blue.2 > blue.0 + 25)                        // blue card is blue
        #expect(pad.0 > 180 && pad.1 > 180 && pad.2 > 170)   // white pad is bright
        #expect(dim.0 + dim.1 + dim.2 < (pad.0 + pad.1 + pad.2) * 0.6)
        #expect(FlySimDomain.named("no-such-domain") == nil)
    }

    @Test func phoneMicroscopeHasADarkSurround() throws {
        let config = FlySimConfiguration(domain: .phoneMicroscope, flyCount: 5...5, imageSize: (800, 450))
        let image = try FlySim.render(config, seed: 2).image
        let corner = image[2, 2], centre = image[400, 225]
        #expect(Int(corner.r) + Int(corner.g) + Int(corner.b) < 90)
        #expect(Int(centre.r) + Int(centre.g) + Int(centre.b) > 300)
    }
}

@Suite struct FlySimResolutionTests {
    @Test func smallestPhotoAndFlySizes() throws {
        let config = FlySimConfiguration(domain: .labBlueCard, megapixels: 0.5...0.5)
        let photo = try FlySim.render(config, seed: 8)
        let mp = Double(photo.image.pixelCount) / 1e6
        #expect(abs(mp - 0.5) < 0.01)
        #expect((40...70).contains(photo.annotation.flies.count))
        for fly in photo.annotation.flies where !fly.truncated {
            let span = try #require(fly.orientedBox).length
            #expect(span >= 38 && span <= 400, "span \(span)")
        }
    }

    @Test func largestPhoto() throws {
        let config = FlySimConfiguration(domain: .greyCardDim, flyCount: 3...3, megapixels: 12...12)
        let photo = try FlySim.render(config, seed: 8)
        #expect(abs(Double(photo.image.pixelCount) / 1e6 - 12) < 0.05)
        #expect(photo.annotation.flies.count == 3)
        for fly in photo.annotation.flies {
            let span = try #require(fly.orientedBox).length
            #expect(span >= 40 && span <= 400, "span \(span)")
        }
    }

    @Test func jpegRoundTripKeepsTheSizeAndAddsArtefacts() throws {
        let photo = try FlySim.render(FlySimConfiguration(flyCount: 5...5, imageSize: (320, 240)), seed: 3)
        #expect((70...100).contains(photo.jpegQuality))
        let low = try FlySim.jpegRoundTrip(photo.image, quality: 40)
        let high = try FlySim.jpegRoundTrip(photo.image, quality: 95)
        #expect(low.width == 320 && low.height == 240)
        func error(_ a: RGBImage) -> Double {
            zip(a.pixels, photo.image.pixels).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(a.pixels.count)
        }
        #expect(error(low) > error(high))
        #expect(error(high) > 0 && error(high) < 3)
    }

    @Test func benchmarkRuns() throws {
        let r = try FlySimBenchmark.run(megapixels: 0.5, flies: 5, photos: 1)
        #expect(r.photosPerSecond > 0)
        #expect(r.flies == 5)
    }
}

/// Many seeds in every domain, crowded and cut by the border: rendering never traps. (A fly
/// tile wholly outside the photo once formed a reversed range in the compositor.)
@Suite struct FlySimRobustnessTests {
    @Test func manySeedsInEveryDomainRender() throws {
        for domain in FlySimDomain.all + [.varied] {
            var configuration = FlySimConfiguration(domain: domain, flyCount: 60...150, megapixels: 0.5...0.5)
            configuration.truncatedProbability = 0.5
            configuration.touchingProbability = 0.5
            for seed in 0..<6 {
                let photo = try FlySim.render(configuration, seed: UInt64(1000 + seed))
                #expect(photo.annotation.flies.allSatisfy { $0.box.width >= 0 && $0.box.height >= 0 })
            }
        }
    }
}
