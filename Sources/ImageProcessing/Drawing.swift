import ImageIO

/// Drawing primitives for annotated outputs. Everything is clipped to the image, so
/// shapes may extend past its edges.
extension RGBImage {
    /// Fills the pixels of the rectangle with top-left pixel (x, y).
    public mutating func fillRectangle(x: Int, y: Int, width w: Int, height h: Int, color: RGB) {
        let x0 = max(x, 0), y0 = max(y, 0), x1 = min(x + w, width), y1 = min(y + h, height)
        guard x0 < x1 && y0 < y1 else { return }
        let imageWidth = width
        pixels.withUnsafeMutableBufferPointer { p in
            for yy in y0..<y1 {
                var i = (yy * imageWidth + x0) * 3
                for _ in x0..<x1 {
                    p[i] = color.r; p[i + 1] = color.g; p[i + 2] = color.b
                    i += 3
                }
            }
        }
    }

    /// Outlines the rectangle with top-left pixel (x, y); the border of `thickness` pixels
    /// lies inside it.
    public mutating func drawRectangle(x: Int, y: Int, width w: Int, height h: Int, color: RGB, thickness: Int = 1) {
        guard w > 0 && h > 0 && thickness > 0 else { return }
        let t = min(thickness, (min(w, h) + 1) / 2)
        fillRectangle(x: x, y: y, width: w, height: t, color: color)
        fillRectangle(x: x, y: y + h - t, width: w, height: t, color: color)
        fillRectangle(x: x, y: y + t, width: t, height: h - 2 * t, color: color)
        fillRectangle(x: x + w - t, y: y + t, width: t, height: h - 2 * t, color: color)
    }

    /// Sets one pixel if it lies inside the image.
    @inline(__always)
    mutating func plot(_ x: Int, _ y: Int, _ color: RGB) {
        guard contains(x: x, y: y) else { return }
        let i = (y * width + x) * 3
        pixels[i] = color.r; pixels[i + 1] = color.g; pixels[i + 2] = color.b
    }

    /// A straight line between two points (continuous coordinates). Thickness 1 gives an
    /// 8-connected Bresenham line through the pixels containing the end points; thicker
    /// lines paint every pixel whose centre is within thickness/2 of the segment (round caps).
    public mutating func drawLine(from a: Point2D, to b: Point2D, color: RGB, thickness: Int = 1) {
        guard thickness > 0, a.x.isFinite, a.y.isFinite, b.x.isFinite, b.y.isFinite else { return }
        if thickness == 1 {
            drawBresenham(Int(a.x.rounded(.down)), Int(a.y.rounded(.down)),
                          Int(b.x.rounded(.down)), Int(b.y.rounded(.down)), color)
            return
        }
        let radius = Double(thickness) / 2
        let minX = max(0, Int((min(a.x, b.x) - radius).rounded(.down)))
        let maxX = min(width - 1, Int((max(a.x, b.x) + radius).rounded(.up)))
        let minY = max(0, Int((min(a.y, b.y) - radius).rounded(.down)))
        let maxY = min(height - 1, Int((max(a.y, b.y) + radius).rounded(.up)))
        guard minX <= maxX && minY <= maxY else { return }
        let dx = b.x - a.x, dy = b.y - a.y
        let lengthSquared = dx * dx + dy * dy
        for y in minY...maxY {
            for x in minX...maxX {
                let px = Double(x) + 0.5 - a.x, py = Double(y) + 0.5 - a.y
                let t = lengthSquared > 0 ? max(0, min(1, (px * dx + py * dy) / lengthSquared)) : 0
                let ex = px - t * dx, ey = py - t * dy
                if ex * ex + ey * ey <= radius * radius { plot(x, y, color) }
            }
        }
    }

    private mutating func drawBresenham(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ color: RGB) {
        // Lines far outside the image would loop for nothing; such coordinates come only from
        // broken inputs, so draw nothing rather than spin.
        let limit = 1 << 24
        guard abs(x0) < limit, abs(y0) < limit, abs(x1) < limit, abs(y1) < limit else { return }
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var error = dx + dy
        var x = x0, y = y0
        while true {
            plot(x, y, color)
            if x == x1 && y == y1 { return }
            let e2 = 2 * error
            if e2 >= dy { error += dy; x += sx }
            if e2 <= dx { error += dx; y += sy }
        }
    }

    /// Connected line segments through `points`; `closed` also joins the last to the first.
    public mutating func drawPolyline(_ points: [Point2D], color: RGB, thickness: Int = 1, closed: Bool = false) {
        guard points.count >= 2 else {
            if let p = points.first { drawLine(from: p, to: p, color: color, thickness: thickness) }
            return
        }
        for i in 1..<points.count { drawLine(from: points[i - 1], to: points[i], color: color, thickness: thickness) }
        if closed { drawLine(from: points[points.count - 1], to: points[0], color: color, thickness: thickness) }
    }

    /// Paints every pixel whose centre lies within `radius` of `center`.
    public mutating func fillCircle(center: Point2D, radius: Double, color: RGB) {
        guard radius > 0, center.x.isFinite, center.y.isFinite else { return }
        let minX = max(0, Int((center.x - radius).rounded(.down)))
        let maxX = min(width - 1, Int((center.x + radius).rounded(.up)))
        let minY = max(0, Int((center.y - radius).rounded(.down)))
        let maxY = min(height - 1, Int((center.y + radius).rounded(.up)))
        guard minX <= maxX && minY <= maxY else { return }
        for y in minY...maxY {
            let dy = Double(y) + 0.5 - center.y
            for x in minX...maxX {
                let dx = Double(x) + 0.5 - center.x
                if dx * dx + dy * dy <= radius * radius { plot(x, y, color) }
            }
        }
    }
}
