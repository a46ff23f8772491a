import Datasets
import Foundation
import ImageIO
import ImageProcessing
import Tensors

/// The per-photo draws from a domain: colours, lighting, camera.
struct SceneLook: Sendable {
    var surface: FlySimSurface
    var surfaceColour: Colour
    var fleckColour: Colour
    var grid: GridLook?
    var dish: DishLook?
    var eyepiece: EyepieceLook?
    var pixelsPerMillimetre: Double
    /// Typical female body length in pixels.
    var flyLength: Double
    var exposure: Float
    var whiteBalance: Colour
    /// Brightness slope per pixel (x, y), relative.
    var gradient: SIMD2<Float>
    var vignetting: Float
    /// Unit vector towards the light (screen x right, y down, z up to the camera).
    var light: SIMD3<Float>
    var shadowStrength: Float
    var shadowBlur: Double
    var shadowOffset: Vec2
    var blurSigma: Double
    var noise: Float
    var sharpening: Float
    var saturation: Float
    var jpegQuality: Int
    var dustCount: Int
    var fibreCount: Int
    var fleckCount: Int
    var backgroundSeed: UInt64
    var postSeed: UInt64
}

struct GridLook: Sendable {
    var colour: Colour
    var spacing: Double
    var width: Double
    var angle: Double
    var offset: Vec2
    var majorEvery: Int
    var majorWidth: Double
    var minorStrength: Float
    let cosAngle: Double
    let sinAngle: Double
    let inverseSpacing: Double
    /// Farthest distance from a line that any ink reaches.
    let reach: Double

    init(colour: Colour, spacing: Double, width: Double, angle: Double, offset: Vec2, majorEvery: Int,
         majorWidth: Double, minorStrength: Float) {
        self.colour = colour
        self.spacing = spacing
        self.width = width
        self.angle = angle
        self.offset = offset
        self.majorEvery = majorEvery
        self.majorWidth = majorWidth
        self.minorStrength = minorStrength
        cosAngle = cos(angle)
        sinAngle = sin(angle)
        inverseSpacing = 1 / spacing
        let widest = max(width, majorEvery > 0 ? majorWidth : 0)
        reach = widest / 2 + max(1, 0.35 * widest) + 0.5
    }
}

struct DishLook: Sendable {
    var centre: Vec2
    var radius: Double
    var rimWidth: Double
    var outside: Colour
}

struct EyepieceLook: Sendable {
    var centre: Vec2
    var radius: Double
    var softness: Double

    /// Light let through at a pixel centre (1 inside the field, 0 outside).
    @inline(__always) func transmission(_ x: Double, _ y: Double) -> Float {
        let d = ((x - centre.x) * (x - centre.x) + (y - centre.y) * (y - centre.y)).squareRoot()
        return 1 - smoothstep(Float(radius - softness), Float(radius), Float(d))
    }
}

struct PlannedFly: Sendable {
    var spec: FlySpec
    var geometry: FlyGeometry
}

/// Everything needed to draw one photo, decided from the configuration and seed alone.
struct ScenePlan: Sendable {
    var width: Int
    var height: Int
    var look: SceneLook
    var flies: [PlannedFly]
    var threads: Int
}

