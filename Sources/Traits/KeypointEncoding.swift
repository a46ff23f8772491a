import Datasets
import ImageProcessing

/// The nine keypoint values the trait classifier regresses, in crop-normalised coordinates
/// (x / crop width, y / crop height): head (x, y), tail (x, y), and the two wing tips in the
/// order-free code of DESIGN.md — a = (x1+x2)/2, b = (y1+y2)/2, c = |x1−x2|, d = |y1−y2|,
/// e = 1 if (x1−x2)(y1−y2) > 0 else 0 — so swapping the two wing tips changes nothing.
public enum KeypointEncoding {
    public static let count = 9

    public static func encode(_ k: FlyKeypoints, cropWidth: Double, cropHeight: Double) -> [Float] {
        let w = cropWidth, h = cropHeight
        let x1 = k.wing1.x / w, y1 = k.wing1.y / h, x2 = k.wing2.x / w, y2 = k.wing2.y / h
        return [k.head.x / w, k.head.y / h, k.tail.x / w, k.tail.y / h,
                (x1 + x2) / 2, (y1 + y2) / 2, abs(x1 - x2), abs(y1 - y2), (x1 - x2) * (y1 - y2) > 0 ? 1 : 0].map { Float($0) }
    }

    /// Back to crop pixels. The wing tips come back as the pair the code describes (which one is
    /// "wing1" is arbitrary). Negative c or d predictions are taken as 0.
    public static func decode(_ v: [Float], cropWidth: Double, cropHeight: Double) -> FlyKeypoints {
        precondition(v.count == count, "keypoint code needs \(count) values, got \(v.count)")
        let w = cropWidth, h = cropHeight
        let a = Double(v[4]), b = Double(v[5]), c = max(0, Double(v[6])), d = max(0, Double(v[7]))
        let sameSign = v[8] >= 0.5
        let wing1 = Point2D((a + c / 2) * w, (sameSign ? b + d / 2 : b - d / 2) * h)
        let wing2 = Point2D((a - c / 2) * w, (sameSign ? b - d / 2 : b + d / 2) * h)
        return FlyKeypoints(head: Point2D(Double(v[0]) * w, Double(v[1]) * h), tail: Point2D(Double(v[2]) * w, Double(v[3]) * h),
                            wing1: wing1, wing2: wing2)
    }
}

/// The three binary traits as classifier targets: eye white = 1, wing miniature = 1, sex male = 1.
public enum TraitEncoding {
    public static let names = ["eye", "wing", "sex"]
    /// Names of the positive class of each logit.
    public static let positives = ["white", "miniature", "male"]
    public static let negatives = ["red", "long", "female"]

    /// Targets and weights (0 where the trait is unknown, so it does not train).
    public static func targets(_ t: FlyTraits) -> (values: [Float], weights: [Float]) {
        let values: [Float] = [t.eye == .white ? 1 : 0, t.wing == .miniature ? 1 : 0, t.sex == .male ? 1 : 0]
        let weights: [Float] = [t.eye == nil ? 0 : 1, t.wing == nil ? 0 : 1, t.sex == nil ? 0 : 1]
        return (values, weights)
    }

    /// Traits from the three positive-class probabilities (threshold 0.5).
    public static func traits(probabilities p: [Float]) -> FlyTraits {
        FlyTraits(eye: p[0] >= 0.5 ? .white : .red, wing: p[1] >= 0.5 ? .miniature : .long, sex: p[2] >= 0.5 ? .male : .female)
    }
}

extension KeypointEncoding {
    /// The mean of several predictions of one fly's points (1, 2 or 4 of them, as `CropViews`
    /// gives): averaged in pairs, so each weighs the same when their number is a power of two.
    public static func average(_ points: [FlyKeypoints]) -> FlyKeypoints {
        precondition(!points.isEmpty, "at least one prediction")
        var level = points
        while level.count > 1 {
            level = stride(from: 0, to: level.count, by: 2).map { i in
                i + 1 < level.count ? average(level[i], level[i + 1]) : level[i]
            }
        }
        return level[0]
    }

    /// The mean of two predictions of one fly's keypoints: head with head, tail with tail, and
    /// the wing tips paired in whichever order puts them closer (their order carries no meaning).
    public static func average(_ a: FlyKeypoints, _ b: FlyKeypoints) -> FlyKeypoints {
        func mid(_ p: Point2D, _ q: Point2D) -> Point2D { Point2D((p.x + q.x) / 2, (p.y + q.y) / 2) }
        let straight = a.wing1.distance(to: b.wing1) + a.wing2.distance(to: b.wing2)
        let swapped = a.wing1.distance(to: b.wing2) + a.wing2.distance(to: b.wing1)
        let (w1, w2) = straight <= swapped ? (b.wing1, b.wing2) : (b.wing2, b.wing1)
        return FlyKeypoints(head: mid(a.head, b.head), tail: mid(a.tail, b.tail), wing1: mid(a.wing1, w1), wing2: mid(a.wing2, w2))
    }
}

extension FlyKeypoints {
    /// The same points in the mirror image (left–right) of a crop `width` pixels wide, in
    /// continuous pixel coordinates (x → width − x, as the flip augmentation maps them).
    public func mirrored(width: Double) -> FlyKeypoints {
        flipped(horizontally: true, vertically: false, width: width, height: 0)
    }

    /// The same points in a crop `width` × `height` pixels flipped left–right and/or top to
    /// bottom (x → width − x, y → height − y). A flip is its own inverse, so this also maps
    /// points found on a flipped copy back.
    public func flipped(horizontally: Bool, vertically: Bool, width: Double, height: Double) -> FlyKeypoints {
        mapped { Point2D(horizontally ? width - $0.x : $0.x, vertically ? height - $0.y : $0.y) }
    }
}
