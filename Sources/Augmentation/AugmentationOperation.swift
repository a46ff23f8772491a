import ImageIO
import ImageProcessing
import Tensors

/// One augmentation operation of FlyTally's improved RandAugment.
///
/// Every operation keeps the image size. Geometric operations (`rotate`, `shearX`, `shearY`,
/// `translateX`, `translateY`, `flipHorizontal`, `flipVertical`) move the pixels with one
/// affine map in continuous coordinates (pixel (i, j) covers [i, i+1) × [j, j+1)), sampled
/// bilinearly, and move the keypoints with exactly the same map; the area they uncover is
/// filled with a `GeometricFill`. All other operations are photometric and return the
/// keypoints unchanged.
///
/// ## Magnitude table
///
/// The magnitude M runs from 0 to 100 (values outside are clamped); m = M / 100. "±" means the
/// sign is drawn at random (50 %) for every application. "side" is the shorter image side.
///
/// | operation | strength at magnitude M | at M = 0 |
/// |---|---|---|
/// | `identity` | none | – |
/// | `autoContrast` | none: each channel stretched to 0…255 (PIL `autocontrast`, no cut-off) | (no strength) |
/// | `equalize` | none: PIL `equalize`, per channel | (no strength) |
/// | `rotate` | ± 30° · m about the image centre (positive = counter-clockwise on screen) | 0° |
/// | `shearX` | x += ± 0.3 · m · (y − H/2) (about the centre row; 0.3 ≈ 16.7°) | 0 |
/// | `shearY` | y += ± 0.3 · m · (x − W/2) | 0 |
/// | `translateX` | ± 30 % · m of the width (continuous, sub-pixel) | 0 |
/// | `translateY` | ± 30 % · m of the height | 0 |
/// | `flipHorizontal`, `flipVertical` | none (exact mirror) | (no strength) |
/// | `solarize` | values ≥ 256 − round(256 · m) are inverted (v → 255 − v) | threshold 256: nothing |
/// | `posterize` | keep 8 − round(4 · m) high bits (8 … 4 bits) | 8 bits |
/// | `color` | saturation factor 1 ± 0.9 · m (blend with the pixel's grey, PIL `Color`) | factor 1 |
/// | `contrast` | factor 1 ± 0.9 · m about the mean grey level (PIL `Contrast`) | factor 1 |
/// | `brightness` | factor 1 ± 0.9 · m, v → v · factor (PIL `Brightness`) | factor 1 |
/// | `sharpness` | factor 1 ± 0.9 · m, blend with PIL's 3×3 SMOOTH filter (> 1 sharpens) | factor 1 |
/// | `emboss` | relief along a random direction θ: v + 2 m · ∂v/∂θ (Sobel) | unchanged |
/// | `edgeEnhance` | sharpening across a random direction θ: v − 1.5 m · ∂²v/∂θ² | unchanged |
/// | `gaussianBlur` | σ = 1.5 % · m of side (1.9 px on a 128-px crop), separable | σ = 0 |
/// | `motionBlur` | line of 1 + round(6 % · m · side) taps (8.7 px at 128 px) along a random direction | 1 tap |
/// | `medianBlur` | 3×3 median, blended in with weight m | unchanged |
/// | `gaussianNoise` | additive, per channel, σ = 25 · m grey levels | σ = 0 |
/// | `speckleNoise` | multiplicative, per channel, v · (1 + n), σ(n) = 0.25 · m | σ = 0 |
/// | `coarseDropout` | 1–3 rectangles, each side 50–100 % of 25 % · m of the image side, filled with mid-grey (128) or uniform noise (50 % each) | empty rectangles |
/// | `jpegCompression` | re-encoded at quality round(100 − 85 · m) (100 … 15, 4:2:0 chroma) | quality 100 |
///
/// Noise uses a table of 4096 normal quantiles (tails cut at ±3.7σ), so it is fast and
/// reproducible. Filters read past the edges by repeating the border pixels.
public enum AugmentationOperation: String, CaseIterable, Sendable {
    case identity
    case autoContrast
    case equalize
    case rotate
    case solarize
    case color
    case posterize
    case contrast
    case brightness
    case sharpness
    case shearX
    case shearY
    case translateX
    case translateY
    case flipHorizontal
    case flipVertical
    case emboss
    case edgeEnhance
    case gaussianBlur
    case motionBlur
    case medianBlur
    case gaussianNoise
    case speckleNoise
    case coarseDropout
    case jpegCompression

