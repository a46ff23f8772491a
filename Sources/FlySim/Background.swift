import Foundation
import Tensors

// The surface under the flies, in linear 8-bit-scale floats (RGB interleaved, rows top to
// bottom). Texture, grid lines and the Petri dish are evaluated per pixel in parallel over
// rows from hashes and noise lattices, so the result does not depend on the thread count;
// flecks, dust and fibres are then drawn one by one.

enum BackgroundRenderer {
    static func render(_ plan: ScenePlan) -> [Float] {
        let w = plan.width, h = plan.height
        let look = plan.look
        var out = [Float](repeating: 0, count: w * h * 3)
        let ppm = look.pixelsPerMillimetre
        let seed = look.backgroundSeed
        let fineSeed = UInt32(truncatingIfNeeded: seed >> 32)
        // Mottling at three scales (a fifth of a millimetre to centimetres), folded into one
        // lattice; the CO2 pad adds a lattice of pores.
        let medium = NoiseGrid(width: w, height: h, cell: max(3, 1.1 * ppm), seed: seed &+ 2)
        let coarse = NoiseGrid(width: w, height: h, cell: max(8, 7 * ppm), seed: seed &+ 3)
        let kind: Int
        let weights: (Float, Float, Float)
        switch look.surface {
        case .card: kind = 0; weights = (0.06, 0.05, 0.03)
        case .co2Pad: kind = 1; weights = (0.04, 0.0, 0.03)
        case .paper: kind = 2; weights = (0.035, 0.025, 0.02)
        }
        let texture = NoiseGrid(width: w, height: h, cell: max(1.5, 0.12 * ppm), seed: seed &+ 1, amplitude: weights.0,
                                layers: [(medium, weights.1), (coarse, weights.2)])
        let pores = kind == 1 ? NoiseGrid(width: w, height: h, cell: max(1.0, 0.045 * ppm), seed: seed &+ 4)
                              : NoiseGrid(width: 1, height: 1, cell: 1, seed: 0)
        let grain: Float = kind == 0 ? 0.03 : (kind == 1 ? 0.018 : 0.01)
        let base = look.surfaceColour
        let grid = look.grid
        let dish = look.dish
        let lightDir = Vec2(Double(look.light.x), Double(look.light.y))
        out.withUnsafeMutableBufferPointer { buffer in
          NoiseTable.values.withUnsafeBufferPointer { noise in
            let ptr = SharedPointer(buffer.baseAddress!)
            parallelFor(h, threads: plan.threads, minimumChunk: 16) { rows in
                var textureRow = [Float](), poreRow = [Float](), mediumRow = [Float]()
                for y in rows {
                    let fy = Float(y) + 0.5
                    texture.row(fy, into: &textureRow)
                    if kind == 1 { pores.row(fy, into: &poreRow) }
                    if dish != nil { medium.row(fy, into: &mediumRow) }
                    let offset = Int(hash32(Int32(truncatingIfNeeded: y), 3, fineSeed)) & NoiseTable.mask
                    textureRow.withUnsafeBufferPointer { tr in
                        poreRow.withUnsafeBufferPointer { pr in
                            mediumRow.withUnsafeBufferPointer { mr in
                                var i = y * w * 3
                                for x in 0..<w {
                                    let fx = Float(x) + 0.5
                                    let n = noise[((offset + x) & NoiseTable.mask) * 4]
                                    var k = 1 + texture.sample(row: tr, x: fx) + n * grain
                                    if kind == 1 {
                                        k -= 0.07 * smoothstep(0.1, 0.4, pores.sample(row: pr, x: fx))
                                    }
                                    var c = base * k
                                    if let g = grid { c = gridColour(c, g, Double(fx), Double(fy)) }
                                    if let d = dish {
                                        c = dishColour(c, d, Double(fx), Double(fy), light: lightDir,
                                                       noise: medium.sample(row: mr, x: fx), fine: n)
                                    }
                                    ptr.base[i] = c.x
                                    ptr.base[i + 1] = c.y
                                    ptr.base[i + 2] = c.z
                                    i += 3
                                }
                            }
                        }
                    }
                }
            }
          }
        }
        drawSpecks(plan, into: &out)
        return out
    }