enum ScenePlanner {
    static func plan(_ config: FlySimConfiguration, seed: UInt64) -> ScenePlan {
        let d = config.domain.drawsPerPhoto ? FlySimDomain.variedDraw(seed: seed) : config.domain
        var master = RandomSource(seed: seed ^ 0x464C_5953_494D_0001)
        var cameraRNG = master.split()
        var layoutRNG = master.split()
        var traitRNG = master.split()
        var detailRNG = master.split()
        let backgroundSeed = master.next()
        let postSeed = master.next()

        // Size.
        let width: Int, height: Int
        if let s = config.imageSize {
            width = s.width; height = s.height
        } else {
            let mp = cameraRNG.double(config.megapixels ?? d.megapixels)
            let aspect = d.aspectRatios.isEmpty ? 4.0 / 3 : cameraRNG.pick(d.aspectRatios)
            width = max(16, Int((mp * 1e6 * aspect).squareRoot().rounded()))
            height = max(16, Int((mp * 1e6 / aspect).squareRoot().rounded()))
        }
        let W = Double(width), H = Double(height), short = min(W, H)

        // Magnification: from the field of view (the eyepiece circle's diameter when there
        // is one), reduced when the flies would not fit; background detail follows it.
        let fov = cameraRNG.double(d.fieldOfView)
        var eyepiece: EyepieceLook? = nil
        if d.eyepiece {
            let radius = short * cameraRNG.double(0.46...0.6)
            let centre = Vec2(W / 2 + W * cameraRNG.double(-0.03...0.03), H / 2 + H * cameraRNG.double(-0.03...0.03))
            eyepiece = EyepieceLook(centre: centre, radius: radius, softness: radius * cameraRNG.double(0.01...0.04))
        }
        let opticalPxPerMM = eyepiece.map { 2 * $0.radius / fov } ?? short / fov
        let dishRadiusMM = 45 * cameraRNG.double(0.92...1.0)
        let dishCentre = Vec2(W / 2 + W * cameraRNG.double(-0.05...0.05), H / 2 + H * cameraRNG.double(-0.05...0.05))
        let benches = [Colour(62, 62, 66), Colour(34, 34, 38), Colour(150, 118, 86), Colour(205, 203, 198)]
        let bench = cameraRNG.pick(benches) * cameraRNG.float(0.92...1.06)
        func dishLook(_ ppm: Double) -> DishLook? {
            d.petriDish ? DishLook(centre: dishCentre, radius: dishRadiusMM * ppm, rimWidth: max(3, 1.3 * ppm), outside: bench) : nil
        }
        let count = config.fixedFlies?.count ?? layoutRNG.int(config.flyCount)
        var flyLength: Double
        if let l = config.flyLength {
            flyLength = layoutRNG.double(l)
        } else {
            flyLength = 2.5 * opticalPxPerMM
            // Keep roughly a third of the free area for flies at most.
            let area = PlacementRegion(width: W, height: H, dish: dishLook(opticalPxPerMM), eyepiece: eyepiece).area
            let cap = (0.32 * area / (Double(max(count, 1)) * 0.5)).squareRoot()
            flyLength = min(270, max(60, min(flyLength, cap)))
        }
        let pxPerMM = flyLength / 2.5
        let dish = dishLook(pxPerMM)
        let region = PlacementRegion(width: W, height: H, dish: dish, eyepiece: eyepiece)

        // Look.
        var look = SceneLook(
            surface: d.surface, surfaceColour: .zero, fleckColour: .zero, grid: nil, dish: dish, eyepiece: eyepiece,
            pixelsPerMillimetre: pxPerMM, flyLength: flyLength,
            exposure: 1, whiteBalance: Colour(1, 1, 1), gradient: .zero, vignetting: 0, light: SIMD3(0, 0, 1),
            shadowStrength: 0, shadowBlur: 1, shadowOffset: .zero, blurSigma: 0, noise: 0, sharpening: 0,
            saturation: 1, jpegQuality: 90, dustCount: 0, fibreCount: 0, fleckCount: 0,
            backgroundSeed: backgroundSeed, postSeed: postSeed)
        let jitter = Float(d.surfaceColourJitter)
        func jittered(_ c: RGB) -> Colour {
            let k = 1 + cameraRNG.float(-jitter...jitter)
            return Colour(Float(c.r) * (k + cameraRNG.float(-jitter...jitter) * 0.5),
                          Float(c.g) * (k + cameraRNG.float(-jitter...jitter) * 0.5),
                          Float(c.b) * (k + cameraRNG.float(-jitter...jitter) * 0.5))
        }
        switch d.surface {
        case .card(let colour, let fleck):
            look.surfaceColour = jittered(colour)
            look.fleckColour = jittered(fleck)
        case .co2Pad:
            look.surfaceColour = jittered(RGB(238, 238, 232))
            look.fleckColour = look.surfaceColour
        case .paper(let colour):
            look.surfaceColour = jittered(colour)
            look.fleckColour = look.surfaceColour * 0.9
        }
        if let g = d.grid, cameraRNG.chance(d.gridProbability) {
            let spacing = cameraRNG.double(g.spacing) * pxPerMM
            look.grid = GridLook(colour: Colour(Float(g.colour.r), Float(g.colour.g), Float(g.colour.b)),
                                 spacing: spacing, width: max(0.8, cameraRNG.double(g.width) * pxPerMM),
                                 angle: cameraRNG.double(-0.025...0.025),
                                 offset: Vec2(cameraRNG.double(0...1) * spacing, cameraRNG.double(0...1) * spacing),
                                 majorEvery: g.majorEvery, majorWidth: max(1, g.majorWidth * pxPerMM),
                                 minorStrength: Float(g.minorStrength))
        }
        look.exposure = cameraRNG.float(Float(d.exposure.lowerBound)...Float(d.exposure.upperBound))
        let warmth = cameraRNG.double(d.warmth), tint = cameraRNG.double(d.tint)
        look.whiteBalance = Colour(Float(1 + 0.16 * warmth), Float(1 + 0.02 * warmth + tint), Float(1 - 0.24 * warmth))
        let gradientAngle = cameraRNG.double(0...(2 * .pi))
        let gradientAmount = cameraRNG.double(d.gradient) / max(W, H)
        look.gradient = SIMD2(Float(cos(gradientAngle) * gradientAmount), Float(sin(gradientAngle) * gradientAmount))
        look.vignetting = Float(cameraRNG.double(d.vignetting))
        let elevation = cameraRNG.double(d.lightElevation) * .pi / 180
        // Mostly from the top of the photo (the side away from the photographer).
        let azimuth = -Double.pi / 2 + cameraRNG.double(-1.3...1.3)
        look.light = SIMD3(Float(cos(elevation) * cos(azimuth)), Float(cos(elevation) * sin(azimuth)), Float(sin(elevation)))
        look.shadowStrength = Float(cameraRNG.double(d.shadowStrength))
        look.shadowBlur = max(1, cameraRNG.double(d.shadowSoftness) * flyLength)
        let reach = 0.12 * flyLength / max(0.25, tan(elevation))
        look.shadowOffset = Vec2(-cos(azimuth), -sin(azimuth)) * reach
        look.blurSigma = cameraRNG.double(d.blur) * flyLength
        look.noise = Float(cameraRNG.double(d.noise))
        look.sharpening = Float(cameraRNG.double(d.sharpening))
        look.saturation = Float(cameraRNG.double(d.saturation))
        look.jpegQuality = cameraRNG.int(d.jpegQuality)
        let squareCentimetres = W * H / (pxPerMM * pxPerMM) / 100
        look.dustCount = min(4000, Int(squareCentimetres * d.dust * cameraRNG.double(0.5...1.5)))
        look.fibreCount = min(400, Int(squareCentimetres * d.fibres * cameraRNG.double(0.3...1.7)))
        if case .card = d.surface {
            look.fleckCount = min(20000, Int(squareCentimetres * 12 * cameraRNG.double(0.5...1.5)))
        }

        // Flies.
        let probabilities = config.traits.probabilities
        let poseWeights = [config.poses.lateral, config.poses.dorsal, config.poses.ventral]
        let poses: [Pose] = [.lateral, .dorsal, .ventral]
        var placed: [PlannedFly] = []
        var boxes: [OrientedRect] = []
        for i in 0..<count {
            let phenotype: FlyPhenotype, pose: Pose, mirrored: Bool, angle: Double, female: Double
            let fixed = config.fixedFlies?[i]
            if let f = fixed {
                phenotype = f.phenotype
                pose = f.pose
                mirrored = f.mirrored
                angle = f.angleDegrees * .pi / 180
                female = f.bodyLength ?? flyLength
            } else {
                phenotype = FlyPhenotype.all[traitRNG.weighted(probabilities)]
                pose = poses[layoutRNG.weighted(poseWeights)]
                mirrored = layoutRNG.chance(0.5)
                angle = layoutRNG.double(0...(2 * .pi))
                female = flyLength * min(1.12, max(0.88, layoutRNG.gaussian(1, 0.045)))
            }
            let unit = female * (phenotype.sex == .male ? 0.9 : 1)
            var spec = FlySpec(center: .zero, angle: angle, unit: unit, pose: pose, mirrored: mirrored,
                               eye: phenotype.eye, wing: phenotype.wing, sex: phenotype.sex, detailSeed: detailRNG.next())
            var builder = FlyBuilder(spec: spec, light: look.light)
            let atOrigin = builder.build()
            let position: Vec2
            if let f = fixed {
                position = Vec2(f.center.x, f.center.y)
            } else {
                position = place(atOrigin, region: region, boxes: boxes, rng: &layoutRNG,
                                 touching: config.touchingProbability, truncated: config.truncatedProbability)
            }
            spec.center = position
            let geometry = atOrigin.translated(by: position)
            boxes.append(OrientedRect(geometry.orientedBox))
            placed.append(PlannedFly(spec: spec, geometry: geometry))
        }
        return ScenePlan(width: width, height: height, look: look, flies: placed,
                         threads: config.threads ?? defaultThreadCount)
    }

