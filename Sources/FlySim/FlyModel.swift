import Datasets
import Foundation
import ImageProcessing
import Tensors

// The anatomy of one fly: a list of parts in drawing order (back to front) built in the
// fly's own frame and mapped to photo pixels, plus its exact ground truth.
//
// Local frame: u runs along the body axis towards the head, v across it. For a lateral fly
// +v is the dorsal side (the legs hang towards −v); for dorsal and ventral flies +v is the
// fly's left as seen from above. Lengths are in units U: a female is about 1 U from head tip
// to abdomen tip, a male about 0.87 U of a unit that is itself about 10 % smaller.

/// Every choice that fixes one fly, drawn when the photo is planned.
struct FlySpec: Sendable {
    /// Thorax centre in photo pixels.
    var center: Vec2
    /// Body axis (tail → head), radians counter-clockwise on screen from +x.
    var angle: Double
    /// Pixels per unit U.
    var unit: Double
    var pose: Pose
    /// Mirror image (which side a lateral fly lies on; chirality of a dorsal one).
    var mirrored: Bool
    var eye: EyeColour
    var wing: WingLength
    var sex: Sex
    /// Seed of the fly's own details (colours, leg and wing angles, …).
    var detailSeed: UInt64
}

/// A fly ready to draw, with its exact ground truth in photo pixels.
struct FlyGeometry: Sendable {
    var parts: [Part]
    var head: Vec2
    var tail: Vec2
    var wingTip1: Vec2
    var wingTip2: Vec2
    /// Union of the analytic bounds of the counted parts (body, eyes, wings).
    var countedBounds: Bounds
    /// Bounds of every part, appendages included.
    var allBounds: Bounds
    var orientedBox: OrientedBox

    func translated(by d: Vec2) -> FlyGeometry {
        var g = self
        g.parts = parts.map { $0.translated(by: d) }
        g.head += d; g.tail += d; g.wingTip1 += d; g.wingTip2 += d
        g.countedBounds = Bounds(minX: countedBounds.minX + d.x, minY: countedBounds.minY + d.y,
                                 maxX: countedBounds.maxX + d.x, maxY: countedBounds.maxY + d.y)
        g.allBounds = Bounds(minX: allBounds.minX + d.x, minY: allBounds.minY + d.y,
                             maxX: allBounds.maxX + d.x, maxY: allBounds.maxY + d.y)
        g.orientedBox.center = Point2D(orientedBox.center.x + d.x, orientedBox.center.y + d.y)
        return g
    }
}

extension Part {
    func translated(by d: Vec2) -> Part {
        var p = self
        switch shape {
        case .polygon(var poly):
            poly.vertices = poly.vertices.map { $0 + d }
            poly.origin += d
            for i in 0..<poly.c.count { poly.c[i] += poly.nx[i] * d.x + poly.ny[i] * d.y }
            p.shape = .polygon(poly)
        case .capsule(var cap):
            cap.a += d
            cap.b += d
            p.shape = .capsule(cap)
        }
        return p
    }
}

/// Maps the fly's local (u, v) in units U to photo pixels.
struct FlyFrame {
    let center: Vec2
    let axis: Vec2
    let across: Vec2
    let unit: Double

    init(center: Vec2, angle: Double, unit: Double, mirrored: Bool) {
        self.center = center
        axis = Vec2(cos(angle), -sin(angle))
        let p = perpendicular(axis)
        across = mirrored ? -p : p
        self.unit = unit
    }

    func point(_ u: Double, _ v: Double) -> Vec2 { center + (axis * u + across * v) * unit }
    func direction(_ u: Double, _ v: Double) -> Vec2 { normalized(axis * u + across * v) }
}

extension RandomSource: RandomSourceLike {
    mutating func unitFloat() -> Float { uniform() }
    mutating func nextBits() -> UInt64 { next() }
    mutating func standardNormal() -> Float { normal() }
}

/// Half-width of a superellipse-like profile: `w` at s = 0, exponent `front` for s > 0 and
/// `back` for s < 0 (2 = elliptical, < 2 pointed, > 2 blunt).
@inline(__always) func superProfile(_ s: Double, _ w: Double, front: Double, back: Double) -> Double {
    let e = s >= 0 ? front : back
    let a = min(1, abs(s))
    return w * Foundation.pow(max(0, 1 - Foundation.pow(a, e)), 1 / e)
}

/// Builds the parts of one fly. `light` is the unit light vector in screen terms
/// (x right, y down, z towards the camera).
struct FlyBuilder {
    let spec: FlySpec
    let frame: FlyFrame
    let light: SIMD3<Float>
    var rng: RandomSource
    var parts: [Part] = []
    var hairPaint = Paint()