    /// Printed lines: distance to the nearest line along both axes of the (slightly rotated)
    /// grid, anti-aliased over a pixel.
    @inline(__always)
    static func gridColour(_ c: Colour, _ g: GridLook, _ x: Double, _ y: Double) -> Colour {
        let u = x * g.cosAngle + y * g.sinAngle - g.offset.x, v = -x * g.sinAngle + y * g.cosAngle - g.offset.y
        let ink = max(lineInk(u, g), lineInk(v, g))
        if ink <= 0 { return c }
        // Printed ink keeps a little of the surface's texture.
        let inked = g.colour * (0.85 + 0.15 * c / max(1, (c.x + c.y + c.z) / 3))
        return mix(c, inked, ink * 0.92)
    }

    @inline(__always)
    static func lineInk(_ coordinate: Double, _ g: GridLook) -> Float {
        let k = fastFloor(coordinate * g.inverseSpacing + 0.5)
        let distance = abs(coordinate - k * g.spacing)
        if distance > g.reach { return 0 }
        let major = g.majorEvery > 0 && Int(k) % g.majorEvery == 0
        let width = major ? g.majorWidth : g.width
        // A solid core and a soft fringe of ink spread into the fibres.
        let fringe = max(1, 0.35 * width)
        if distance > width / 2 + fringe { return 0 }
        let strength: Float = g.majorEvery > 0 ? (major ? 1 : g.minorStrength) : 1
        let core = Float(min(1, max(0, width / 2 + 0.5 - distance)))
        let spread = Float(max(0, 1 - (distance - width / 2) / fringe)) * 0.35
        return max(core, spread) * strength
    }

    /// Glass dish: slightly darker floor, a rim band with a dark inner edge and bright
    /// highlights on the side facing the light, and the bench outside with the dish's shadow.
    @inline(__always)
    static func dishColour(_ c: Colour, _ d: DishLook, _ x: Double, _ y: Double, light: Vec2, noise: Float, fine: Float) -> Colour {
        let dx = x - d.centre.x, dy = y - d.centre.y
        let r = (dx * dx + dy * dy).squareRoot()
        let inner = d.radius - d.rimWidth
        if r < inner - 1 { return c * 0.97 }
        let facing = Float(r > 0 ? (dx * light.x + dy * light.y) / r : 0)     // +1 towards the light
        if r > d.radius + 1 {
            // Bench, with the dish's soft shadow away from the light.
            var b = d.outside * (1 + noise * 0.08 + fine * 0.015)
            let shadowReach = d.rimWidth * 3
            let s = Float(max(0, 1 - (r - d.radius) / shadowReach)) * (0.5 - 0.4 * facing)
            b *= 1 - 0.35 * s
            return b
        }
        // Rim: position across it 0 (inner edge) → 1 (outer edge).
        let q = Float((r - inner) / d.rimWidth)
        var rim = mix(c * 0.97, d.outside, smoothstep(0.85, 1.05, q))
        rim *= 1 - 0.35 * (1 - smoothstep(0, 0.12, abs(q - 0.06)))            // dark inner wall
        let highlight = (1 - smoothstep(0, 0.1, abs(q - 0.55))) * max(0, 0.2 + 0.8 * facing)
        rim += Colour(repeating: 90 * highlight)
        let outerLine = 1 - smoothstep(0, 0.08, abs(q - 0.95))
        rim *= 1 - 0.25 * outerLine
        return rim
    }