    /// Chooses the position of a fly (its geometry built at the origin).
    static func place(_ fly: FlyGeometry, region: PlacementRegion, boxes: [OrientedRect], rng: inout RandomSource,
                      touching: Double, truncated: Double) -> Vec2 {
        let box = OrientedRect(fly.orientedBox)
        let b = fly.countedBounds
        if rng.chance(truncated), let p = region.acrossBorder(b, rng: &rng) { return p }
        if !boxes.isEmpty && rng.chance(touching) {
            let other = boxes[rng.int(0...(boxes.count - 1))]
            for _ in 0..<10 {
                let dir = rng.double(0...(2 * .pi))
                let dist = (box.halfLength + other.halfLength) * rng.double(0.35...0.75)
                let p = other.centre - box.centre + Vec2(cos(dir), sin(dir)) * dist
                if region.contains(b, at: p) { return p }
            }
        }
        var best = Vec2.zero, bestOverlaps = Int.max
        for _ in 0..<40 {
            guard let p = region.randomPosition(for: b, rng: &rng) else { break }
            let moved = box.moved(by: p)
            var overlaps = 0
            for o in boxes where moved.intersects(o) { overlaps += 1 }
            if overlaps == 0 { return p }
            if overlaps < bestOverlaps { best = p; bestOverlaps = overlaps }
        }
        if bestOverlaps == Int.max {
            // The fly is larger than the region: centre it.
            return region.centre - Vec2((b.minX + b.maxX) / 2, (b.minY + b.maxY) / 2)
        }
        return best
    }
}

