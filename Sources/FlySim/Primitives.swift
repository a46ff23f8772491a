// Anti-aliased shapes and their paints. Every part of a fly is either a convex polygon (body
// segments, eyes, wings: built from a "profile", the half-widths either side of an axis) or
// a tapered capsule (legs, veins, bristles, antennae). Coverage of a pixel is
// clamp(0.5 − d, 0, 1) where d is the signed distance from the pixel centre to the outline,
// so edges are anti-aliased over one pixel and a pixel is touched only when the shape comes
// within half a pixel of its centre: a shape's pixels never reach past its analytic bounds
// rounded outwards.

/// What a part counts as in the ground truth.
enum PartCategory: UInt8, Sendable {
    /// Head, thorax, abdomen, eyes, scutellum: the body mask (head and tail tips).
    case body
    /// The membrane and veins of the first / second wing.
    case wing1, wing2
    /// Legs, antennae, arista, proboscis, bristles: drawn, but outside the box.
    case appendage

    /// Parts the boxes and the silhouette count (everything except appendages).
    var isCounted: Bool { self != .appendage }
}

/// A convex polygon with a paint frame: `s` runs −1 → 1 along the axis from `origin −
/// axis·halfLength` to `origin + axis·halfLength`, `t` runs −1 → 1 across, scaled by the local
/// half-width on each side (`top` is the side of `normal`).
struct ProfilePolygon: Sendable {
    var vertices: [Vec2]
    /// Outward edge normals (unit) and offsets: signed distance to edge i is n·p − c.
    var nx: [Double], ny: [Double], c: [Double]
    var origin: Vec2
    var axis: Vec2
    var normal: Vec2
    var halfLength: Double
    /// Half-widths in pixels at evenly spaced s from −1 to 1.
    var top: [Double], bottom: [Double]

    /// - Parameters: `topProfile`/`bottomProfile` give the half-width in pixels at s ∈ [−1, 1].
    init(origin: Vec2, axis: Vec2, normal: Vec2, halfLength: Double, samples: Int,
         topProfile: (Double) -> Double, bottomProfile: (Double) -> Double) {
        self.origin = origin
        self.axis = axis
        self.normal = normal
        self.halfLength = halfLength
        let k = max(samples, 6)
        var top = [Double](), bottom = [Double]()
        var points = [Vec2]()
        for i in 0..<k {
            let s = -1 + 2 * Double(i) / Double(k - 1)
            let a = max(0, topProfile(s)), b = max(0, bottomProfile(s))
            top.append(a)
            bottom.append(b)
            let centre = origin + axis * (s * halfLength)
            points.append(centre + normal * a)
            points.append(centre - normal * b)
        }
        self.top = top
        self.bottom = bottom
        vertices = convexHull(points)
        nx = []; ny = []; c = []
        let n = vertices.count
        // Orientation: the hull is counter-clockwise in (x, y) maths coordinates, so the
        // outward normal of edge (p → q) is (e.y, −e.x).
        for i in 0..<n {
            let p = vertices[i], q = vertices[(i + 1) % n]
            let e = q - p
            let l = length(e)
            guard l > 1e-9 else { continue }
            let out = Vec2(e.y, -e.x) / l
            nx.append(out.x)
            ny.append(out.y)
            c.append(dot(out, p))
        }
    }

    var bounds: Bounds { Bounds(points: vertices) }

    /// Local half-widths at s (linear between samples).
    @inline(__always) func halfWidths(_ s: Double) -> (Double, Double) {
        let f = (min(max(s, -1), 1) + 1) * 0.5 * Double(top.count - 1)
        let i = min(Int(f), top.count - 2)
        let w = f - Double(i)
        return (top[i] + (top[i + 1] - top[i]) * w, bottom[i] + (bottom[i + 1] - bottom[i]) * w)
    }
}

/// A segment with a radius changing linearly from `r0` at `a` to `r1` at `b`.
struct Capsule: Sendable {
    var a: Vec2, b: Vec2
    var r0: Double, r1: Double

