import ImageIO

/// Operations that map each value on its own, through lookup tables (PIL semantics).
enum PointOps {
    /// Applies one 256-entry table to every channel.
    static func applyLUT(_ image: inout RGBImage, _ lut: [UInt8]) {
        precondition(lut.count == 256)
        lut.withUnsafeBufferPointer { table in
            image.pixels.withUnsafeMutableBufferPointer { p in
                for i in 0..<p.count { p[i] = table[Int(p[i])] }
            }
        }
    }

    /// Applies three 256-entry tables (R, G, B one after the other: 768 entries).
    static func applyChannelLUTs(_ image: inout RGBImage, _ luts: [UInt8]) {
        precondition(luts.count == 768)
        luts.withUnsafeBufferPointer { table in
            image.pixels.withUnsafeMutableBufferPointer { p in
                var i = 0
                while i < p.count {
                    p[i] = table[Int(p[i])]
                    p[i &+ 1] = table[256 &+ Int(p[i &+ 1])]
                    p[i &+ 2] = table[512 &+ Int(p[i &+ 2])]
                    i &+= 3
                }
            }
        }
    }

    /// Per-channel histograms: 768 counts (R, G, B).
    static func histograms(_ image: RGBImage) -> [Int] {
        var counts = [Int](repeating: 0, count: 768)
        counts.withUnsafeMutableBufferPointer { h in
            image.pixels.withUnsafeBufferPointer { p in
                var i = 0
                while i < p.count {
                    h[Int(p[i])] &+= 1
                    h[256 &+ Int(p[i &+ 1])] &+= 1
                    h[512 &+ Int(p[i &+ 2])] &+= 1
                    i &+= 3
                }
            }
        }
        return counts
    }

    @inline(__always)
    static func byte(_ v: Double) -> UInt8 { UInt8(min(255, max(0, v.rounded()))) }

    /// Values ≥ `threshold` become 255 − value (threshold 256: no change; 0: all inverted).
    static func solarize(_ image: inout RGBImage, threshold: Int) {
        guard threshold < 256 else { return }
        applyLUT(&image, (0..<256).map { $0 >= threshold ? UInt8(255 - $0) : UInt8($0) })
    }

    /// Keeps the `bits` most significant bits of every value (1…8).
    static func posterize(_ image: inout RGBImage, bits: Int) {
        let bits = min(8, max(1, bits))
        guard bits < 8 else { return }
        let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
        applyLUT(&image, (0..<256).map { UInt8($0) & mask })
    }

    /// v → v · factor.
    static func brightness(_ image: inout RGBImage, factor: Double) {
        guard factor != 1 else { return }
        applyLUT(&image, (0..<256).map { byte(Double($0) * factor) })
    }

    /// v → mean + factor · (v − mean), mean = the image's mean grey level rounded (PIL).
    static func contrast(_ image: inout RGBImage, factor: Double) {
        guard factor != 1 else { return }
        var sum = 0
        image.pixels.withUnsafeBufferPointer { p in
            var i = 0
            while i < p.count {
                sum &+= luma(p[i], p[i &+ 1], p[i &+ 2])
                i &+= 3
            }
        }
        let mean = (Double(sum) / Double(max(1, image.pixelCount))).rounded()
        applyLUT(&image, (0..<256).map { byte(mean + factor * (Double($0) - mean)) })
    }

    /// ITU-R 601 grey level (as PIL's "L" conversion), rounded.
    @inline(__always)
    static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        (Int(r) &* 19595 &+ Int(g) &* 38470 &+ Int(b) &* 7471 &+ 32768) &>> 16
    }

    /// Blends each pixel with its own grey level: factor 0 is greyscale, 1 unchanged,
    /// above 1 more saturated (PIL `ImageEnhance.Color`).
    static func saturation(_ image: inout RGBImage, factor: Double) {
        guard factor != 1 else { return }
        // grey + (v − grey)·factor in fixed point (factor in 1/256 steps).
        let f = Int((factor * 256).rounded())
        image.pixels.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i < p.count {
                let grey = luma(p[i], p[i &+ 1], p[i &+ 2])
                for c in 0..<3 {
                    let v = grey &+ (((Int(p[i &+ c]) &- grey) &* f &+ 128) &>> 8)
                    p[i &+ c] = UInt8(truncatingIfNeeded: Swift.min(255, Swift.max(0, v)))
                }
                i &+= 3
            }
        }
    }

    /// Stretches each channel so its darkest value becomes 0 and its brightest 255
    /// (PIL `autocontrast` without cut-off; a flat channel is left alone).
    static func autoContrast(_ image: inout RGBImage) {
        let h = histograms(image)
        var luts = [UInt8](repeating: 0, count: 768)
        var changes = false
        for c in 0..<3 {
            let base = c * 256
            let lo = (0..<256).first { h[base + $0] > 0 } ?? 0
            let hi = (0..<256).last { h[base + $0] > 0 } ?? 255
            for v in 0..<256 {
                if hi > lo {
                    luts[base + v] = byte(Double(v - lo) * 255 / Double(hi - lo))
                } else {
                    luts[base + v] = UInt8(v)
                }
                if luts[base + v] != UInt8(v) { changes = true }
            }
        }
        if changes { applyChannelLUTs(&image, luts) }
    }

    /// PIL's `ImageOps.equalize`, per channel: with the histogram h and the count of all but
    /// the last occupied level divided by 256 as `step`, level i maps to
    /// (step/2 + Σ_{j<i} h[j]) / step (integer division, capped at 255). A channel with one
    /// level, or fewer than 256 pixels below its top level, is left alone.
    static func equalize(_ image: inout RGBImage) {
        let h = histograms(image)
        var luts = [UInt8](repeating: 0, count: 768)
        for c in 0..<3 {
            let base = c * 256
            let occupied = (0..<256).filter { h[base + $0] > 0 }
            let total = occupied.reduce(0) { $0 + h[base + $1] }
            let step = occupied.count <= 1 ? 0 : (total - h[base + occupied.last!]) / 256
            var n = step / 2
            for v in 0..<256 {
                if step == 0 {
                    luts[base + v] = UInt8(v)
                } else {
                    luts[base + v] = UInt8(min(255, n / step))
                    n += h[base + v]
                }
            }
        }
        applyChannelLUTs(&image, luts)
    }

    /// Per channel, the median of the outermost ring of pixels.
    static func borderMedian(_ image: RGBImage) -> RGB {
        guard !image.isEmpty else { return RGB(128, 128, 128) }
        var counts = [Int](repeating: 0, count: 768)
        var total = 0
        func add(_ x: Int, _ y: Int) {
            let i = (y * image.width + x) * 3
            counts[Int(image.pixels[i])] += 1
            counts[256 + Int(image.pixels[i + 1])] += 1
            counts[512 + Int(image.pixels[i + 2])] += 1
            total += 1
        }
        let w = image.width, h = image.height
        for x in 0..<w {
            add(x, 0)
            if h > 1 { add(x, h - 1) }
        }
        if h > 2 {
            for y in 1..<(h - 1) {
                add(0, y)
                if w > 1 { add(w - 1, y) }
            }
        }
        var median = [UInt8](repeating: 0, count: 3)
        for c in 0..<3 {
            var cumulative = 0
            for v in 0..<256 {
                cumulative += counts[c * 256 + v]
                if 2 * cumulative >= total { median[c] = UInt8(v); break }
            }
        }
        return RGB(median[0], median[1], median[2])
    }
}
