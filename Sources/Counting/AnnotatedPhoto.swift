import Genetics
import ImageIO
import ImageProcessing

/// The photo with every counted fly drawn: a box coloured by phenotype, the keypoints, a short
/// label (eye/wing/sex initials, "?" when it needs review), and a legend with the counts.
public enum AnnotatedPhoto {
    /// One colour per phenotype, in `Phenotype.all` order (distinct on blue and white cards).
    static let colours: [RGB] = [RGB(230, 25, 75), RGB(60, 180, 75), RGB(255, 225, 25), RGB(245, 130, 48),
                                 RGB(145, 30, 180), RGB(70, 240, 240), RGB(240, 50, 230), RGB(250, 190, 190)]

    public static func colour(of p: Phenotype) -> RGB { colours[p.index % colours.count] }

    /// Label such as "RLF" (red, long, female); "?" appended for review.
    static func label(_ r: FlyRecord) -> String {
        let code = [r.eye, r.wing, r.sex].map { String($0.prefix(1)).uppercased() }.joined()
        return code + (r.review ? "?" : "")
    }

    public static func draw(_ photo: RGBImage, flies: [FlyRecord]) -> RGBImage {
        var image = photo
        let side = max(photo.width, photo.height)
        let thickness = max(1, side / 800), textScale = max(1, side / 900)
        for r in flies {
            let colour = CountTables.phenotype(of: r).map(colour(of:)) ?? .white
            let b = r.boundingBox
            image.drawRectangle(x: Int(b.x), y: Int(b.y), width: Int(b.width), height: Int(b.height), color: colour, thickness: thickness)
            if let k = r.keypoints {
                let dots: [(Point2D, RGB)] = zip(k.points, [RGB(255, 0, 0), RGB(0, 0, 255), RGB(255, 255, 0), RGB(255, 255, 0)]).map { ($0, $1) }
                for (p, c) in dots { image.fillCircle(center: p, radius: Double(max(2, thickness * 2)), color: c) }
            }
            image.drawText(label(r), x: Int(b.x), y: max(0, Int(b.y) - 8 * textScale - thickness), color: .black, scale: textScale, background: colour)
        }
        // Legend: phenotype colours with this photo's counts.
        let counts = CountTables.counts(flies)
        let lineHeight = 9 * textScale + 2
        let rows = Phenotype.all.map { "\($0.key): \(counts[$0])" } + ["total \(counts.total)  (? = needs review)"]
        let legendWidth = rows.map { RGBImage.textSize($0, scale: textScale).width }.max()! + 16 * textScale + 8
        image.fillRectangle(x: 0, y: 0, width: legendWidth, height: lineHeight * rows.count + 6, color: .white)
        for (i, p) in Phenotype.all.enumerated() {
            image.fillRectangle(x: 4, y: 4 + i * lineHeight, width: 10 * textScale, height: 7 * textScale, color: colour(of: p))
            image.drawText(rows[i], x: 8 + 12 * textScale, y: 4 + i * lineHeight, color: .black, scale: textScale)
        }
        image.drawText(rows.last!, x: 4, y: 4 + Phenotype.all.count * lineHeight, color: .black, scale: textScale)
        return image
    }
}