    init(spec: FlySpec, light: SIMD3<Float>) {
        self.spec = spec
        self.light = light
        frame = FlyFrame(center: spec.center, angle: spec.angle, unit: spec.unit, mirrored: spec.mirrored)
        rng = RandomSource(seed: spec.detailSeed)
    }

    /// Polygon sample count for a part of the given size (pixels), so chords stay well under
    /// a pixel from the true curve.
    func samples(_ sizeU: Double) -> Int { min(40, max(10, Int(sizeU * frame.unit / 5))) }

    /// Sets the light and half vectors of `paint` for a part whose s axis and t axis point
    /// along `axis` and `normal` on screen.
    func lit(_ paint: Paint, axis: Vec2, normal: Vec2) -> Paint {
        var p = paint
        let l = SIMD3<Float>(Float(Double(light.x) * axis.x + Double(light.y) * axis.y),
                             Float(Double(light.x) * normal.x + Double(light.y) * normal.y), light.z)
        p.light = l
        let h = l + SIMD3<Float>(0, 0, 1)
        p.half = h / (h * h).sum().squareRoot()
        return p
    }

    /// A profile part centred at local (u, v) whose axis makes angle `phi` (radians, from +u
    /// towards +v) and whose top side is towards +v when phi = 0.
    mutating func profile(at u: Double, _ v: Double, phi: Double = 0, halfLength: Double,
                          top: @escaping (Double) -> Double, bottom: @escaping (Double) -> Double,
                          paint: Paint, category: PartCategory) {
        let axis = frame.direction(cos(phi), sin(phi))
        let normal = frame.direction(-sin(phi), cos(phi))
        let unit = frame.unit
        let size = max(halfLength, top(0) + bottom(0))
        let poly = ProfilePolygon(origin: frame.point(u, v), axis: axis, normal: normal,
                                  halfLength: halfLength * unit, samples: samples(size * 2.2),
                                  topProfile: { top($0) * unit }, bottomProfile: { bottom($0) * unit })
        parts.append(Part(shape: .polygon(poly), paint: lit(paint, axis: axis, normal: normal), category: category))
    }

    mutating func ellipse(at u: Double, _ v: Double, phi: Double = 0, a: Double, b: Double, paint: Paint, category: PartCategory) {
        profile(at: u, v, phi: phi, halfLength: a, top: { superProfile($0, b, front: 2, back: 2) },
                bottom: { superProfile($0, b, front: 2, back: 2) }, paint: paint, category: category)
    }

    /// A capsule between two local points; radii in pixels are kept at least `minRadius`.
    mutating func capsule(from p0: (Double, Double), to p1: (Double, Double), r0: Double, r1: Double,
                          minRadius: Double = 0.35, paint: Paint, category: PartCategory) {
        let a = frame.point(p0.0, p0.1), b = frame.point(p1.0, p1.1)
        let cap = Capsule(a: a, b: b, r0: max(minRadius, r0 * frame.unit), r1: max(minRadius, r1 * frame.unit))
        let axis = normalized(b - a)
        parts.append(Part(shape: .capsule(cap), paint: lit(paint, axis: axis, normal: Vec2(-axis.y, axis.x)), category: category))
    }

    /// Fine hairs standing out of a profile part's outline (local coordinates, units U),
    /// pointing outwards and backwards: the fuzzy edge of a real fly.
    mutating func hairs(centre: Vec2, phi: Double, halfLength: Double, top: (Double) -> Double, bottom: (Double) -> Double,
                        count: Int, paint: Paint) {
        let axis = Vec2(cos(phi), sin(phi)), normal = Vec2(-sin(phi), cos(phi))
        for _ in 0..<count {
            let s = rng.uniform(-0.85, 0.85).d
            let upper = rng.chance(0.5)
            let w = (upper ? top(s) : bottom(s)) * 0.96
            let base = centre + axis * (s * halfLength) + normal * (upper ? w : -w)
            let out = normalized(normal * (upper ? 1 : -1) - axis * rng.uniform(0.3, 1.2).d)
            let tip = base + out * rng.uniform(0.02, 0.045).d
            capsule(from: (base.x, base.y), to: (tip.x, tip.y), r0: 0.004, r1: 0.002, minRadius: 0.22,
                    paint: paint, category: .appendage)
        }
    }

    // MARK: The whole fly

