import Foundation

// Flies are drawn into small tiles of their own (premultiplied RGBA floats), in parallel,
// then laid onto the photo one after another in the planned order: first the soft shadow
// (the tile's alpha, blurred and offset away from the light, darkening what is below), then
// the fly itself ("over"). Afterwards a back-to-front pass measures how much of each fly's
// silhouette is still visible.

/// One fly drawn on its own.
struct FlyTile {
    var x0: Int
    var y0: Int
    var width: Int
    var height: Int
    /// Premultiplied R, G, B, A per pixel.
    var rgba: [Float]
    /// Geometric coverage of the counted parts (body, eyes, wings), 0…1, opacity ignored.
    var silhouette: [Float]
}

/// What compositing found out about each fly.
struct FlyVisibility {
    /// Fraction of the silhouette not hidden by later flies, the border or the eyepiece.
    var visible: Double
    /// Fraction of the silhouette inside the photo (and the eyepiece field).
    var inside: Double
    /// Pixel bounds of the silhouette inside the photo (empty when none is inside).
    var pixelBounds: Bounds
    /// Whether the head, tail and two wing tips can be seen: inside the photo (and the eyepiece
    /// field) and not under a later fly — at least half the light passes there.
    var keypointsVisible: [Bool] = [true, true, true, true]
}

enum Compositor {
    /// Draws the parts of `fly` into a tile covering its bounds plus `margin` pixels.
    static func renderTile(_ geometry: FlyGeometry, margin: Int) -> FlyTile {
        let b = geometry.allBounds
        let x0 = Int(b.minX.rounded(.down)) - margin, y0 = Int(b.minY.rounded(.down)) - margin
        let x1 = Int(b.maxX.rounded(.up)) + margin, y1 = Int(b.maxY.rounded(.up)) + margin
        let w = max(1, x1 - x0), h = max(1, y1 - y0)
        var rgba = [Float](repeating: 0, count: w * h * 4)
        var silhouette = [Float](repeating: 0, count: w * h)
        rgba.withUnsafeMutableBufferPointer { px in
            silhouette.withUnsafeMutableBufferPointer { sil in
                for part in geometry.parts {
                    let counted = part.category.isCounted
                    let paint = part.paint
                    scan(part.shape, xs: x0..<(x0 + w), ys: y0..<(y0 + h)) { x, y, coverage, s, t in
                        let (c, opacity) = shade(paint, s: s, t: t, x: x, y: y)
                        let a = coverage * opacity
                        let j = (y - y0) * w + (x - x0)
                        let k = j * 4
                        let keep = 1 - a
                        px[k] = c.x * a + px[k] * keep
                        px[k + 1] = c.y * a + px[k + 1] * keep
                        px[k + 2] = c.z * a + px[k + 2] * keep
                        px[k + 3] = a + px[k + 3] * keep
                        if counted && coverage > sil[j] { sil[j] = coverage }
                    }
                }
            }
        }
        return FlyTile(x0: x0, y0: y0, width: w, height: h, rgba: rgba, silhouette: silhouette)
    }