    var bounds: Bounds {
        Bounds(minX: min(a.x - r0, b.x - r1), minY: min(a.y - r0, b.y - r1),
               maxX: max(a.x + r0, b.x + r1), maxY: max(a.y + r0, b.y + r1))
    }
}

enum Shape: Sendable {
    case polygon(ProfilePolygon)
    case capsule(Capsule)

    var bounds: Bounds {
        switch self {
        case .polygon(let p): return p.bounds
        case .capsule(let c): return c.bounds
        }
    }

    /// Extent along a unit direction (for oriented boxes).
    func projection(on d: Vec2) -> (Double, Double) {
        switch self {
        case .polygon(let p):
            var lo = Double.infinity, hi = -Double.infinity
            for v in p.vertices { let x = dot(v, d); lo = min(lo, x); hi = max(hi, x) }
            return (lo, hi)
        case .capsule(let c):
            let x0 = dot(c.a, d), x1 = dot(c.b, d)
            return (min(x0 - c.r0, x1 - c.r1), max(x0 + c.r0, x1 + c.r1))
        }
    }
}

/// An axis-aligned rectangle in continuous pixel coordinates.
struct Bounds: Sendable, Equatable {
    var minX: Double, minY: Double, maxX: Double, maxY: Double

    init(minX: Double, minY: Double, maxX: Double, maxY: Double) {
        self.minX = minX; self.minY = minY; self.maxX = maxX; self.maxY = maxY
    }

    init(points: [Vec2]) {
        minX = .infinity; minY = .infinity; maxX = -.infinity; maxY = -.infinity
        for p in points {
            minX = min(minX, p.x); minY = min(minY, p.y)
            maxX = max(maxX, p.x); maxY = max(maxY, p.y)
        }
    }

    static let empty = Bounds(minX: .infinity, minY: .infinity, maxX: -.infinity, maxY: -.infinity)
    var isEmpty: Bool { !(minX < maxX && minY < maxY) }

    func union(_ o: Bounds) -> Bounds {
        Bounds(minX: min(minX, o.minX), minY: min(minY, o.minY), maxX: max(maxX, o.maxX), maxY: max(maxY, o.maxY))
    }
}

/// Andrew's monotone chain; returns the hull counter-clockwise (maths orientation: the
/// signed area computed with (x, y) is positive).
func convexHull(_ input: [Vec2]) -> [Vec2] {
    let pts = input.sorted { $0.x != $1.x ? $0.x < $1.x : $0.y < $1.y }
    guard pts.count > 2 else { return pts }
    func cross(_ o: Vec2, _ a: Vec2, _ b: Vec2) -> Double { (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x) }
    var lower = [Vec2](), upper = [Vec2]()
    for p in pts {
        while lower.count >= 2 && cross(lower[lower.count - 2], lower[lower.count - 1], p) <= 1e-12 { lower.removeLast() }
        lower.append(p)
    }
    for p in pts.reversed() {
        while upper.count >= 2 && cross(upper[upper.count - 2], upper[upper.count - 1], p) <= 1e-12 { upper.removeLast() }
        upper.append(p)
    }
    lower.removeLast()
    upper.removeLast()
    return lower + upper
}

// MARK: - Paint

enum PaintKind: UInt8, Sendable {
    /// Shaded, textured cuticle (head, thorax, abdomen) with optional abdominal bands.
    case cuticle
    /// Compound eye: facets, dark rim, sharp highlight.
    case eye
    /// Translucent wing membrane with iridescence and a denser rim.
    case wing
    /// Cylinder shading across a capsule (legs, veins, bristles, antennae).
    case appendage
}