    mutating func build() -> FlyGeometry {
        let female = spec.sex == .female
        let lateral = spec.pose == .lateral
        let white = spec.eye == .white
        let unit = frame.unit

        // Colours: tan cuticle; the white-eyed stock is a little paler.
        let tone = rng.uniform()
        var body = mix(Colour(198, 154, 86), Colour(142, 106, 60), tone)
        body = mix(body, Colour(132, 120, 92), rng.uniform(0, 0.3))     // some flies greyer, olive
        if white { body = mix(body, body * 1.07 + Colour(6, 8, 4), 0.7) }
        body *= rng.uniform(0.94, 1.05)
        let thoraxColour = body * Colour(0.86, 0.82, 0.8)
        let headColour = body * Colour(1.0, 0.9, 0.82)
        let bandDark = (white ? Colour(118, 88, 58) : Colour(82, 60, 40)) * rng.uniform(0.85, 1.15)
        let tipDark = (white ? Colour(88, 60, 40) : Colour(38, 28, 22)) * rng.uniform(0.85, 1.15)
        let eyeColour = white ? Colour(236, 226, 202) * rng.uniform(0.9, 1.0)
                              : Colour(rng.uniform(155, 195), rng.uniform(42, 66), rng.uniform(32, 48))
        let seed = UInt32(truncatingIfNeeded: spec.detailSeed >> 17)

        var cuticle = Paint()
        cuticle.colour = body
        cuticle.ambient = 0.56
        cuticle.specular = rng.uniform(0.05, 0.12)
        cuticle.mottle = 0.09
        cuticle.mottleCell = Float(max(1.5, 0.05 * unit))
        cuticle.speckle = 0.22
        cuticle.speckleDark = 0.18
        cuticle.speckleCell = Float(max(1, 0.016 * unit))
        cuticle.seed = seed

        var thoraxPaint = cuticle
        thoraxPaint.colour = thoraxColour
        thoraxPaint.mottle = 0.2
        thoraxPaint.speckle = 0.3
        var headPaint = cuticle
        headPaint.colour = headColour
        var eyePaint = Paint()
        eyePaint.kind = .eye
        eyePaint.colour = eyeColour
        eyePaint.ambient = 0.74
        eyePaint.specular = white ? 0.08 : 0.1
        eyePaint.elongation = 1
        eyePaint.mottle = 0.06
        eyePaint.mottleCell = Float(max(1.2, 0.03 * unit))
        eyePaint.speckle = 0.35
        eyePaint.speckleDark = white ? 0.08 : 0.2
        eyePaint.speckleCell = Float(max(1, 0.012 * unit))
        eyePaint.seed = seed &+ 3

        var abdomenPaint = cuticle
        abdomenPaint.colour = body * Colour(1.0, 0.97, 0.95)
        abdomenPaint.colour2 = bandDark
        abdomenPaint.colour3 = tipDark
        abdomenPaint.segments = female ? 5.6 : 5.0
        abdomenPaint.bandWidth = female ? rng.uniform(0.25, 0.38) : rng.uniform(0.3, 0.45)
        abdomenPaint.bandStrength = rng.uniform(0.65, 0.95)
        abdomenPaint.bandMode = lateral ? 1 : (spec.pose == .ventral ? 2 : 0)
        if female {
            abdomenPaint.lightTipStart = rng.uniform(0.84, 0.9)
        } else {
            abdomenPaint.darkTipStart = rng.uniform(0.58, 0.7)
        }
        if spec.pose == .ventral {
            abdomenPaint.colour = mix(body, Colour(232, 212, 172), 0.35)
            if female {
                abdomenPaint.colour3 = bandDark
                abdomenPaint.darkTipStart = 0.95
            } else {
                abdomenPaint.darkTipStart = rng.uniform(0.8, 0.88)
            }
            thoraxPaint.colour = mix(thoraxColour, Colour(225, 200, 160), 0.3)
        }

        var legPaint = Paint()
        legPaint.kind = .appendage
        legPaint.colour = mix(body, Colour(92, 80, 66), 0.65)
        legPaint.specular = 0.05
        legPaint.opacity = 0.92
        var tarsusPaint = legPaint
        tarsusPaint.colour = mix(body, Colour(95, 80, 66), 0.6)
        tarsusPaint.opacity = 0.75
        hairPaint.kind = .appendage
        hairPaint.colour = mix(body, Colour(60, 48, 38), 0.6)
        hairPaint.opacity = 0.45
        hairPaint.specular = 0
        var bristlePaint = Paint()
        bristlePaint.kind = .appendage
        bristlePaint.colour = Colour(42, 32, 26)
        bristlePaint.opacity = 0.8
        bristlePaint.specular = 0

        // Body layout.
        let tl = 0.38, hl = 0.19
        let al = female ? rng.uniform(0.53, 0.58).d : rng.uniform(0.40, 0.44).d
        let headU = tl / 2 + hl / 2 - 0.05
        let headV = lateral ? -0.03 : 0.0
        let junction = (u: -tl / 2 + 0.04, v: lateral ? -0.01 : 0.0)
        let bend = lateral ? rng.uniform(0.0, 0.22).d : rng.uniform(-0.1, 0.1).d
        let back = Vec2(-cos(bend), -sin(bend))
        let abdomenCentre = Vec2(junction.u, junction.v) + back * (al / 2 - 0.04)
        let tailLocal = abdomenCentre + back * (al / 2)

        // Wings.
        let hinge1: (Double, Double), hinge2: (Double, Double)
        var angle1: Double, angle2: Double
        switch spec.pose {
        case .lateral:
            hinge1 = (0.03, 0.12)
            hinge2 = (0.01, 0.10)
            angle1 = .pi - rng.uniform(0.04, 0.75).d
            if rng.chance(0.2) {
                angle2 = .pi + rng.uniform(0.1, 0.55).d
            } else {
                angle2 = angle1 + rng.uniform(-0.05, 0.22).d
            }
        case .dorsal, .ventral:
            hinge1 = (0.03, 0.09)
            hinge2 = (0.03, -0.09)
            let spread = rng.chance(0.35) ? rng.uniform(0.02, 0.2).d : rng.uniform(0.2, 1.0).d
            angle1 = .pi - spread - rng.uniform(-0.12, 0.12).d
            angle2 = .pi + spread + rng.uniform(-0.12, 0.12).d
        }
        let bodyLength = headU + hl / 2 + length(tailLocal)
        func wingLength(from hinge: (Double, Double)) -> Double {
            let reach = length(Vec2(hinge.0, hinge.1) - tailLocal)
            switch spec.wing {
            case .long: return reach + bodyLength * rng.uniform(0.26, 0.38).d
            case .miniature: return reach * rng.uniform(0.86, 1.0).d
            }
        }
        let wl1 = wingLength(from: hinge1), wl2 = wingLength(from: hinge2)

        var wingPaint = Paint()
        wingPaint.kind = .wing
        wingPaint.seed = seed &+ 9
        if spec.wing == .long {
            wingPaint.colour = Colour(222, 212, 200) * rng.uniform(0.95, 1.03)
            wingPaint.opacity = rng.uniform(0.3, 0.5)
            wingPaint.rimOpacity = 0.2
            wingPaint.iridescence = rng.uniform(0.06, 0.12)
        } else {
            wingPaint.colour = Colour(200, 194, 186) * rng.uniform(0.93, 1.02)
            wingPaint.opacity = rng.uniform(0.42, 0.6)
            wingPaint.rimOpacity = 0.2
            wingPaint.iridescence = rng.uniform(0.02, 0.05)
        }
        wingPaint.iridescenceCell = Float(max(3, 0.14 * wl1 * unit))
        var veinPaint = Paint()
        veinPaint.kind = .appendage
        veinPaint.colour = Colour(118, 98, 78)
        veinPaint.opacity = spec.wing == .long ? 0.42 : 0.5
        veinPaint.specular = 0

        // Drawing order, back to front.
        var tip1 = Vec2.zero, tip2 = Vec2.zero
        switch spec.pose {
        case .dorsal:
            addLegs(pose: .dorsal, paint: legPaint, tarsus: tarsusPaint)
            addAbdomen(centre: abdomenCentre, phi: bend, length: al, female: female, lateral: false, paint: abdomenPaint)
            addHead(u: headU, v: headV, length: hl, lateral: false, paint: headPaint, eye: eyePaint, appendage: legPaint, bristle: bristlePaint)
            addThorax(length: tl, lateral: false, paint: thoraxPaint, bristle: bristlePaint)
            tip2 = addWing(hinge: hinge2, angle: angle2, length: wl2, anteriorOnTop: true, paint: wingPaint, vein: veinPaint, category: .wing2)
            tip1 = addWing(hinge: hinge1, angle: angle1, length: wl1, anteriorOnTop: false, paint: wingPaint, vein: veinPaint, category: .wing1)
        case .ventral:
            tip2 = addWing(hinge: hinge2, angle: angle2, length: wl2, anteriorOnTop: true, paint: wingPaint, vein: veinPaint, category: .wing2)
            tip1 = addWing(hinge: hinge1, angle: angle1, length: wl1, anteriorOnTop: false, paint: wingPaint, vein: veinPaint, category: .wing1)
            addAbdomen(centre: abdomenCentre, phi: bend, length: al, female: female, lateral: false, paint: abdomenPaint)
            addThorax(length: tl, lateral: false, paint: thoraxPaint, bristle: nil)
            addHead(u: headU, v: headV, length: hl, lateral: false, paint: headPaint, eye: eyePaint, appendage: legPaint, bristle: nil, ventral: true)
            // Coxae: the leg bases crowd the underside of the thorax.
            var coxa = legPaint
            coxa.kind = .cuticle
            coxa.colour = mix(thoraxPaint.colour, Colour(220, 200, 165), 0.35)
            coxa.ambient = 0.6
            coxa.speckle = 0
            for (u, v) in [(0.1, 0.035), (0.1, -0.035), (0.0, 0.04), (0.0, -0.04), (-0.1, 0.04), (-0.1, -0.04)] {
                ellipse(at: u, v, phi: v > 0 ? 0.5 : -0.5, a: 0.05, b: 0.03, paint: coxa, category: .appendage)
            }
            var ventralLeg = legPaint
            ventralLeg.colour *= 0.9
            addLegs(pose: .ventral, paint: ventralLeg, tarsus: tarsusPaint)
        case .lateral:
            tip2 = addWing(hinge: hinge2, angle: angle2, length: wl2, anteriorOnTop: false, paint: wingPaint, vein: veinPaint, category: .wing2)
            var farLeg = legPaint
            farLeg.colour *= 0.85
            var farTarsus = tarsusPaint
            farTarsus.colour *= 0.85
            addLegs(pose: .lateral, far: true, paint: farLeg, tarsus: farTarsus)
            addAbdomen(centre: abdomenCentre, phi: bend, length: al, female: female, lateral: true, paint: abdomenPaint)
            addThorax(length: tl, lateral: true, paint: thoraxPaint, bristle: bristlePaint)
            addHead(u: headU, v: headV, length: hl, lateral: true, paint: headPaint, eye: eyePaint, appendage: legPaint, bristle: bristlePaint)
            addLegs(pose: .lateral, far: false, paint: legPaint, tarsus: tarsusPaint)
            tip1 = addWing(hinge: hinge1, angle: angle1, length: wl1, anteriorOnTop: false, paint: wingPaint, vein: veinPaint, category: .wing1)
        }

        // Keypoints, pulled 1 px inside the outline so they land on the part's own pixels.
        let inset = 1.0 / unit
        let head = frame.point(headU + hl / 2 - inset, headV)
        let tail = frame.point(tailLocal.x + cos(bend) * inset, tailLocal.y + sin(bend) * inset)

        var counted = Bounds.empty, all = Bounds.empty
        for p in parts {
            let b = p.shape.bounds
            all = all.union(b)
            if p.category.isCounted { counted = counted.union(b) }
        }
        // Oriented box: along the tail → head axis, tight around the counted parts.
        let axis = normalized(head - tail)
        let across = Vec2(-axis.y, axis.x)
        var lo = Vec2(Double.infinity, Double.infinity), hi = Vec2(-Double.infinity, -Double.infinity)
        for p in parts where p.category.isCounted {
            let (a0, a1) = p.shape.projection(on: axis)
            let (c0, c1) = p.shape.projection(on: across)
            lo = Vec2(min(lo.x, a0), min(lo.y, c0))
            hi = Vec2(max(hi.x, a1), max(hi.y, c1))
        }
        let mid = axis * ((lo.x + hi.x) / 2) + across * ((lo.y + hi.y) / 2)
        let obb = OrientedBox(center: Point2D(mid.x, mid.y), length: hi.x - lo.x, width: hi.y - lo.y,
                              angleDegrees: atan2(-axis.y, axis.x) * 180 / .pi)
        return FlyGeometry(parts: parts, head: head, tail: tail, wingTip1: tip1, wingTip2: tip2,
                           countedBounds: counted, allBounds: all, orientedBox: obb)
    }