    /// Every operation except the two flips, which `RandAugment` applies separately
    /// (`allowFlips`) so that they do not take one of the k slots.
    public static let randAugmentPool: [AugmentationOperation] =
        allCases.filter { $0 != .flipHorizontal && $0 != .flipVertical }

    /// Whether the operation moves pixels (and therefore keypoints).
    public var isGeometric: Bool {
        switch self {
        case .rotate, .shearX, .shearY, .translateX, .translateY, .flipHorizontal, .flipVertical: true
        default: false
        }
    }

    /// Whether the magnitude changes what the operation does (magnitude 0 then leaves the
    /// image unchanged, up to JPEG's own loss at quality 100).
    public var hasStrength: Bool {
        switch self {
        case .identity, .autoContrast, .equalize, .flipHorizontal, .flipVertical: false
        default: true
        }
    }

    /// Applies this operation once at `magnitude` (0…100), drawing its random parameters
    /// (sign, direction, noise) from `rng`.
    ///
    /// - Parameters:
    ///   - keypoints: points in continuous pixel coordinates; geometric operations return
    ///     them moved exactly as the pixels under them moved (points may then lie outside
    ///     the image; a NaN point stays NaN), photometric operations return them unchanged.
    ///   - fill: the colour of the area a geometric operation uncovers.
    /// - Returns: an image of the same size and the moved keypoints.
    public func apply(magnitude: Double, to image: RGBImage, keypoints: [Point2D],
                      fill: GeometricFill = .borderMedian,
                      rng: inout RandomSource) -> (image: RGBImage, keypoints: [Point2D]) {
        let m = Self.unit(magnitude)
        if isGeometric {
            let transform = affine(m: m, width: image.width, height: image.height, rng: &rng)
            return warp(image, keypoints: keypoints, transform: transform, fill: fill)
        }
        var out = image
        applyPhotometric(m: m, to: &out, rng: &rng)
        return (out, keypoints)
    }

    /// M (0…100) as a fraction, clamped; NaN counts as 0.
    static func unit(_ magnitude: Double) -> Double {
        magnitude.isNaN ? 0 : min(max(magnitude, 0), 100) / 100
    }

    /// The affine map of a geometric operation for a `width`×`height` image (source
    /// continuous coordinates → output continuous coordinates).
    func affine(m: Double, width: Int, height: Int, rng: inout RandomSource) -> AffineTransform {
        let w = Double(width), h = Double(height)
        let cx = w / 2, cy = h / 2
        switch self {
        case .rotate:
            return .rotation(degrees: rng.sign() * 30 * m, centerX: cx, centerY: cy)
        case .shearX:
            let k = rng.sign() * 0.3 * m
            return AffineTransform(a: 1, b: k, c: 0, d: 1, tx: -k * cy, ty: 0)
        case .shearY:
            let k = rng.sign() * 0.3 * m
            return AffineTransform(a: 1, b: 0, c: k, d: 1, tx: 0, ty: -k * cx)
        case .translateX:
            return AffineTransform(a: 1, b: 0, c: 0, d: 1, tx: rng.sign() * 0.3 * m * w, ty: 0)
        case .translateY:
            return AffineTransform(a: 1, b: 0, c: 0, d: 1, tx: 0, ty: rng.sign() * 0.3 * m * h)
        case .flipHorizontal:
            return AffineTransform(a: -1, b: 0, c: 0, d: 1, tx: w, ty: 0)
        case .flipVertical:
            return AffineTransform(a: 1, b: 0, c: 0, d: -1, tx: 0, ty: h)
        default:
            return .identity
        }
    }