/// How the colour and opacity of a part vary over it. Colours are 8-bit sRGB values as
/// floats; lighting vectors are in the part's own (s, t, out-of-plane) frame.
struct Paint: Sendable {
    var kind: PaintKind = .cuticle
    var colour: Colour = Colour(180, 135, 80)
    /// Band colour (abdomen) / rim colour.
    var colour2: Colour = Colour(70, 45, 28)
    /// Dark tip colour (male abdomen).
    var colour3: Colour = Colour(40, 30, 24)
    var opacity: Float = 1
    var ambient: Float = 0.45
    var specular: Float = 0.2
    /// Light and half vectors in the part frame (unit).
    var light = SIMD3<Float>(0, 0, 1)
    var half = SIMD3<Float>(0, 0, 1)
    /// How much the s coordinate bends the surface normal (elongated parts: < 1).
    var elongation: Float = 0.6
    /// Large-scale mottling (fraction of brightness) and its lattice cell in pixels.
    var mottle: Float = 0
    var mottleCell: Float = 4
    /// Fine speckles (hairs, facets): density 0…1 and darkening, cell in pixels.
    var speckle: Float = 0
    var speckleDark: Float = 0.3
    var speckleCell: Float = 1
    var seed: UInt32 = 0
    // Abdomen bands.
    var segments: Float = 0
    var bandWidth: Float = 0.35
    var bandStrength: Float = 0
    /// q (0 front → 1 tail) where the fused dark tip starts (> 1: none).
    var darkTipStart: Float = 2
    /// q where a light tip starts (females; > 1: none).
    var lightTipStart: Float = 2
    /// 0 dorsal (bands fade at the sides), 1 lateral (bands only on the dorsal half, +t),
    /// 2 ventral (faint sternite lines).
    var bandMode: UInt8 = 0
    // Wing.
    var iridescence: Float = 0
    var iridescenceCell: Float = 20
    var rimOpacity: Float = 0
}

/// One drawable piece of a fly.
struct Part: Sendable {
    var shape: Shape
    var paint: Paint
    var category: PartCategory
}

// MARK: - Scanning

/// Calls `visit(x, y, coverage, s, t)` for every pixel of `xs`×`ys` the shape touches.
@inline(__always)
func scan(_ shape: Shape, xs: Range<Int>, ys: Range<Int>, _ visit: (Int, Int, Float, Float, Float) -> Void) {
    switch shape {
    case .polygon(let p): scanPolygon(p, xs: xs, ys: ys, visit)
    case .capsule(let c): scanCapsule(c, xs: xs, ys: ys, visit)
    }
}

/// Pixel ranges a shape can touch, clipped to `xs`×`ys`.
func pixelRange(of b: Bounds, xs: Range<Int>, ys: Range<Int>) -> (Range<Int>, Range<Int>)? {
    guard b.minX.isFinite, b.maxX.isFinite, b.minY.isFinite, b.maxY.isFinite else { return nil }
    let x0 = max(xs.lowerBound, Int(b.minX.rounded(.down))), x1 = min(xs.upperBound, Int(b.maxX.rounded(.up)))
    let y0 = max(ys.lowerBound, Int(b.minY.rounded(.down))), y1 = min(ys.upperBound, Int(b.maxY.rounded(.up)))
    guard x0 < x1, y0 < y1 else { return nil }
    return (x0..<x1, y0..<y1)
}