    /// Flecks in the card, dust specks and stray fibres.
    static func drawSpecks(_ plan: ScenePlan, into image: inout [Float]) {
        let look = plan.look
        var rng = RandomSource(seed: look.backgroundSeed &+ 99)
        let ppm = look.pixelsPerMillimetre
        let W = Double(plan.width), H = Double(plan.height)
        var paint = Paint()
        paint.kind = .appendage
        paint.specular = 0
        for _ in 0..<look.fleckCount {
            let centre = Vec2(rng.double(0...W), rng.double(0...H))
            let r = max(0.6, rng.double(0.02...0.05) * ppm)
            paint.colour = look.fleckColour * rng.float(0.95...1.08)
            paint.opacity = rng.float(0.45...0.9)
            fill(.capsule(Capsule(a: centre, b: centre + Vec2(rng.double(-0.5...0.5), rng.double(-0.5...0.5)) * r,
                                  r0: r, r1: r * 0.8)), paint, image: &image, width: plan.width, height: plan.height)
        }
        for _ in 0..<look.dustCount {
            let centre = Vec2(rng.double(0...W), rng.double(0...H))
            let r = max(0.45, rng.double(0.006...0.03) * ppm)
            let dark = rng.chance(0.7)
            paint.colour = dark ? Colour(60, 55, 50) * rng.float(0.6...1.4) : Colour(250, 250, 248)
            paint.opacity = rng.float(0.25...0.7)
            fill(.capsule(Capsule(a: centre, b: centre, r0: r, r1: r)), paint, image: &image, width: plan.width, height: plan.height)
        }
        // Debris: a loose leg or wing now and then (not annotated: detectors must ignore it).
        let debris = min(20, Int(Double(plan.flies.count) * rng.double(0...0.05) + rng.double(0...0.6)))
        let L = look.flyLength
        for _ in 0..<debris {
            var p = Vec2(rng.double(0...W), rng.double(0...H))
            var heading = rng.double(0...(2 * .pi))
            if rng.chance(0.7) {
                var leg = Paint()
                leg.kind = .appendage
                leg.colour = Colour(104, 88, 70) * rng.float(0.85...1.2)
                leg.opacity = 0.88
                leg.specular = 0.04
                for (len, r) in [(0.19, 0.015), (0.18, 0.011), (0.15, 0.007)] {
                    heading += rng.double(-0.9...0.9)
                    let q = p + Vec2(cos(heading), sin(heading)) * (len * L)
                    fill(.capsule(Capsule(a: p, b: q, r0: max(0.4, r * L), r1: max(0.35, r * 0.85 * L))), leg,
                         image: &image, width: plan.width, height: plan.height)
                    p = q
                }
            } else {
                var wing = Paint()
                wing.kind = .wing
                wing.colour = Colour(222, 212, 200)
                wing.opacity = rng.float(0.3...0.45)
                wing.rimOpacity = 0.2
                wing.iridescence = 0.07
                let length = L * rng.double(0.7...0.95)
                wing.iridescenceCell = Float(max(3, 0.14 * length))
                wing.seed = UInt32(truncatingIfNeeded: rng.next())
                let axis = Vec2(cos(heading), sin(heading))
                let poly = ProfilePolygon(origin: p, axis: axis, normal: Vec2(-axis.y, axis.x), halfLength: length / 2,
                                          samples: 16, topProfile: { superProfile($0, 0.17 * length, front: 2.3, back: 1.6) },
                                          bottomProfile: { superProfile($0, 0.23 * length, front: 2.2, back: 1.5) })
                fill(.polygon(poly), wing, image: &image, width: plan.width, height: plan.height)
            }
        }
        let fibreColours = [Colour(40, 40, 45), Colour(60, 70, 140), Colour(150, 50, 50), Colour(245, 245, 245), Colour(110, 90, 70)]
        for _ in 0..<look.fibreCount {
            var p = Vec2(rng.double(0...W), rng.double(0...H))
            var heading = rng.double(0...(2 * .pi))
            let segments = rng.int(4...10)
            let step = rng.double(0.15...0.5) * ppm
            let r = max(0.3, rng.double(0.004...0.012) * ppm)
            paint.colour = rng.pick(fibreColours)
            paint.opacity = rng.float(0.25...0.6)
            let turn = rng.double(-0.35...0.35)
            for _ in 0..<segments {
                heading += turn + rng.double(-0.25...0.25)
                let q = p + Vec2(cos(heading), sin(heading)) * step
                fill(.capsule(Capsule(a: p, b: q, r0: r, r1: r)), paint, image: &image, width: plan.width, height: plan.height)
                p = q
            }
        }
    }

    /// Paints one shape straight into a float RGB image (small shapes only).
    static func fill(_ shape: Shape, _ paint: Paint, image: inout [Float], width: Int, height: Int) {
        image.withUnsafeMutableBufferPointer { img in
            scan(shape, xs: 0..<width, ys: 0..<height) { x, y, coverage, s, t in
                let (c, o) = shade(paint, s: s, t: t, x: x, y: y)
                let a = coverage * o
                let i = (y * width + x) * 3
                img[i] += (c.x - img[i]) * a
                img[i + 1] += (c.y - img[i + 1]) * a
                img[i + 2] += (c.z - img[i + 2]) * a
            }
        }
    }
}