    // MARK: Body parts

    mutating func addAbdomen(centre: Vec2, phi: Double, length al: Double, female: Bool, lateral: Bool, paint: Paint) {
        let backExponent = female ? rng.uniform(1.45, 1.7).d : rng.uniform(2.1, 2.5).d
        let top: Double, bottom: Double
        if lateral {
            top = female ? rng.uniform(0.17, 0.19).d : rng.uniform(0.145, 0.16).d
            bottom = female ? rng.uniform(0.18, 0.21).d : rng.uniform(0.135, 0.15).d
        } else {
            let w = female ? rng.uniform(0.19, 0.21).d : rng.uniform(0.155, 0.17).d
            top = w; bottom = w
        }
        profile(at: centre.x, centre.y, phi: phi, halfLength: al / 2,
                top: { superProfile($0, top, front: 2.2, back: backExponent) },
                bottom: { superProfile($0, bottom, front: 2.2, back: backExponent) },
                paint: paint, category: .body)
        hairs(centre: centre, phi: phi, halfLength: al / 2, top: { superProfile($0, top, front: 2.2, back: backExponent) },
              bottom: { superProfile($0, bottom, front: 2.2, back: backExponent) }, count: 14, paint: hairPaint)
    }

    mutating func addThorax(length tl: Double, lateral: Bool, paint: Paint, bristle: Paint?) {
        if lateral {
            profile(at: 0, 0.01, halfLength: tl / 2,
                    top: { superProfile($0, 0.2, front: 2.0, back: 1.9) },
                    bottom: { superProfile($0, 0.155, front: 2.3, back: 2.2) },
                    paint: paint, category: .body)
            hairs(centre: Vec2(0, 0.01), phi: 0, halfLength: tl / 2, top: { superProfile($0, 0.2, front: 2.0, back: 1.9) },
                  bottom: { superProfile($0, 0.155, front: 2.3, back: 2.2) }, count: 10, paint: hairPaint)
            if let bristle {
                // Dorsal macrochaetae along the hump, pointing back and up.
                for (u, v) in [(0.11, 0.18), (0.03, 0.205), (-0.05, 0.2), (-0.13, 0.16), (-0.19, 0.1)] {
                    let len = rng.uniform(0.07, 0.11).d
                    let a = Double.pi - rng.uniform(0.35, 0.8).d
                    capsule(from: (u, v), to: (u + cos(a) * len, v + sin(a) * len), r0: 0.007, r1: 0.003,
                            minRadius: 0.28, paint: bristle, category: .appendage)
                }
            }
        } else {
            profile(at: 0, 0, halfLength: tl / 2,
                    top: { superProfile($0, 0.168, front: 2.3, back: 1.8) },
                    bottom: { superProfile($0, 0.168, front: 2.3, back: 1.8) },
                    paint: paint, category: .body)
            hairs(centre: Vec2(0, 0), phi: 0, halfLength: tl / 2, top: { superProfile($0, 0.168, front: 2.3, back: 1.8) },
                  bottom: { superProfile($0, 0.168, front: 2.3, back: 1.8) }, count: 10, paint: hairPaint)
            if let bristle {
                // Scutellum and the dorsocentral and scutellar bristles.
                var scutellum = paint
                scutellum.colour *= 1.04
                ellipse(at: -0.16, 0, a: 0.05, b: 0.075, paint: scutellum, category: .body)
                for (u, v) in [(0.07, 0.055), (-0.04, 0.06), (0.07, -0.055), (-0.04, -0.06), (-0.19, 0.03), (-0.19, -0.03)] {
                    let len = rng.uniform(0.07, 0.11).d
                    let a = Double.pi - (v > 0 ? -1 : 1) * rng.uniform(0.1, 0.35).d
                    capsule(from: (u, v), to: (u + cos(a) * len, v + sin(a) * len), r0: 0.007, r1: 0.003,
                            minRadius: 0.28, paint: bristle, category: .appendage)
                }
            }
        }
    }