    /// Draws every fly of the plan onto `image` (float RGB, the plan's size) and returns
    /// their visibility.
    static func composite(_ plan: ScenePlan, into image: inout [Float]) -> [FlyVisibility] {
        let look = plan.look
        let offset = (x: Int(look.shadowOffset.x.rounded()), y: Int(look.shadowOffset.y.rounded()))
        let blurRadius = max(1, Int(look.shadowBlur.rounded()))
        let margin = 2 * blurRadius + max(abs(offset.x), abs(offset.y)) + 2
        let flies = plan.flies
        var kept: [(x0: Int, y0: Int, w: Int, h: Int, alpha: [Float], silhouette: [Float])] = []
        kept.reserveCapacity(flies.count)
        // Batches bound the memory held in tiles; within a batch tiles are drawn in parallel.
        let batch = max(1, plan.threads * 3)
        var start = 0
        while start < flies.count {
            let end = min(flies.count, start + batch)
            var tiles = [FlyTile?](repeating: nil, count: end - start)
            tiles.withUnsafeMutableBufferPointer { slots in
                let out = SharedPointer(slots.baseAddress!)
                parallelFor(end - start, threads: plan.threads) { range in
                    for i in range { out.base[i] = renderTile(flies[start + i].geometry, margin: margin) }
                }
            }
            for tile in tiles {
                guard let tile else { continue }
                lay(tile, onto: &image, width: plan.width, height: plan.height, look: look,
                    offset: offset, blurRadius: blurRadius)
                kept.append(crop(tile, margin: margin))
            }
            start = end
        }
        // Back to front: what later flies (and the border / eyepiece) leave visible.
        let w = plan.width, h = plan.height
        var transmission = [Float](repeating: 1, count: w * h)
        if let e = look.eyepiece {
            transmission.withUnsafeMutableBufferPointer { t in
                let ptr = SharedPointer(t.baseAddress!)
                parallelFor(h, threads: plan.threads, minimumChunk: 32) { rows in
                    for y in rows {
                        for x in 0..<w { ptr.base[y * w + x] = e.transmission(Double(x) + 0.5, Double(y) + 0.5) }
                    }
                }
            }
        }
        let field = look.eyepiece == nil ? [Float(1)] : transmission
        let hasField = look.eyepiece != nil
        var result = [FlyVisibility](repeating: FlyVisibility(visible: 1, inside: 1, pixelBounds: .empty), count: flies.count)
        for i in stride(from: kept.count - 1, through: 0, by: -1) {
            let k = kept[i]
            // Sampled before this fly's own alpha dims the transmission: what covers the point
            // is the flies drawn after it, the border and the eyepiece, not its own body.
            let g = flies[i].geometry
            let keypointsVisible = [g.head, g.tail, g.wingTip1, g.wingTip2].map { p -> Bool in
                let x = Int(p.x.rounded(.down)), y = Int(p.y.rounded(.down))
                return x >= 0 && x < w && y >= 0 && y < h && transmission[y * w + x] >= 0.5
            }
            var total: Double = 0, seen: Double = 0, inside: Double = 0
            var bx0 = Int.max, by0 = Int.max, bx1 = Int.min, by1 = Int.min
            k.silhouette.withUnsafeBufferPointer { sil in
                k.alpha.withUnsafeBufferPointer { alpha in
                    transmission.withUnsafeMutableBufferPointer { tr in
                        field.withUnsafeBufferPointer { fd in
                            for ty in 0..<k.h {
                                let y = k.y0 + ty
                                let rowInside = y >= 0 && y < h
                                for tx in 0..<k.w {
                                    let j = ty * k.w + tx
                                    let s = Double(sil[j])
                                    total += s
                                    let x = k.x0 + tx
                                    guard rowInside, x >= 0, x < w else { continue }
                                    let p = y * w + x
                                    if s > 0 {
                                        seen += s * Double(tr[p])
                                        inside += hasField ? s * Double(fd[p]) : s
                                        bx0 = min(bx0, x); by0 = min(by0, y); bx1 = max(bx1, x + 1); by1 = max(by1, y + 1)
                                    }
                                    tr[p] *= 1 - alpha[j]
                                }
                            }
                        }
                    }
                }
            }
            let bounds = bx0 == Int.max ? Bounds.empty
                : Bounds(minX: Double(bx0), minY: Double(by0), maxX: Double(bx1), maxY: Double(by1))
            result[i] = FlyVisibility(visible: total > 0 ? seen / total : 0, inside: total > 0 ? inside / total : 0,
                                      pixelBounds: bounds, keypointsVisible: keypointsVisible)
        }
        return result
    }