/// Where flies may lie: the photo, or the part of a dish / eyepiece field inside it.
struct PlacementRegion {
    let width: Double
    let height: Double
    let circle: (centre: Vec2, radius: Double)?
    /// Flies may be cut by the circle (eyepiece) or only by the photo border (dish).
    let circleCuts: Bool

    init(width: Double, height: Double, dish: DishLook?, eyepiece: EyepieceLook?) {
        self.width = width
        self.height = height
        if let d = dish {
            circle = (d.centre, d.radius - d.rimWidth * 1.2)
            circleCuts = false
        } else if let e = eyepiece {
            circle = (e.centre, e.radius - e.softness)
            circleCuts = true
        } else {
            circle = nil
            circleCuts = false
        }
    }

    var centre: Vec2 { circle?.centre ?? Vec2(width / 2, height / 2) }

    /// Area flies can use (pixels²), roughly.
    var area: Double {
        guard let c = circle else { return width * height }
        return min(width * height, Double.pi * c.radius * c.radius)
    }

    private var margin: Double { 2 }

    func contains(_ b: Bounds, at p: Vec2) -> Bool {
        let x0 = b.minX + p.x, x1 = b.maxX + p.x, y0 = b.minY + p.y, y1 = b.maxY + p.y
        guard x0 >= margin, y0 >= margin, x1 <= width - margin, y1 <= height - margin else { return false }
        if let c = circle {
            for q in [Vec2(x0, y0), Vec2(x1, y0), Vec2(x0, y1), Vec2(x1, y1)] where length(q - c.centre) > c.radius {
                // Box corners are a conservative stand-in for the fly's outline.
                return false
            }
        }
        return true
    }