    mutating func addHead(u: Double, v: Double, length hl: Double, lateral: Bool, paint: Paint, eye: Paint,
                          appendage: Paint, bristle: Paint?, ventral: Bool = false) {
        var antenna = appendage
        antenna.colour *= 1.05
        var arista = appendage
        arista.colour = Colour(70, 55, 42)
        arista.opacity = 0.6
        if lateral {
            // Proboscis under the head, drawn first.
            var proboscis = appendage
            proboscis.colour = mix(paint.colour, Colour(225, 205, 170), 0.4)
            ellipse(at: u + 0.015, v - 0.115, phi: -0.6, a: 0.045, b: 0.028, paint: proboscis, category: .appendage)
            profile(at: u, v, halfLength: hl / 2,
                    top: { superProfile($0, 0.13, front: 2.2, back: 2.0) },
                    bottom: { superProfile($0, 0.135, front: 2.2, back: 2.0) },
                    paint: paint, category: .body)
            ellipse(at: u - 0.008, v + 0.012, phi: 0.15 + rng.uniform(-0.1, 0.1).d, a: 0.078, b: 0.102, paint: eye, category: .body)
            ellipse(at: u + 0.08, v + 0.04, phi: 0.4, a: 0.034, b: 0.022, paint: antenna, category: .appendage)
            capsule(from: (u + 0.095, v + 0.05), to: (u + 0.15, v + 0.1), r0: 0.006, r1: 0.003,
                    minRadius: 0.25, paint: arista, category: .appendage)
            if let bristle {
                capsule(from: (u - 0.02, v + 0.11), to: (u - 0.08, v + 0.17), r0: 0.006, r1: 0.003,
                        minRadius: 0.25, paint: bristle, category: .appendage)
            }
        } else {
            profile(at: u, v, halfLength: hl / 2,
                    top: { superProfile($0, 0.15, front: 2.4, back: 2.0) },
                    bottom: { superProfile($0, 0.15, front: 2.4, back: 2.0) },
                    paint: paint, category: .body)
            // Kidney-shaped eyes along the sides of the head, the frons between them.
            let side = ventral ? 0.1 : 0.108
            let a = ventral ? 0.075 : 0.088, b = ventral ? 0.052 : 0.06
            ellipse(at: u - 0.008, v + side, phi: 0.2, a: a, b: b, paint: eye, category: .body)
            ellipse(at: u - 0.008, v - side, phi: -0.2, a: a, b: b, paint: eye, category: .body)
            if ventral {
                var proboscis = appendage
                proboscis.colour = mix(paint.colour, Colour(225, 205, 170), 0.4)
                ellipse(at: u + 0.01, v, a: 0.05, b: 0.03, paint: proboscis, category: .appendage)
            }
            for sgn in [1.0, -1.0] {
                ellipse(at: u + hl / 2 - 0.012, v + sgn * 0.03, phi: sgn * 0.3, a: 0.03, b: 0.02, paint: antenna, category: .appendage)
                capsule(from: (u + hl / 2, v + sgn * 0.04), to: (u + hl / 2 + 0.05, v + sgn * 0.085), r0: 0.006, r1: 0.003,
                        minRadius: 0.25, paint: arista, category: .appendage)
            }
        }
    }