@inline(__always)
func scanPolygon(_ p: ProfilePolygon, xs: Range<Int>, ys: Range<Int>, _ visit: (Int, Int, Float, Float, Float) -> Void) {
    guard let (rx, ry) = pixelRange(of: p.bounds, xs: xs, ys: ys) else { return }
    let n = p.nx.count
    guard n >= 3 else { return }
    var k = [Double](repeating: 0, count: n)
    p.nx.withUnsafeBufferPointer { nx in
        p.ny.withUnsafeBufferPointer { ny in
            p.c.withUnsafeBufferPointer { c in
                k.withUnsafeMutableBufferPointer { k in
                    for y in ry {
                        let yc = Double(y) + 0.5
                        // Each edge bounds x on this row: n_x·x + k < 0.5 (touched) or < −0.5
                        // (fully inside).
                        var lo = -Double.infinity, hi = Double.infinity
                        var loIn = -Double.infinity, hiIn = Double.infinity
                        var empty = false, innerEmpty = false
                        for i in 0..<n {
                            let ki = ny[i] * yc - c[i]
                            k[i] = ki
                            let a = nx[i]
                            if a > 1e-12 {
                                hi = min(hi, (0.5 - ki) / a); hiIn = min(hiIn, (-0.5 - ki) / a)
                            } else if a < -1e-12 {
                                lo = max(lo, (0.5 - ki) / a); loIn = max(loIn, (-0.5 - ki) / a)
                            } else {
                                if ki >= 0.5 { empty = true }
                                if ki > -0.5 { innerEmpty = true }
                            }
                        }
                        if empty || !(lo < hi) { continue }
                        let xStart = Int(max(Double(rx.lowerBound), lo - 0.5).rounded(.down))
                        let xEnd = Int(min(Double(rx.upperBound - 1), (hi - 0.5).rounded(.up))) + 1
                        if xStart >= xEnd { continue }
                        let dy = yc - p.origin.y
                        for x in xStart..<xEnd {
                            let xc = Double(x) + 0.5
                            var coverage: Float
                            if !innerEmpty && xc > loIn && xc < hiIn {
                                coverage = 1
                            } else {
                                var d = -Double.infinity
                                for i in 0..<n { d = max(d, nx[i] * xc + k[i]) }
                                coverage = Float(min(1, max(0, 0.5 - d)))
                                if coverage <= 0 { continue }
                            }
                            let dx = xc - p.origin.x
                            let along = dx * p.axis.x + dy * p.axis.y
                            let across = dx * p.normal.x + dy * p.normal.y
                            let s = along / p.halfLength
                            let (wt, wb) = p.halfWidths(s)
                            let t = across >= 0 ? (wt > 1e-6 ? across / wt : 1) : (wb > 1e-6 ? across / wb : -1)
                            visit(x, y, coverage, Float(max(-1, min(1, s))), Float(max(-1, min(1, t))))
                        }
                    }
                }
            }
        }
    }
}

@inline(__always)
func scanCapsule(_ cap: Capsule, xs: Range<Int>, ys: Range<Int>, _ visit: (Int, Int, Float, Float, Float) -> Void) {
    guard let (rx, ry) = pixelRange(of: cap.bounds, xs: xs, ys: ys) else { return }
    let d = cap.b - cap.a
    let l2 = max(dot(d, d), 1e-12)
    let inv = 1 / l2
    let dl = l2.squareRoot()
    let perp = Vec2(-d.y, d.x) / dl
    let dr = cap.r1 - cap.r0
    let rMax = max(cap.r0, cap.r1) + 0.5
    for y in ry {
        let yc = Double(y) + 0.5
        for x in rx {
            let xc = Double(x) + 0.5
            let px = xc - cap.a.x, py = yc - cap.a.y
            let u = min(1, max(0, (px * d.x + py * d.y) * inv))
            let ex = px - u * d.x, ey = py - u * d.y
            let e2 = ex * ex + ey * ey
            if e2 > rMax * rMax { continue }
            let r = cap.r0 + dr * u
            let dist = e2.squareRoot()
            let coverage = Float(min(1, max(0, 0.5 - (dist - r))))
            if coverage <= 0 { continue }
            let side = ex * perp.x + ey * perp.y
            let t = r > 1e-6 ? max(-1, min(1, side / max(r, 0.5))) : 0
            visit(x, y, coverage, Float(u), Float(t))
        }
    }
}

// MARK: - Shading

