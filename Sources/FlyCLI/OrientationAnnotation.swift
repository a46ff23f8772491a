import ImageIO
import ImageProcessing

/// The marks `inspect --annotate` draws: they show at a glance whether FlyTally turned a
/// photo upright the way the photographer saw it.
enum OrientationAnnotation {
    static func draw(on image: inout RGBImage, label: String) {
        let w = Double(image.width), h = Double(image.height)
        let scale = max(1, min(image.width, image.height) / 240)
        let yellow = RGB(255, 214, 0), red = RGB(230, 40, 40), green = RGB(40, 200, 80)

        // Frame just inside the border.
        image.drawRectangle(x: scale, y: scale, width: image.width - 2 * scale, height: image.height - 2 * scale,
                            color: green, thickness: scale)
        // Arrow pointing up from the centre.
        let centre = Point2D(w / 2, h / 2)
        let length = min(w, h) * 0.3
        let tip = Point2D(centre.x, centre.y - length)
        image.drawLine(from: Point2D(centre.x, centre.y + length * 0.3), to: tip, color: yellow, thickness: 2 * scale)
        image.drawPolyline([Point2D(tip.x - length * 0.25, tip.y + length * 0.25), tip,
                            Point2D(tip.x + length * 0.25, tip.y + length * 0.25)],
                           color: yellow, thickness: 2 * scale)
        // Origin dot, then the label beside it.
        image.fillCircle(center: Point2D(Double(6 * scale), Double(6 * scale)), radius: Double(4 * scale), color: red)
        image.drawText(label, x: 14 * scale, y: 4 * scale, color: .white, scale: scale, background: RGB(0, 0, 0))
    }
}
