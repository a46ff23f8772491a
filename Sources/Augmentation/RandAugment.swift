import ImageIO
import ImageProcessing
import Tensors

/// Improved RandAugment for training the fly trait classifier on fly crops.
///
/// For each image: with `allowFlips`, a horizontal and a vertical flip each with probability
/// ½ (independently; they do not use up an operation slot); then k drawn uniformly from
/// ⌈N/2⌉…N and k operations drawn uniformly without replacement from `operations`, all at
/// magnitude M (see `AugmentationOperation` for what M means for each operation; signs and
/// directions are drawn per application).
///
/// **Order of application.** The flips and every geometric operation of the plan (in the
/// order drawn) are composed into one affine map and the pixels are resampled once,
/// bilinearly, before the photometric operations run in the order drawn. Composing avoids
/// blurring the crop once per geometric operation, and doing the geometry first means
/// noise, dropout and JPEG artefacts stay sharp, axis-aligned and pixel-sized, as a camera
/// makes them.
///
/// **Keypoints** (continuous pixel coordinates, pixel (i, j) covering [i, i+1) × [j, j+1))
/// are moved by exactly the map the pixels went through, so a point follows the image
/// content under it. Points may end up outside the image (the caller decides whether such a
/// keypoint still counts); a missing keypoint given as NaN stays NaN. The two wing tips are
/// unordered (neither is "left"), so no relabelling is needed after a flip: the caller can
/// use the returned points as they are.
///
/// Everything random comes from the `RandomSource` passed in: the same seed gives the same
/// image and keypoints, and there is no global state, so separate generators (e.g. from
/// `rng.split()`) can run on separate threads.
public struct RandAugment: Sendable {
    /// N: the most operations applied to one image (k is drawn from ⌈N/2⌉…N).
    public var n: Int
    /// M: strength of every operation, 0…100 (clamped).
    public var magnitude: Double
    /// Also flip horizontally and vertically, each independently with probability ½.
    public var allowFlips: Bool
    /// The pool the k operations are drawn from (without replacement, by position, so an
    /// operation listed twice is twice as likely). Defaults to
    /// `AugmentationOperation.randAugmentPool` (every operation except the flips).
    public var operations: [AugmentationOperation]
    /// The colour of the area geometric operations uncover (default: the median of the
    /// crop's border, i.e. its background).
    public var fill: GeometricFill

    public init(n: Int, magnitude: Double, allowFlips: Bool = true,
                operations: [AugmentationOperation] = AugmentationOperation.randAugmentPool,
                fill: GeometricFill = .borderMedian) {
        precondition(n >= 0, "RandAugment needs n ≥ 0, got \(n)")
        self.n = n
        self.magnitude = magnitude
        self.allowFlips = allowFlips
        self.operations = operations
        self.fill = fill
    }

    /// What one application will do, drawn before any pixel is touched.
    public struct Plan: Sendable, Equatable {
        public var flipHorizontal: Bool
        public var flipVertical: Bool
        /// The k operations, in the order drawn.
        public var operations: [AugmentationOperation]

        public init(flipHorizontal: Bool = false, flipVertical: Bool = false, operations: [AugmentationOperation]) {
            self.flipHorizontal = flipHorizontal
            self.flipVertical = flipVertical
            self.operations = operations
        }
    }

    /// Draws the flips (when allowed), k ∈ ⌈N/2⌉…N (at most the pool's size) and the k
    /// operations.
    public func plan(rng: inout RandomSource) -> Plan {
        var flipH = false, flipV = false
        if allowFlips {
            let bits = rng.next()
            flipH = bits & 1 == 1
            flipV = bits & 2 == 2
        }
        let low = (n + 1) / 2
        var k = low + rng.index(below: n - low + 1)
        k = min(k, operations.count)
        // Partial Fisher–Yates over positions in the pool.
        var pool = operations
        var chosen: [AugmentationOperation] = []
        chosen.reserveCapacity(k)
        for i in 0..<k {
            let j = i + rng.index(below: pool.count - i)
            pool.swapAt(i, j)
            chosen.append(pool[i])
        }
        return Plan(flipHorizontal: flipH, flipVertical: flipV, operations: chosen)
    }

    /// Carries out `plan` (parameters such as signs, directions and noise still come from `rng`).
    public func apply(_ plan: Plan, to image: RGBImage, keypoints: [Point2D],
                      rng: inout RandomSource) -> (image: RGBImage, keypoints: [Point2D]) {
        let m = AugmentationOperation.unit(magnitude)
        let w = image.width, h = image.height
        var transform = AffineTransform.identity
        if plan.flipHorizontal {
            transform = transform.followed(by: AugmentationOperation.flipHorizontal.affine(m: m, width: w, height: h, rng: &rng))
        }
        if plan.flipVertical {
            transform = transform.followed(by: AugmentationOperation.flipVertical.affine(m: m, width: w, height: h, rng: &rng))
        }
        for op in plan.operations where op.isGeometric {
            transform = transform.followed(by: op.affine(m: m, width: w, height: h, rng: &rng))
        }
        var (out, points) = warp(image, keypoints: keypoints, transform: transform, fill: fill)
        for op in plan.operations where !op.isGeometric {
            op.applyPhotometric(m: m, to: &out, rng: &rng)
        }
        return (out, points)
    }

    /// Applies k ∈ ⌈N/2⌉…N random operations (and the random flips, when allowed); returns
    /// an image of the same size and the keypoints moved with it. Same as
    /// `apply(plan(rng: &rng), to:keypoints:rng:)`.
    public func apply(to image: RGBImage, keypoints: [Point2D],
                      rng: inout RandomSource) -> (image: RGBImage, keypoints: [Point2D]) {
        let plan = plan(rng: &rng)
        return apply(plan, to: image, keypoints: keypoints, rng: &rng)
    }
}