    /// A wing from `hinge` along local angle `angle`; returns its tip keypoint (1.5 px inside).
    mutating func addWing(hinge: (Double, Double), angle: Double, length wl: Double, anteriorOnTop: Bool,
                          paint: Paint, vein: Paint, category: PartCategory) -> Vec2 {
        let mini = spec.wing == .miniature
        let wa = (mini ? 0.15 : 0.165) * wl, wp = (mini ? 0.21 : 0.245) * wl
        // Widest at 60–70 % of the length; narrow hinge, rounded tip.
        func anterior(_ s: Double) -> Double {
            let q = (s + 1) / 2, m = 0.68
            let x = q < m ? (m - q) / m : (q - m) / (1 - m)
            let e = q < m ? 1.7 : 2.4
            return wa * Foundation.pow(max(0, 1 - Foundation.pow(min(1, x), e)), 1 / e)
        }
        func posterior(_ s: Double) -> Double {
            let q = (s + 1) / 2, m = 0.55
            let x = q < m ? (m - q) / m : (q - m) / (1 - m)
            let e = q < m ? 1.5 : 2.1
            return wp * Foundation.pow(max(0, 1 - Foundation.pow(min(1, x), e)), 1 / e)
        }
        let centre = (hinge.0 + cos(angle) * wl / 2, hinge.1 + sin(angle) * wl / 2)
        profile(at: centre.0, centre.1, phi: angle, halfLength: wl / 2,
                top: anteriorOnTop ? anterior : posterior, bottom: anteriorOnTop ? posterior : anterior,
                paint: paint, category: category)
        // Veins in wing coordinates (q along, τ across: +1 anterior margin, −1 posterior).
        let dir = (cos(angle), sin(angle)), nrm = (-sin(angle), cos(angle))
        let flip = anteriorOnTop ? 1.0 : -1.0
        func point(_ q: Double, _ tau: Double) -> (Double, Double) {
            let s = 2 * q - 1
            let w = tau >= 0 ? anterior(s) * tau : posterior(s) * tau
            let along = (q - 0.5) * wl
            return (centre.0 + dir.0 * along + nrm.0 * w * flip, centre.1 + dir.1 * along + nrm.1 * w * flip)
        }
        let veins: [[(Double, Double)]] = [
            [(0.06, 0.55), (0.4, 0.88), (0.72, 0.9)],          // costa / L1 along the front margin
            [(0.1, 0.3), (0.45, 0.55), (0.8, 0.75)],            // L2
            [(0.08, 0.12), (0.55, 0.28), (0.95, 0.22)],         // L3
            [(0.08, -0.05), (0.55, -0.22), (0.92, -0.45)],      // L4
            [(0.1, -0.2), (0.45, -0.55), (0.8, -0.82)],         // L5
            [(0.43, 0.26), (0.44, -0.2)],                       // anterior cross vein
            [(0.63, -0.25), (0.6, -0.6)],                       // posterior cross vein
        ]
        let r = max(0.28 / frame.unit, 0.0045 * wl)
        for v in veins {
            for i in 1..<v.count {
                capsule(from: point(v[i - 1].0, v[i - 1].1), to: point(v[i].0, v[i].1), r0: r, r1: r * 0.85,
                        minRadius: 0.28, paint: vein, category: category)
            }
        }
        let tipU = wl - 1.5 / frame.unit
        return frame.point(hinge.0 + cos(angle) * tipU, hinge.1 + sin(angle) * tipU)
    }