    func randomPosition(for b: Bounds, rng: inout RandomSource) -> Vec2? {
        for _ in 0..<30 {
            let p: Vec2
            if let c = circle {
                let r = c.radius * Double(rng.uniform()).squareRoot(), a = rng.double(0...(2 * .pi))
                p = c.centre + Vec2(cos(a), sin(a)) * r - Vec2((b.minX + b.maxX) / 2, (b.minY + b.maxY) / 2)
            } else {
                let lo = Vec2(margin - b.minX, margin - b.minY), hi = Vec2(width - margin - b.maxX, height - margin - b.maxY)
                guard lo.x <= hi.x, lo.y <= hi.y else { return nil }
                p = Vec2(rng.double(lo.x...hi.x), rng.double(lo.y...hi.y))
            }
            if contains(b, at: p) { return p }
        }
        return nil
    }

    /// A position where 10–55 % of the fly's box lies outside the photo (or the eyepiece field).
    func acrossBorder(_ b: Bounds, rng: inout RandomSource) -> Vec2? {
        let w = b.maxX - b.minX, h = b.maxY - b.minY
        if let c = circle {
            guard circleCuts else { return nil }
            let a = rng.double(0...(2 * .pi))
            let size = max(w, h)
            let r = c.radius + size * rng.double(-0.35...0.15)
            let p = c.centre + Vec2(cos(a), sin(a)) * r - Vec2((b.minX + b.maxX) / 2, (b.minY + b.maxY) / 2)
            return p
        }
        let out = rng.double(0.1...0.55)
        switch rng.int(0...3) {
        case 0: return Vec2(-b.minX - out * w, rng.double(-b.minY...max(-b.minY, height - b.maxY)))
        case 1: return Vec2(width - b.maxX + out * w, rng.double(-b.minY...max(-b.minY, height - b.maxY)))
        case 2: return Vec2(rng.double(-b.minX...max(-b.minX, width - b.maxX)), -b.minY - out * h)
        default: return Vec2(rng.double(-b.minX...max(-b.minX, width - b.maxX)), height - b.maxY + out * h)
        }
    }
}

/// An oriented rectangle for overlap tests between flies.
struct OrientedRect {
    var centre: Vec2
    var axis: Vec2
    var halfLength: Double
    var halfWidth: Double

    init(_ o: OrientedBox) {
        centre = Vec2(o.center.x, o.center.y)
        let a = o.angleDegrees * .pi / 180
        axis = Vec2(cos(a), -sin(a))
        halfLength = o.length / 2
        halfWidth = o.width / 2
    }

    func moved(by d: Vec2) -> OrientedRect {
        var r = self
        r.centre += d
        return r
    }

    /// Separating-axis test.
    func intersects(_ o: OrientedRect) -> Bool {
        let d = o.centre - centre
        for ax in [axis, Vec2(-axis.y, axis.x), o.axis, Vec2(-o.axis.y, o.axis.x)] {
            let r1 = halfLength * abs(dot(axis, ax)) + halfWidth * abs(dot(Vec2(-axis.y, axis.x), ax))
            let r2 = o.halfLength * abs(dot(o.axis, ax)) + o.halfWidth * abs(dot(Vec2(-o.axis.y, o.axis.x), ax))
            if abs(dot(d, ax)) > r1 + r2 { return false }
        }
        return true
    }
}
