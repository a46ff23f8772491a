import ImageIO

/// Text labels in the project's 5×7 bitmap font, scaled by whole pixels.
extension RGBImage {
    /// Size in pixels of `text` drawn at `scale` (one pixel of spacing between glyphs, and
    /// one blank row between lines, both scaled).
    public static func textSize(_ text: String, scale: Int = 1) -> (width: Int, height: Int) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let longest = lines.map(\.count).max() ?? 0
        let width = longest == 0 ? 0 : (longest * (Font5x7.glyphWidth + 1) - 1) * scale
        let height = (lines.count * (Font5x7.glyphHeight + 1) - 1) * scale
        return (width, height)
    }

    /// Draws `text` with its top-left corner at (x, y). With a `background`, a filled box
    /// with `scale` pixels of padding is drawn first so the label reads on any photo.
    /// Characters outside printable ASCII appear as `?`.
    public mutating func drawText(_ text: String, x: Int, y: Int, color: RGB, scale: Int = 1, background: RGB? = nil) {
        let scale = max(1, scale)
        if let background {
            let size = Self.textSize(text, scale: scale)
            fillRectangle(x: x - scale, y: y - scale, width: size.width + 2 * scale, height: size.height + 2 * scale,
                          color: background)
        }
        var lineTop = y
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var left = x
            for character in line {
                let rows = Font5x7.glyphRows(for: character)
                for (row, bits) in rows.enumerated() where bits != 0 {
                    for column in 0..<Font5x7.glyphWidth where bits & (0b10000 >> column) != 0 {
                        fillRectangle(x: left + column * scale, y: lineTop + row * scale,
                                      width: scale, height: scale, color: color)
                    }
                }
                left += (Font5x7.glyphWidth + 1) * scale
            }
            lineTop += (Font5x7.glyphHeight + 1) * scale
        }
    }
}
