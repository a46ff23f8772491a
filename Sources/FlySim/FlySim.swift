import Datasets
import Foundation
import ImageIO
import ImageProcessing

/// A rendered photo and its exact ground truth.
public struct FlySimPhoto: Sendable {
    public var image: RGBImage
    /// Flies in drawing order (later flies lie on top), ids 1…n.
    public var annotation: AnnotatedImage
    public var seed: UInt64
    /// Name of the domain it was drawn from.
    public var domain: String
    /// The JPEG quality a camera of this domain would save with (callers encoding the
    /// photo may use it).
    public var jpegQuality: Int
    /// Head-to-tail length of a typical female in this photo, pixels.
    public var flyLength: Double
}

/// A fly's masks, each drawn on its own (no other fly, no background), over the pixel
/// rectangle `x..<x+width` × `y..<y+height` of the photo (which may reach past its edges).
public struct FlySimFlyMask: Sendable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    /// Coverage (0…1) of head, thorax, abdomen and eyes.
    public var body: [Float]
    /// Coverage of the first / second wing (membrane and veins); `FlyKeypoints.wing1` is the
    /// tip of `wing1`.
    public var wing1: [Float]
    public var wing2: [Float]
    /// Rendered alpha of the parts the box covers (body, eyes, wings with their real
    /// translucency).
    public var counted: [Float]
    /// Rendered alpha of everything, legs, antennae and bristles included.
    public var alpha: [Float]

    /// The value of `mask` at photo pixel (px, py); 0 outside the rectangle.
    public func value(_ mask: [Float], _ px: Int, _ py: Int) -> Float {
        let cx = px - x, cy = py - y
        guard cx >= 0, cy >= 0, cx < width, cy < height else { return 0 }
        return mask[cy * width + cx]
    }
}

public enum FlySimError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidConfiguration([String])

    public var description: String {
        switch self {
        case .invalidConfiguration(let problems): return "invalid FlySim configuration: " + problems.joined(separator: "; ")
        }
    }
}

/// FlySim: procedural top-down photos of anaesthetised *Drosophila melanogaster* with exact
/// ground truth (boxes, oriented boxes, keypoints, traits, pose, visibility). See the
/// module's README.md for the anatomy, poses, domains and box convention.
public enum FlySim {
    /// Names of the domain presets (`FlySimDomain.all`).
    public static var domainNames: [String] { FlySimDomain.names }

    /// Renders one photo. Deterministic: the same configuration and seed give the same
    /// bytes on any thread count.
    /// - Parameters:
    ///   - imageID: `AnnotatedImage.id`.
    ///   - fileName: `AnnotatedImage.fileName` (default `flysim-<seed>.jpg`).
    public static func render(_ configuration: FlySimConfiguration, seed: UInt64, imageID: Int = 0,
                              fileName: String? = nil) throws(FlySimError) -> FlySimPhoto {
        let problems = configuration.problems
        guard problems.isEmpty else { throw .invalidConfiguration(problems) }
        let plan = ScenePlanner.plan(configuration, seed: seed)
        var pixels = BackgroundRenderer.render(plan)
        let visibility = Compositor.composite(plan, into: &pixels)
        let image = PostProcessor.finish(plan, image: &pixels)
        var flies: [FlyAnnotation] = []
        flies.reserveCapacity(plan.flies.count)
        let W = Double(plan.width), H = Double(plan.height)
        for (i, fly) in plan.flies.enumerated() {
            let g = fly.geometry
            let v = visibility[i]
            var b = g.countedBounds
            if b.minX < 0 || b.minY < 0 || b.maxX > W || b.maxY > H {
                // Cut by the border: the outline's analytic bounds no longer describe the part
                // inside, so take the pixels the silhouette covers in the photo, tightened by
                // the analytic bounds where those are closer.
                let p = v.pixelBounds
                b = p.isEmpty ? Bounds(minX: 0, minY: 0, maxX: 0, maxY: 0)
                              : Bounds(minX: max(p.minX, b.minX), minY: max(p.minY, b.minY),
                                       maxX: min(p.maxX, b.maxX), maxY: min(p.maxY, b.maxY))
            }
            let x0 = min(W, max(0, b.minX)), y0 = min(H, max(0, b.minY))
            let x1 = min(W, max(x0, b.maxX)), y1 = min(H, max(y0, b.maxY))
            flies.append(FlyAnnotation(
                id: i + 1,
                box: BoundingBox(x: x0, y: y0, width: x1 - x0, height: y1 - y0),
                orientedBox: g.orientedBox,
                keypoints: FlyKeypoints(head: point(g.head), tail: point(g.tail), wing1: point(g.wingTip1), wing2: point(g.wingTip2),
                                       visible: v.keypointsVisible),
                traits: FlyTraits(eye: fly.spec.eye, wing: fly.spec.wing, sex: fly.spec.sex),
                pose: fly.spec.pose,
                visibleFraction: (v.visible * 10_000).rounded() / 10_000,
                truncated: v.inside < 0.995))
        }
        let annotation = AnnotatedImage(id: imageID, fileName: fileName ?? "flysim-\(seed).jpg",
                                        width: plan.width, height: plan.height, flies: flies)
        return FlySimPhoto(image: image, annotation: annotation, seed: seed, domain: configuration.domain.name,
                           jpegQuality: plan.look.jpegQuality, flyLength: plan.look.flyLength)
    }

