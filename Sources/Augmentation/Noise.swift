import Foundation
import ImageIO
import Tensors

/// Noise, occlusion and compression.
enum Noise {
    /// Φ⁻¹((i + ½) / 4096) for i in 0..<4096: a standard normal sample is one table entry
    /// picked by 12 random bits, five samples per 64-bit draw (tails cut at ±3.7σ).
    static let normalQuantiles: [Float] = {
        let count = 4096
        func phi(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }
        var table = [Float](repeating: 0, count: count)
        for i in 0..<(count / 2) {
            let p = (Double(i) + 0.5) / Double(count)
            var lo = -10.0, hi = 0.0
            for _ in 0..<64 {
                let mid = (lo + hi) / 2
                if phi(mid) < p { lo = mid } else { hi = mid }
            }
            let q = Float((lo + hi) / 2)
            table[i] = q
            table[count - 1 - i] = -q
        }
        return table
    }()

    /// Adds σ·n (or, `multiplicative`, v·σ·n) to every byte v, n standard normal, rounded and
    /// clamped. Row by row: the normal draws go into a small buffer (five per 64-bit draw),
    /// then one vectorised pass adds them.
    static func addNormal(_ image: inout RGBImage, sigma: Float, multiplicative: Bool, rng: inout RandomSource) {
        let chunk = Swift.max(1, Swift.min(image.pixels.count, 4096))
        var noise = [Float](repeating: 0, count: chunk + 5)
        normalQuantiles.withUnsafeBufferPointer { table in
            noise.withUnsafeMutableBufferPointer { n in
                image.pixels.withUnsafeMutableBufferPointer { p in
                    var start = 0
                    while start < p.count {
                        let count = Swift.min(chunk, p.count &- start)
                        var j = 0
                        while j < count {
                            var bits = rng.next()
                            for k in 0..<5 {
                                n[j &+ k] = table[Int(truncatingIfNeeded: bits & 4095)]
                                bits &>>= 12
                            }
                            j &+= 5
                        }
                        if multiplicative {
                            for i in 0..<count {
                                let v = Float(p[start &+ i])
                                p[start &+ i] = Filters.roundToByte(v + v * sigma * n[i])
                            }
                        } else {
                            for i in 0..<count {
                                p[start &+ i] = Filters.roundToByte(Float(p[start &+ i]) + sigma * n[i])
                            }
                        }
                        start &+= count
                    }
                }
            }
        }
    }

    /// v + σ·n, independently per channel.
    static func additive(_ image: inout RGBImage, sigma: Float, rng: inout RandomSource) {
        guard sigma > 0 else { return }
        addNormal(&image, sigma: sigma, multiplicative: false, rng: &rng)
    }

    /// v·(1 + σ·n), independently per channel.
    static func speckle(_ image: inout RGBImage, sigma: Float, rng: inout RandomSource) {
        guard sigma > 0 else { return }
        addNormal(&image, sigma: sigma, multiplicative: true, rng: &rng)
    }

    /// 1–3 rectangles, each side 50–100 % of `maxFraction` of the image's side, centred
    /// anywhere in the image (so they may be cut by the edges), filled with mid-grey or
    /// with uniform noise (even odds).
    static func coarseDropout(_ image: inout RGBImage, maxFraction: Double, rng: inout RandomSource) {
        let w = image.width, h = image.height
        let count = 1 + rng.index(below: 3)
        for _ in 0..<count {
            let rw = Int((Double(rng.uniform(0.5, 1)) * maxFraction * Double(w)).rounded())
            let rh = Int((Double(rng.uniform(0.5, 1)) * maxFraction * Double(h)).rounded())
            let x = rng.index(below: w) - rw / 2, y = rng.index(below: h) - rh / 2
            let noisy = rng.next() & 1 == 1
            guard rw > 0 && rh > 0 else { continue }
            let x0 = max(0, x), x1 = min(w, x + rw), y0 = max(0, y), y1 = min(h, y + rh)
            guard x0 < x1 && y0 < y1 else { continue }
            image.pixels.withUnsafeMutableBufferPointer { p in
                for yy in y0..<y1 {
                    let start = (yy * w + x0) * 3, end = (yy * w + x1) * 3
                    if noisy {
                        var i = start
                        while i < end {
                            var bits = rng.next()
                            let stop = min(i + 8, end)
                            while i < stop { p[i] = UInt8(truncatingIfNeeded: bits); bits >>= 8; i += 1 }
                        }
                    } else {
                        for i in start..<end { p[i] = 128 }
                    }
                }
            }
        }
    }

    /// Encodes as JPEG at `quality` (1…100, 4:2:0) and decodes again; on any codec failure
    /// the image is returned unchanged.
    static func jpeg(_ image: RGBImage, quality: Int) -> RGBImage {
        guard !image.isEmpty,
              let bytes = try? ImageEncoder.jpeg(image, quality: min(100, max(1, quality))),
              let decoded = try? ImageDecoder.decode(bytes, options: DecodeOptions(applyOrientation: false)).image,
              decoded.width == image.width, decoded.height == image.height
        else { return image }
        return decoded
    }
}
