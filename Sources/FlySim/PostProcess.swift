import Foundation
import ImageIO

// The camera: exposure, white balance, uneven light and vignetting, the eyepiece circle,
// saturation, defocus, phone sharpening, sensor noise, and 8-bit quantisation. Every pass
// runs in parallel over rows (or column blocks) and draws its noise from hashes of the
// pixel position, so the bytes never depend on the thread count.

enum PostProcessor {
    static func finish(_ plan: ScenePlan, image: inout [Float]) -> RGBImage {
        let look = plan.look
        if look.blurSigma >= 0.3 {
            gaussianBlur(&image, width: plan.width, height: plan.height, sigma: look.blurSigma, threads: plan.threads)
        }
        // Light falls smoothly across the photo, so it is applied after the blur (they
        // commute up to the light's own tiny change over the blur width), in the same pass as
        // sharpening and noise.
        return develop(plan, image)
    }

    /// Separable Gaussian blur of an RGB float image (edges clamped). Both passes run over
    /// whole rows with unit-stride inner loops, which vectorise.
    static func gaussianBlur(_ image: inout [Float], width w: Int, height h: Int, sigma: Double, threads: Int) {
        if sigma > 1.5 {
            // Wide blurs: three box passes (running sums) cost the same at any radius.
            for r in boxRadii(sigma: sigma, passes: 3) { boxBlur(&image, width: w, height: h, radius: r, threads: threads) }
            return
        }
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        var kernel = (-radius...radius).map { Float(exp(-Double($0 * $0) / (2 * sigma * sigma))) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        let taps = kernel
        let rowLength = w * 3
        var temporary = [Float](repeating: 0, count: image.count)
        image.withUnsafeMutableBufferPointer { img in
            temporary.withUnsafeMutableBufferPointer { tmp in
                let source = SharedPointer(img.baseAddress!), middle = SharedPointer(tmp.baseAddress!)
                // Rows: image → temporary.
                parallelFor(h, threads: threads, minimumChunk: 16) { rows in
                    var padded = [Float](repeating: 0, count: rowLength + 6 * radius)
                    padded.withUnsafeMutableBufferPointer { pad in
                        for y in rows {
                            let row = source.base + y * rowLength
                            for x in 0..<radius {
                                pad[x * 3] = row[0]; pad[x * 3 + 1] = row[1]; pad[x * 3 + 2] = row[2]
                                let e = 3 * (radius + w + x), l = rowLength - 3
                                pad[e] = row[l]; pad[e + 1] = row[l + 1]; pad[e + 2] = row[l + 2]
                            }
                            for i in 0..<rowLength { pad[3 * radius + i] = row[i] }
                            let out = middle.base + y * rowLength
                            scaled(out, UnsafePointer(pad.baseAddress!), taps[0], rowLength)
                            for k in 1..<taps.count {
                                multiplyAdd(out, UnsafePointer(pad.baseAddress! + 3 * k), taps[k], rowLength)
                            }
                        }
                    }
                }
                // Columns: temporary → image.
                parallelFor(h, threads: threads, minimumChunk: 16) { rows in
                    for y in rows {
                        let out = source.base + y * rowLength
                        for k in 0..<taps.count {
                            let src = UnsafePointer(middle.base + min(h - 1, max(0, y + k - radius)) * rowLength)
                            if k == 0 {
                                scaled(out, src, taps[k], rowLength)
                            } else {
                                multiplyAdd(out, src, taps[k], rowLength)
                            }
                        }
                    }
                }
            }
        }
    }

    /// out[i] = w · src[i], eight lanes at a time.
    @inline(__always) static func scaled(_ out: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ w: Float, _ n: Int) {
        let wv = SIMD8<Float>(repeating: w)
        var i = 0
        while i + 8 <= n {
            let v = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(out + i).storeBytes(of: v * wv, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { out[i] = w * src[i]; i += 1 }
    }

    /// out[i] += w · src[i], eight lanes at a time.
    @inline(__always) static func multiplyAdd(_ out: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ w: Float, _ n: Int) {
        let wv = SIMD8<Float>(repeating: w)
        var i = 0
        while i + 8 <= n {
            let v = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self)
            let o = UnsafeRawPointer(out + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(out + i).storeBytes(of: o + v * wv, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { out[i] += w * src[i]; i += 1 }
    }

    /// Radii of `passes` box blurs whose succession approximates a Gaussian of `sigma`.
    static func boxRadii(sigma: Double, passes n: Int) -> [Int] {
        let ideal = (12 * sigma * sigma / Double(n) + 1).squareRoot()
        var lower = Int(ideal)
        if lower % 2 == 0 { lower -= 1 }
        let upper = lower + 2
        let m = Int(((12 * sigma * sigma - Double(n * lower * lower + 4 * n * lower + 3 * n)) / Double(-4 * lower - 4)).rounded())
        return (0..<n).map { ($0 < m ? lower : upper) / 2 }
    }

    /// Box blur of an RGB float image (edges clamped): running sums along rows, then a
    /// running sum of whole rows down the columns.
    static func boxBlur(_ image: inout [Float], width w: Int, height h: Int, radius r: Int, threads: Int) {
        guard r > 0 else { return }
        let rowLength = w * 3
        let norm = 1 / Float(2 * r + 1)
        var temporary = [Float](repeating: 0, count: image.count)
        image.withUnsafeMutableBufferPointer { img in
            temporary.withUnsafeMutableBufferPointer { tmp in
                let source = SharedPointer(img.baseAddress!), middle = SharedPointer(tmp.baseAddress!)
                parallelFor(h, threads: threads, minimumChunk: 16) { rows in
                    for y in rows {
                        let row = source.base + y * rowLength, out = middle.base + y * rowLength
                        for c in 0..<3 {
                            var sum: Float = 0
                            for k in -r...r { sum += row[min(w - 1, max(0, k)) * 3 + c] }
                            for x in 0..<w {
                                out[x * 3 + c] = sum * norm
                                sum += row[min(w - 1, x + r + 1) * 3 + c] - row[max(0, x - r) * 3 + c]
                            }
                        }
                    }
                }
                // Columns: each thread keeps a running row sum for its band of output rows.
                parallelFor(h, threads: threads, minimumChunk: 16) { rows in
                    var sum = [Float](repeating: 0, count: rowLength)
                    sum.withUnsafeMutableBufferPointer { acc in
                        for k in (rows.lowerBound - r)...(rows.lowerBound + r) {
                            let src = middle.base + min(h - 1, max(0, k)) * rowLength
                            for i in 0..<rowLength { acc[i] += src[i] }
                        }
                        for y in rows {
                            let out = source.base + y * rowLength
                            for i in 0..<rowLength { out[i] = acc[i] * norm }
                            let add = middle.base + min(h - 1, y + r + 1) * rowLength
                            let remove = middle.base + max(0, y - r) * rowLength
                            for i in 0..<rowLength { acc[i] += add[i] - remove[i] }
                        }
                    }
                }
            }
        }
    }

    /// Exposure, white balance, gradient, vignetting, eyepiece and saturation; camera
    /// sharpening; then sensor noise (brightness-dependent, mostly luminance, some chroma) and
    /// 8 bits. Row by row: the sharpening and the conversion run eight values at a time.
    static func develop(_ plan: ScenePlan, _ image: [Float]) -> RGBImage {
        let look = plan.look
        let w = plan.width, h = plan.height
        let cx = Float(w) / 2, cy = Float(h) / 2
        let eyepiece = look.eyepiece
        let vignetteCentre = eyepiece.map { SIMD2<Float>(Float($0.centre.x), Float($0.centre.y)) } ?? SIMD2(cx, cy)
        let vignetteRadius = eyepiece.map { Float($0.radius) } ?? (cx * cx + cy * cy).squareRoot()
        let gain = look.whiteBalance * look.exposure
        let vig = look.vignetting, grad = look.gradient, sat = look.saturation
        let surround = Colour(7, 7, 9)
        let sigma = look.noise
        let seed = look.postSeed
        let sharpen = look.sharpening > 0.01 ? look.sharpening * 1.6 : 0
        let rowLength = w * 3
        // Noise level by brightness (shot noise grows with the signal), tabulated.
        let levels = (0...256).map { sigma * (0.45 + 0.55 * (Float($0) / 128).squareRoot()) }
        var out = [UInt8](repeating: 0, count: w * h * 3)
        image.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let s = SharedPointer(UnsafeMutablePointer(mutating: src.baseAddress!))
                let d = SharedPointer(dst.baseAddress!)
                levels.withUnsafeBufferPointer { table in
                    NoiseTable.values.withUnsafeBufferPointer { noise in
                        parallelFor(h, threads: plan.threads, minimumChunk: 16) { rows in
                            var columnSums = [Float](repeating: 0, count: rowLength + 6)
                            var sharpened = [Float](repeating: 0, count: sharpen > 0 ? rowLength : 0)
                            var developed = [Float](repeating: 0, count: rowLength)
                            columnSums.withUnsafeMutableBufferPointer { cs in
                            sharpened.withUnsafeMutableBufferPointer { sh in
                            developed.withUnsafeMutableBufferPointer { dv in
                                for y in rows {
                                    let mid = s.base + y * rowLength
                                    var row = UnsafePointer(mid)
                                    if sharpen > 0 {
                                        // Unsharp mask against the 3×3 mean.
                                        let up = s.base + max(0, y - 1) * rowLength, down = s.base + min(h - 1, y + 1) * rowLength
                                        let sums = cs.baseAddress! + 3
                                        addRows(sums, up, mid, down, rowLength)
                                        for c in 0..<3 { sums[c - 3] = sums[c]; sums[rowLength + c] = sums[rowLength - 3 + c] }
                                        unsharp(sh.baseAddress!, UnsafePointer(mid), UnsafePointer(cs.baseAddress!), sharpen, rowLength)
                                        row = UnsafePointer(sh.baseAddress!)
                                    }
                                    let fy = Float(y) + 0.5
                                    let dy = (fy - vignetteCentre.y) / vignetteRadius
                                    let rowLight = 1 + grad.y * (fy - cy)
                                    let offset = Int(hash32(Int32(truncatingIfNeeded: y), 7, UInt32(truncatingIfNeeded: seed))) & NoiseTable.mask
                                    for x in 0..<w {
                                        let fx = Float(x) + 0.5
                                        let dx = (fx - vignetteCentre.x) / vignetteRadius
                                        let r2 = dx * dx + dy * dy
                                        let illumination = max(0, (rowLight + grad.x * (fx - cx)) * (1 - vig * (0.55 * r2 + 0.45 * r2 * r2)))
                                        let i = x * 3
                                        var c = Colour(row[i], row[i + 1], row[i + 2]) * (gain * illumination)
                                        let grey = 0.299 * c.x + 0.587 * c.y + 0.114 * c.z
                                        c = Colour(repeating: grey) + (c - Colour(repeating: grey)) * sat
                                        if let e = eyepiece {
                                            let t = e.transmission(Double(fx), Double(fy))
                                            c = c * t + surround * (1 - t)
                                        }
                                        let luminance = min(256, max(0, 0.299 * c.x + 0.587 * c.y + 0.114 * c.z))
                                        let level = table[Int(luminance)]
                                        let k = ((offset + x) & NoiseTable.mask) * 4
                                        let n = noise[k] * level, chroma = level * 0.4
                                        dv[i] = c.x + n + noise[k + 1] * chroma
                                        dv[i + 1] = c.y + n + noise[k + 2] * chroma
                                        dv[i + 2] = c.z + n + noise[k + 3] * chroma
                                    }
                                    toBytes(d.base + y * rowLength, UnsafePointer(dv.baseAddress!), rowLength)
                                }
                            }
                            }
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    /// out[i] = v[i] + k · (v[i] − (s[i] + s[i + 3] + s[i + 6]) / 9), with `s` the column sums
    /// shifted by one pixel (three values).
    @inline(__always) static func unsharp(_ out: UnsafeMutablePointer<Float>, _ v: UnsafePointer<Float>,
                                          _ s: UnsafePointer<Float>, _ k: Float, _ n: Int) {
        let kv = SIMD8<Float>(repeating: k), ninth = SIMD8<Float>(repeating: 1.0 / 9)
        var i = 0
        while i + 8 <= n {
            let x = UnsafeRawPointer(v + i).loadUnaligned(as: SIMD8<Float>.self)
            let a = UnsafeRawPointer(s + i).loadUnaligned(as: SIMD8<Float>.self)
            let b = UnsafeRawPointer(s + i + 3).loadUnaligned(as: SIMD8<Float>.self)
            let c = UnsafeRawPointer(s + i + 6).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(out + i).storeBytes(of: x + kv * (x - (a + b + c) * ninth), as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { out[i] = v[i] + k * (v[i] - (s[i] + s[i + 3] + s[i + 6]) / 9); i += 1 }
    }

    /// Rounds and clamps to bytes.
    @inline(__always) static func toBytes(_ out: UnsafeMutablePointer<UInt8>, _ v: UnsafePointer<Float>, _ n: Int) {
        for i in 0..<n { out[i] = UInt8(truncatingIfNeeded: Int32(min(255, max(0, v[i])) + 0.5)) }
    }

    /// out[i] = a[i] + b[i] + c[i], eight lanes at a time.
    @inline(__always) static func addRows(_ out: UnsafeMutablePointer<Float>, _ a: UnsafeMutablePointer<Float>,
                                          _ b: UnsafeMutablePointer<Float>, _ c: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n {
            let va = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
            let vb = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            let vc = UnsafeRawPointer(c + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(out + i).storeBytes(of: va + vb + vc, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { out[i] = a[i] + b[i] + c[i]; i += 1 }
    }

}

/// Standard-normal luminance noise and uniform chroma noise (unit variance), four values per
/// entry, drawn once; each photo row starts at a hashed offset.
enum NoiseTable {
    static let size = 1 << 16
    static let mask = size - 1
    static let values: [Float] = {
        var rng = SplitMix(0x4E4F_4953_4500_0001)
        var v = [Float](repeating: 0, count: size * 4)
        for i in 0..<size {
            // Box–Muller for the luminance, uniform (variance 1) for the chroma.
            let u1 = max(Double(rng.next() >> 11) * 0x1.0p-53, 1e-300), u2 = Double(rng.next() >> 11) * 0x1.0p-53
            v[i * 4] = Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
            for c in 1...3 { v[i * 4 + c] = (rng.unit() - 0.5) * 3.464_101_6 }
        }
        return v
    }()
}
