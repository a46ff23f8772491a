import Foundation
import ImageIO

// The camera: exposure, white balance, uneven light and vignetting, the eyepiece circle,
// saturation, defocus, phone sharpening, sensor noise, and 8-bit quantisation. Every pass
// runs in parallel over rows (or column blocks) and draws its noise from hashes of the
// pixel position, so the bytes never depend on the thread count.

enum PostProcessor {
    static func finish(_ plan: ScenePlan, image: inout [Float]) -> RGBImage {
        let look = plan.look
        light(plan, &image)
        if look.blurSigma >= 0.3 {
            gaussianBlur(&image, width: plan.width, height: plan.height, sigma: look.blurSigma, threads: plan.threads)
        }
        if look.sharpening > 0.01 {
            var soft = image
            gaussianBlur(&soft, width: plan.width, height: plan.height, sigma: max(1, look.flyLength * 0.012), threads: plan.threads)
            let k = look.sharpening
            image.withUnsafeMutableBufferPointer { img in
                soft.withUnsafeBufferPointer { s in
                    let ptr = SharedPointer(img.baseAddress!)
                    let sp = SharedPointer(UnsafeMutablePointer(mutating: s.baseAddress!))
                    let rowLength = plan.width * 3
                    parallelFor(plan.height, threads: plan.threads, minimumChunk: 32) { rows in
                        for i in (rows.lowerBound * rowLength)..<(rows.upperBound * rowLength) {
                            ptr.base[i] += k * (ptr.base[i] - sp.base[i])
                        }
                    }
                }
            }
        }
        return quantise(plan, image)
    }

    /// Exposure, white balance, gradient, vignetting, eyepiece and saturation in one pass.
    static func light(_ plan: ScenePlan, _ image: inout [Float]) {
        let look = plan.look
        let w = plan.width, h = plan.height
        let cx = Float(w) / 2, cy = Float(h) / 2
        let eyepiece = look.eyepiece
        let vignetteCentre = eyepiece.map { SIMD2<Float>(Float($0.centre.x), Float($0.centre.y)) } ?? SIMD2(cx, cy)
        let vignetteRadius = eyepiece.map { Float($0.radius) } ?? (cx * cx + cy * cy).squareRoot()
        let gain = look.whiteBalance * look.exposure
        let vig = look.vignetting, grad = look.gradient, sat = look.saturation
        let surround = Colour(7, 7, 9)
        image.withUnsafeMutableBufferPointer { img in
            let ptr = SharedPointer(img.baseAddress!)
            parallelFor(h, threads: plan.threads, minimumChunk: 16) { rows in
                for y in rows {
                    let fy = Float(y) + 0.5
                    let dy = (fy - vignetteCentre.y) / vignetteRadius
                    for x in 0..<w {
                        let fx = Float(x) + 0.5
                        let dx = (fx - vignetteCentre.x) / vignetteRadius
                        let r2 = dx * dx + dy * dy
                        let illumination = (1 + grad.x * (fx - cx) + grad.y * (fy - cy)) * (1 - vig * (0.55 * r2 + 0.45 * r2 * r2))
                        let i = (y * w + x) * 3
                        var c = Colour(ptr.base[i], ptr.base[i + 1], ptr.base[i + 2]) * gain * max(0, illumination)
                        let luminance = 0.299 * c.x + 0.587 * c.y + 0.114 * c.z
                        c = Colour(repeating: luminance) + (c - Colour(repeating: luminance)) * sat
                        if let e = eyepiece {
                            let t = e.transmission(Double(fx), Double(fy))
                            c = c * t + surround * (1 - t)
                        }
                        ptr.base[i] = c.x
                        ptr.base[i + 1] = c.y
                        ptr.base[i + 2] = c.z
                    }
                }
            }
        }
    }

    /// Separable Gaussian blur of an RGB float image (edges clamped). Both passes run over
    /// whole rows with unit-stride inner loops, which vectorise.
    static func gaussianBlur(_ image: inout [Float], width w: Int, height h: Int, sigma: Double, threads: Int) {
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
                            let w0 = taps[0]
                            for i in 0..<rowLength { out[i] = w0 * pad[i] }
                            for k in 1..<taps.count {
                                let wk = taps[k], offset = 3 * k
                                for i in 0..<rowLength { out[i] += wk * pad[i + offset] }
                            }
                        }
                    }
                }
                // Columns: temporary → image.
                parallelFor(h, threads: threads, minimumChunk: 16) { rows in
                    for y in rows {
                        let out = source.base + y * rowLength
                        for k in 0..<taps.count {
                            let wk = taps[k]
                            let src = middle.base + min(h - 1, max(0, y + k - radius)) * rowLength
                            if k == 0 {
                                for i in 0..<rowLength { out[i] = wk * src[i] }
                            } else {
                                for i in 0..<rowLength { out[i] += wk * src[i] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Sensor noise (brightness-dependent, mostly luminance, some chroma), then 8 bits.
    static func quantise(_ plan: ScenePlan, _ image: [Float]) -> RGBImage {
        let w = plan.width, h = plan.height
        let sigma = plan.look.noise
        let seed = UInt32(truncatingIfNeeded: plan.look.postSeed)
        var out = [UInt8](repeating: 0, count: w * h * 3)
        image.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let s = SharedPointer(UnsafeMutablePointer(mutating: src.baseAddress!))
                let d = SharedPointer(dst.baseAddress!)
                parallelFor(h, threads: plan.threads, minimumChunk: 16) { rows in
                    for y in rows {
                        for x in 0..<w {
                            let i = (y * w + x) * 3
                            let r = s.base[i], g = s.base[i + 1], b = s.base[i + 2]
                            let luminance = max(0, 0.299 * r + 0.587 * g + 0.114 * b)
                            let level = sigma * (0.45 + 0.55 * (luminance / 128).squareRoot())
                            let xi = Int32(x), yi = Int32(y)
                            let n = hashNormal(xi, yi, seed) * level
                            // Chroma: three uniforms from one hash (variance matched to 0.4 level).
                            let hc = hash32(xi, yi, seed &+ 1)
                            let chroma = level * 0.4 * 3.464 / 1023
                            let cr = Float(hc & 1023) - 511.5, cg = Float((hc >> 10) & 1023) - 511.5, cb = Float((hc >> 20) & 1023) - 511.5
                            d.base[i] = toByte(r + n + cr * chroma)
                            d.base[i + 1] = toByte(g + n + cg * chroma)
                            d.base[i + 2] = toByte(b + n + cb * chroma)
                        }
                    }
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    @inline(__always) static func toByte(_ v: Float) -> UInt8 { UInt8(min(255, max(0, v.rounded()))) }
}