    /// Each fly of `render(configuration, seed:)` drawn alone, as masks (for tests, crops
    /// and segmentation targets). Same flies, same places, same order.
    public static func renderFlyMasks(_ configuration: FlySimConfiguration, seed: UInt64) throws(FlySimError) -> [FlySimFlyMask] {
        let problems = configuration.problems
        guard problems.isEmpty else { throw .invalidConfiguration(problems) }
        let plan = ScenePlanner.plan(configuration, seed: seed)
        return plan.flies.map { masks(of: $0.geometry) }
    }

    /// Encodes as JPEG at `quality` and decodes again: the artefacts of a saved photo, in
    /// memory.
    public static func jpegRoundTrip(_ image: RGBImage, quality: Int) throws(ImageError) -> RGBImage {
        let bytes = try ImageEncoder.jpeg(image, quality: quality)
        return try ImageDecoder.decode(bytes, options: DecodeOptions(applyOrientation: false)).image
    }

    static func point(_ v: Vec2) -> Point2D { Point2D(v.x, v.y) }

    static func masks(of g: FlyGeometry) -> FlySimFlyMask {
        let b = g.allBounds
        let x0 = Int(b.minX.rounded(.down)), y0 = Int(b.minY.rounded(.down))
        let w = max(1, Int(b.maxX.rounded(.up)) - x0), h = max(1, Int(b.maxY.rounded(.up)) - y0)
        var body = [Float](repeating: 0, count: w * h)
        var wing1 = body, wing2 = body, counted = body, alpha = body
        for part in g.parts {
            let paint = part.paint
            scan(part.shape, xs: x0..<(x0 + w), ys: y0..<(y0 + h)) { x, y, coverage, s, t in
                let j = (y - y0) * w + (x - x0)
                let a = coverage * shade(paint, s: s, t: t, x: x, y: y).1
                alpha[j] = a + alpha[j] * (1 - a)
                switch part.category {
                case .body: body[j] = max(body[j], coverage)
                case .wing1: wing1[j] = max(wing1[j], coverage)
                case .wing2: wing2[j] = max(wing2[j], coverage)
                case .appendage: return
                }
                counted[j] = a + counted[j] * (1 - a)
            }
        }
        return FlySimFlyMask(x: x0, y: y0, width: w, height: h, body: body, wing1: wing1, wing2: wing2,
                             counted: counted, alpha: alpha)
    }
}
