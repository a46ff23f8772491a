import ImageIO
import ImageProcessing

/// The two figures of `flytally dataset stats`, in the style of the reference paper: where
/// the fly centres fall in the photos, and how large the crops are.
public enum DatasetPlots {
    static let size = 320, margin = 40

    /// Heat map of box centres, in coordinates normalised to the photo (0…1 on both axes),
    /// on a 32×32 grid; darker = more flies.
    public static func centreHeatMap(_ images: [AnnotatedImage]) -> RGBImage {
        let cells = 32
        var grid = [Int](repeating: 0, count: cells * cells)
        for image in images {
            for fly in image.flies {
                let c = fly.box.center
                let gx = min(cells - 1, max(0, Int(c.x / Double(image.width) * Double(cells))))
                let gy = min(cells - 1, max(0, Int(c.y / Double(image.height) * Double(cells))))
                grid[gy * cells + gx] += 1
            }
        }
        let peak = max(1, grid.max() ?? 1)
        var canvas = frame(title: "box centres (normalised)", xLabel: "x 0..1", yLabel: "y 0..1")
        let cell = size / cells
        for gy in 0..<cells {
            for gx in 0..<cells {
                let t = Double(grid[gy * cells + gx]) / Double(peak)
                // White → dark blue.
                let colour = RGB(UInt8(255 - 215 * t), UInt8(255 - 185 * t), UInt8(255 - 95 * t))
                canvas.fillRectangle(x: margin + gx * cell, y: margin + gy * cell, width: cell, height: cell, color: colour)
            }
        }
        canvas.drawRectangle(x: margin, y: margin, width: size, height: size, color: .black)
        canvas.drawText("max \(peak) per cell", x: margin, y: margin + size + 6, color: .black)
        return canvas
    }

    /// Scatter of crop sizes: box width against box height in pixels, both axes from 0 to the
    /// largest side seen.
    public static func cropSizeScatter(_ images: [AnnotatedImage]) -> RGBImage {
        let boxes = images.flatMap(\.flies).map(\.box)
        let largest = max(1, boxes.map { max($0.width, $0.height) }.max() ?? 1)
        var canvas = frame(title: "box sizes (px)", xLabel: "width", yLabel: "height")
        canvas.drawRectangle(x: margin, y: margin, width: size, height: size, color: .black)
        for box in boxes {
            let x = Double(margin) + box.width / largest * Double(size)
            let y = Double(margin + size) - box.height / largest * Double(size)
            canvas.fillCircle(center: Point2D(x, y), radius: 2, color: RGB(200, 60, 40))
        }
        canvas.drawText("0", x: margin - 8, y: margin + size - 3, color: .black)
        canvas.drawText("\(Int(largest.rounded()))", x: margin + size - 12, y: margin + size + 6, color: .black)
        canvas.drawText("\(Int(largest.rounded()))", x: 2, y: margin, color: .black)
        return canvas
    }

    private static func frame(title: String, xLabel: String, yLabel: String) -> RGBImage {
        var canvas = RGBImage(width: size + 2 * margin, height: size + 2 * margin, fill: .white)
        canvas.drawText(title, x: margin, y: 12, color: .black, scale: 2)
        canvas.drawText(xLabel, x: margin + size / 2 - 20, y: margin + size + 20, color: .black)
        canvas.drawText(yLabel, x: 2, y: margin + size / 2, color: .black)
        return canvas
    }
}

extension DatasetPlots {
    /// Thumbnails in a grid, each scaled to `cellWidth` pixels wide with its caption below.
    public static func contactSheet(_ images: [(image: RGBImage, caption: String)], columns: Int = 3,
                                    cellWidth: Int = 320) -> RGBImage {
        guard !images.isEmpty else { return RGBImage(width: 1, height: 1, fill: .white) }
        let thumbnails = images.map { entry -> (RGBImage, String) in
            let height = max(1, Int((Double(entry.image.height) * Double(cellWidth) / Double(entry.image.width)).rounded()))
            return (entry.image.resized(width: cellWidth, height: height), entry.caption)
        }
        let cellHeight = (thumbnails.map(\.0.height).max() ?? 1) + 14
        let rows = (thumbnails.count + columns - 1) / columns
        let gap = 6
        var sheet = RGBImage(width: columns * (cellWidth + gap) + gap, height: rows * (cellHeight + gap) + gap, fill: .white)
        for (i, (thumb, caption)) in thumbnails.enumerated() {
            let x0 = gap + (i % columns) * (cellWidth + gap), y0 = gap + (i / columns) * (cellHeight + gap)
            for y in 0..<thumb.height {
                let src = y * thumb.width * 3, dst = ((y0 + y) * sheet.width + x0) * 3
                for j in 0..<(thumb.width * 3) { sheet.pixels[dst + j] = thumb.pixels[src + j] }
            }
            sheet.drawText(caption, x: x0, y: y0 + thumb.height + 4, color: .black)
        }
        return sheet
    }
}