    /// Runs a photometric operation in place.
    func applyPhotometric(m: Double, to image: inout RGBImage, rng: inout RandomSource) {
        guard !image.isEmpty else { return }
        let side = Double(min(image.width, image.height))
        switch self {
        case .identity, .rotate, .shearX, .shearY, .translateX, .translateY, .flipHorizontal, .flipVertical:
            return
        case .autoContrast:
            PointOps.autoContrast(&image)
        case .equalize:
            PointOps.equalize(&image)
        case .solarize:
            PointOps.solarize(&image, threshold: 256 - Int((256 * m).rounded()))
        case .posterize:
            PointOps.posterize(&image, bits: 8 - Int((4 * m).rounded()))
        case .color:
            PointOps.saturation(&image, factor: 1 + rng.sign() * 0.9 * m)
        case .contrast:
            PointOps.contrast(&image, factor: 1 + rng.sign() * 0.9 * m)
        case .brightness:
            PointOps.brightness(&image, factor: 1 + rng.sign() * 0.9 * m)
        case .sharpness:
            guard m > 0 else { return }
            image = Filters.sharpness(image, factor: 1 + rng.sign() * 0.9 * m)
        case .emboss:
            let theta = rng.angle()
            guard m > 0 else { return }
            image = Filters.emboss(image, direction: theta, gain: 2 * m)
        case .edgeEnhance:
            let theta = rng.angle()
            guard m > 0 else { return }
            image = Filters.directionalSharpen(image, direction: theta, gain: 1.5 * m)
        case .gaussianBlur:
            image = Filters.gaussianBlur(image, sigma: 0.015 * m * side)
        case .motionBlur:
            let theta = rng.angle()
            image = Filters.motionBlur(image, length: 1 + Int((0.06 * m * side).rounded()), direction: theta)
        case .medianBlur:
            guard m > 0 else { return }
            image = Filters.median3x3(image, weight: m)
        case .gaussianNoise:
            Noise.additive(&image, sigma: Float(25 * m), rng: &rng)
        case .speckleNoise:
            Noise.speckle(&image, sigma: Float(0.25 * m), rng: &rng)
        case .coarseDropout:
            Noise.coarseDropout(&image, maxFraction: 0.25 * m, rng: &rng)
        case .jpegCompression:
            image = Noise.jpeg(image, quality: Int((100 - 85 * m).rounded()))
        }
    }
}

/// The colour of the area a geometric operation uncovers.
public enum GeometricFill: Sendable, Equatable {
    /// Per channel, the median of the image's outermost ring of pixels (computed before the
    /// transform): for a fly crop this is the background (the dish or paper), so the
    /// uncovered corners look like more background. This is the default.
    case borderMedian
    /// One fixed colour, e.g. `RGB(128, 128, 128)` for mid-grey.
    case constant(RGB)

    /// The colour to use for `image`.
    public func color(for image: RGBImage) -> RGB {
        switch self {
        case .constant(let rgb): return rgb
        case .borderMedian: return PointOps.borderMedian(image)
        }
    }
}

extension RandomSource {
    /// +1 or −1 with equal probability.
    @inline(__always)
    mutating func sign() -> Double { next() & 1 == 0 ? 1 : -1 }

    /// Uniform in [0, 2π).
    @inline(__always)
    mutating func angle() -> Double { Double(next() >> 11) * 0x1.0p-53 * 2 * Double.pi }

    /// Uniform integer in 0..<count (Lemire's multiply-shift; count > 0).
    @inline(__always)
    mutating func index(below count: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(count)).high)
    }
}
