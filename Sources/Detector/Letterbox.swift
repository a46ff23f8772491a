import Datasets
import ImageIO
import ImageProcessing

/// How a photo is fitted into the detector's input: scaled so its long side is `side` pixels
/// (aspect kept), placed at the top-left, and padded on the right/bottom to a multiple of 32
/// (the backbone's total stride) with a neutral grey. Boxes found in the input go back to the
/// photo's pixels with `toPhoto`.
public struct Letterbox: Sendable, Equatable {
    /// Input pixels per photo pixel.
    public let scale: Double
    public let inputWidth: Int
    public let inputHeight: Int
    /// Size of the scaled photo inside the input (the rest is padding).
    public let contentWidth: Int
    public let contentHeight: Int

    /// ImageNet's mean colour: zero after normalisation, so padding looks like "nothing".
    public static let padding = RGB(124, 116, 104)

    public init(photoWidth: Int, photoHeight: Int, side: Int) {
        precondition(photoWidth > 0 && photoHeight > 0 && side >= 32, "letterbox of an empty photo or a tiny side")
        scale = Double(side) / Double(max(photoWidth, photoHeight))
        contentWidth = max(1, Int((Double(photoWidth) * scale).rounded()))
        contentHeight = max(1, Int((Double(photoHeight) * scale).rounded()))
        inputWidth = (contentWidth + 31) / 32 * 32
        inputHeight = (contentHeight + 31) / 32 * 32
    }

    /// The network input image (photo resized and padded).
    public func apply(_ photo: RGBImage) -> RGBImage {
        let resized = photo.resized(width: contentWidth, height: contentHeight)
        if contentWidth == inputWidth && contentHeight == inputHeight { return resized }
        return resized.cropped(x: 0, y: 0, width: inputWidth, height: inputHeight, fill: Letterbox.padding)
    }

    public func toPhoto(_ box: BoundingBox) -> BoundingBox {
        BoundingBox(x: box.x / scale, y: box.y / scale, width: box.width / scale, height: box.height / scale)
    }
}