    /// Six legs (or the three of one side for a lateral fly).
    mutating func addLegs(pose: Pose, far: Bool = false, paint: Paint, tarsus: Paint) {
        let lengths: [(Double, Double, Double)] = [(0.17, 0.16, 0.14), (0.19, 0.18, 0.15), (0.21, 0.2, 0.16)]
        let attachU = [0.1, 0.0, -0.1]
        let tucked = rng.chance(0.3)
        let reach = tucked ? 0.7 : 1.0
        func leg(_ attach: (Double, Double), _ angles: (Double, Double, Double), _ l: (Double, Double, Double), scale: Double) {
            let p0 = attach
            let p1 = (p0.0 + cos(angles.0) * l.0 * scale, p0.1 + sin(angles.0) * l.0 * scale)
            let p2 = (p1.0 + cos(angles.1) * l.1 * scale, p1.1 + sin(angles.1) * l.1 * scale)
            let p3 = (p2.0 + cos(angles.2) * l.2 * scale, p2.1 + sin(angles.2) * l.2 * scale)
            capsule(from: p0, to: p1, r0: 0.016, r1: 0.013, paint: paint, category: .appendage)
            capsule(from: p1, to: p2, r0: 0.01, r1: 0.009, paint: paint, category: .appendage)
            capsule(from: p2, to: p3, r0: 0.007, r1: 0.005, minRadius: 0.3, paint: tarsus, category: .appendage)
        }
        switch pose {
        case .lateral:
            // Anaesthetised flies fold their legs: femurs point down (fore legs forwards, hind
            // legs backwards), knees bend strongly, tarsi curl.
            let down = -Double.pi / 2
            let femurs = [(0.35, 1.2), (-0.35, 0.55), (-1.0, -0.25)]
            for i in 0..<3 {
                let a0 = down + rng.uniform(Float(femurs[i].0), Float(femurs[i].1)).d
                let fold = rng.uniform(0.7, 2.3).d * reach
                var a1 = i == 2 && rng.chance(0.5) ? a0 + fold : a0 - fold
                a1 = min(-0.1, max(-Double.pi + 0.1, a1))
                var a2 = a1 + rng.uniform(-0.7, 0.7).d
                a2 = min(0.2, max(-Double.pi - 0.2, a2))
                let attach = (attachU[i] + (far ? 0.02 : 0), far ? -0.07 : -0.1)
                leg(attach, (a0, a1, a2), lengths[i], scale: (far ? 0.9 : 1.0) * (tucked ? 0.8 : 1.0))
            }
        case .dorsal, .ventral:
            for sgn in [1.0, -1.0] {
                let bases = [0.8, 1.55, 2.3]
                for i in 0..<3 {
                    let a0 = sgn * (bases[i] + rng.uniform(-0.3, 0.3).d)
                    let a1: Double, a2: Double
                    if pose == .ventral {
                        a1 = a0 - sgn * rng.uniform(1.4, 2.6).d * reach
                        a2 = a1 + rng.uniform(-0.6, 0.6).d
                    } else {
                        a1 = a0 + sgn * rng.uniform(-0.7, 0.7).d
                        a2 = a1 + rng.uniform(-0.4, 0.4).d
                    }
                    let scale = pose == .ventral ? rng.uniform(0.7, 1.0).d : 1.0
                    let attach = (attachU[i], sgn * (pose == .ventral ? 0.04 : 0.06))
                    leg(attach, (a0, a1, a2), lengths[i], scale: scale)
                }
            }
        }
    }
}

extension Float {
    /// As Double (keeps the anatomy code short).
    var d: Double { Double(self) }
}