/// Colour (8-bit scale) and opacity of paint `p` at part coordinates (s, t) and pixel (x, y).
@inline(__always)
func shade(_ p: Paint, s: Float, t: Float, x: Int, y: Int) -> (Colour, Float) {
    let fx = Float(x), fy = Float(y)
    switch p.kind {
    case .cuticle, .eye:
        let nx = s * p.elongation, ny = t
        let nz = max(0.12, (1 - min(1, nx * nx + ny * ny)).squareRoot())
        let inv = 1 / (nx * nx + ny * ny + nz * nz).squareRoot()
        let n = SIMD3<Float>(nx, ny, nz) * inv
        let diffuse = p.ambient + (1 - p.ambient) * max(0, (n * p.light).sum())
        var h = max(0, (n * p.half).sum())
        h *= h; h *= h; h *= h; h *= h      // ^16
        var c = p.colour
        if p.kind == .cuticle && p.bandStrength > 0 { c = bandColour(p, s: s, t: t) }
        if p.kind == .eye {
            // Rim of the eye darker, facets as a fine lattice of brightness.
            let r = min(1, (s * s + t * t).squareRoot())
            c *= 1 - 0.35 * smoothstep(0.55, 1, r)
            h *= h       // ^32: a sharp highlight
        }
        if p.mottle > 0 {
            let m = valueNoise(fx, fy, cell: p.mottleCell, seed: p.seed) - 0.5
            c *= 1 + 2 * p.mottle * m
        }
        if p.speckle > 0 {
            let cx = Int32(truncatingIfNeeded: Int(fx / p.speckleCell)), cy = Int32(truncatingIfNeeded: Int(fy / p.speckleCell))
            let v = hashUnit(cx, cy, p.seed &+ 17)
            if v < p.speckle { c *= 1 - p.speckleDark * (1 - v / p.speckle) }
        }
        c = c * diffuse + Colour(repeating: 255 * p.specular * h)
        return (c, p.opacity)
    case .wing:
        let q = (s + 1) * 0.5                       // 0 at the hinge, 1 at the tip
        var c = p.colour
        if p.iridescence > 0 {
            let a = valueNoise(fx, fy, cell: p.iridescenceCell, seed: p.seed) - 0.5
            let b = valueNoise(fx, fy, cell: p.iridescenceCell * 0.7, seed: p.seed &+ 5) - 0.5
            c += Colour(1.0, -0.6, 0.5) * (a * p.iridescence * 255) + Colour(-0.5, 0.7, 0.1) * (b * p.iridescence * 255)
        }
        let rim = smoothstep(0.78, 1.0, abs(t)) + smoothstep(0.9, 1.0, q)
        let alpha = p.opacity * (1.05 - 0.35 * q) + p.rimOpacity * min(1, rim)
        // A faint sheen across the blade.
        let sheen = 1 + 0.06 * (1 - t * t) * (p.light.x * s + p.light.y * t)
        return (c * sheen, min(1, alpha))
    case .appendage:
        let tt = t * t
        var c = p.colour * (1 - 0.35 * tt)
        c += Colour(repeating: 255 * p.specular * (1 - tt) * (1 - tt))
        return (c, p.opacity)
    }
}

/// Abdominal colour: tan with dark bands at the posterior part of each tergite, a fused dark
/// tip (males) or a light tip (females).
@inline(__always)
func bandColour(_ p: Paint, s: Float, t: Float) -> Colour {
    let q = (1 - s) * 0.5                     // 0 at the front of the abdomen, 1 at the tail
    // Bands curve towards the front at the sides.
    let f = q * p.segments - 0.25 * t * t
    let frac = f - fastFloor(f)
    var band = smoothstep(1 - p.bandWidth - 0.1, 1 - p.bandWidth + 0.06, frac) * (1 - smoothstep(0.94, 1.0, frac) * 0.6)
    switch p.bandMode {
    case 0: band *= 1 - 0.7 * smoothstep(0.55, 1.0, abs(t))
    case 1: band *= smoothstep(-0.25, 0.45, t)
    default: band *= 0.18 * (1 - 0.6 * smoothstep(0.0, 0.35, 0.35 - abs(t)))
    }
    band *= p.bandStrength
    if q < 0.06 { band *= q / 0.06 }
    var c = mix(p.colour, p.colour2, band)
    if p.darkTipStart <= 1 {
        var tip = smoothstep(p.darkTipStart - 0.04, p.darkTipStart + 0.04, q)
        if p.bandMode == 1 { tip *= 0.35 + 0.65 * smoothstep(-0.95, -0.2, t) }
        c = mix(c, p.colour3, tip)
    }
    if p.lightTipStart <= 1 {
        let light = smoothstep(p.lightTipStart - 0.03, p.lightTipStart + 0.05, q)
        c = mix(c, p.colour * 1.05, light * 0.85)
    }
    return c
}
