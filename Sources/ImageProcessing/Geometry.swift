import Foundation

/// A point in continuous pixel coordinates: pixel (i, j) covers [i, i+1) × [j, j+1), so
/// its centre is (i + 0.5, j + 0.5). Box and keypoint coordinates use the same convention.
public struct Point2D: Sendable, Hashable, CustomStringConvertible {
    public var x: Double
    public var y: Double

    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }

    public var description: String { "(\(x), \(y))" }

    /// Euclidean distance to `other`, in the same units.
    public func distance(to other: Point2D) -> Double { ((x - other.x) * (x - other.x) + (y - other.y) * (y - other.y)).squareRoot() }
}

/// The mapping `RGBImage.rotated(degrees:)` applies, so callers can move points (keypoints,
/// box corners) exactly as the pixels moved.
public struct RotationTransform: Sendable {
    /// Counter-clockwise on screen, in degrees.
    public let degrees: Double
    public let sourceWidth: Int
    public let sourceHeight: Int
    public let outputWidth: Int
    public let outputHeight: Int
    let cosine: Double
    let sine: Double

    /// - Parameter expand: grow the canvas so no corner is cut off; otherwise keep the size.
    public init(degrees: Double, sourceWidth: Int, sourceHeight: Int, expand: Bool) {
        self.degrees = degrees
        self.sourceWidth = sourceWidth
        self.sourceHeight = sourceHeight
        let radians = degrees * .pi / 180
        // Snap the trigonometry of right angles so 90° turns land on pixel centres exactly.
        func snap(_ v: Double) -> Double { abs(v) < 1e-12 ? 0 : abs(abs(v) - 1) < 1e-12 ? v.rounded() : v }
        cosine = snap(cos(radians))
        sine = snap(sin(radians))
        if expand {
            let w = abs(Double(sourceWidth) * cosine) + abs(Double(sourceHeight) * sine)
            let h = abs(Double(sourceWidth) * sine) + abs(Double(sourceHeight) * cosine)
            outputWidth = max(1, Int((w - 1e-9).rounded(.up)))
            outputHeight = max(1, Int((h - 1e-9).rounded(.up)))
        } else {
            outputWidth = sourceWidth
            outputHeight = sourceHeight
        }
    }

    /// Where a source point lands in the output.
    public func apply(_ p: Point2D) -> Point2D {
        let dx = p.x - Double(sourceWidth) / 2, dy = p.y - Double(sourceHeight) / 2
        // y points down, so a counter-clockwise turn on screen is (x, y) → (x c + y s, −x s + y c).
        return Point2D(dx * cosine + dy * sine + Double(outputWidth) / 2,
                       -dx * sine + dy * cosine + Double(outputHeight) / 2)
    }

    /// Which source point lands on output point `p` (the inverse of `apply`).
    public func source(of p: Point2D) -> Point2D {
        let dx = p.x - Double(outputWidth) / 2, dy = p.y - Double(outputHeight) / 2
        return Point2D(dx * cosine - dy * sine + Double(sourceWidth) / 2,
                       dx * sine + dy * cosine + Double(sourceHeight) / 2)
    }
}