    /// Alpha and silhouette without the shadow margin.
    static func crop(_ t: FlyTile, margin: Int) -> (x0: Int, y0: Int, w: Int, h: Int, alpha: [Float], silhouette: [Float]) {
        let w = max(1, t.width - 2 * margin), h = max(1, t.height - 2 * margin)
        var alpha = [Float](repeating: 0, count: w * h), sil = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let sx = x + margin, sy = y + margin
                guard sx < t.width, sy < t.height else { continue }
                alpha[y * w + x] = t.rgba[(sy * t.width + sx) * 4 + 3]
                sil[y * w + x] = t.silhouette[sy * t.width + sx]
            }
        }
        return (t.x0 + margin, t.y0 + margin, w, h, alpha, sil)
    }

    /// Shadow, then the fly, onto the photo.
    static func lay(_ tile: FlyTile, onto image: inout [Float], width: Int, height: Int, look: SceneLook,
                    offset: (x: Int, y: Int), blurRadius: Int) {
        let w = tile.width, h = tile.height
        var shadow = [Float](repeating: 0, count: w * h)
        for j in 0..<(w * h) { shadow[j] = tile.rgba[j * 4 + 3] }
        boxBlur(&shadow, width: w, height: h, radius: blurRadius)
        boxBlur(&shadow, width: w, height: h, radius: blurRadius)
        let strength = look.shadowStrength
        // A tile may lie wholly outside the photo (a fly placed across the border, or outside
        // the eyepiece circle): check the bounds before forming ranges, which trap when reversed.
        let x0 = max(0, tile.x0), x1 = min(width, tile.x0 + w), y0 = max(0, tile.y0), y1 = min(height, tile.y0 + h)
        guard x0 < x1, y0 < y1 else { return }
        let xs = x0..<x1, ys = y0..<y1
        image.withUnsafeMutableBufferPointer { img in
            tile.rgba.withUnsafeBufferPointer { px in
                shadow.withUnsafeBufferPointer { sh in
                    for y in ys {
                        let ty = y - tile.y0
                        let sy = ty - offset.y
                        for x in xs {
                            let tx = x - tile.x0
                            let sx = tx - offset.x
                            var d: Float = 1
                            if sx >= 0, sy >= 0, sx < w, sy < h { d = 1 - strength * min(1, 2 * sh[sy * w + sx]) }
                            let i = (y * width + x) * 3, k = (ty * w + tx) * 4
                            let keep = 1 - px[k + 3]
                            img[i] = px[k] + img[i] * d * keep
                            img[i + 1] = px[k + 1] + img[i + 1] * d * keep
                            img[i + 2] = px[k + 2] + img[i + 2] * d * keep
                        }
                    }
                }
            }
        }
    }

    /// Box blur of a single-channel buffer (edges clamped), horizontal then vertical.
    static func boxBlur(_ v: inout [Float], width w: Int, height h: Int, radius r: Int) {
        guard r > 0, w > 0, h > 0 else { return }
        let norm = 1 / Float(2 * r + 1)
        var line = [Float](repeating: 0, count: max(w, h))
        v.withUnsafeMutableBufferPointer { p in
            line.withUnsafeMutableBufferPointer { tmp in
                for y in 0..<h {
                    let base = y * w
                    for x in 0..<w { tmp[x] = p[base + x] }
                    var sum: Float = 0
                    for k in -r...r { sum += tmp[min(w - 1, max(0, k))] }
                    for x in 0..<w {
                        p[base + x] = sum * norm
                        sum += tmp[min(w - 1, x + r + 1)] - tmp[max(0, x - r)]
                    }
                }
                for x in 0..<w {
                    for y in 0..<h { tmp[y] = p[y * w + x] }
                    var sum: Float = 0
                    for k in -r...r { sum += tmp[min(h - 1, max(0, k))] }
                    for y in 0..<h {
                        p[y * w + x] = sum * norm
                        sum += tmp[min(h - 1, y + r + 1)] - tmp[max(0, y - r)]
                    }
                }
            }
        }
    }
}
