import Datasets
import ImageProcessing

/// One of the eight phenotypes FlyTally counts.
public struct FlyPhenotype: Hashable, Sendable, CustomStringConvertible {
    public var eye: EyeColour
    public var wing: WingLength
    public var sex: Sex

    public init(eye: EyeColour, wing: WingLength, sex: Sex) {
        self.eye = eye
        self.wing = wing
        self.sex = sex
    }

    /// All eight, in a fixed order (eye, then wing, then sex).
    public static let all: [FlyPhenotype] = EyeColour.allCases.flatMap { e in
        WingLength.allCases.flatMap { w in Sex.allCases.map { FlyPhenotype(eye: e, wing: w, sex: $0) } }
    }

    public var description: String { "\(eye.rawValue)-\(wing.rawValue)-\(sex.rawValue)" }
}

/// How the traits of the flies in a photo are drawn.
public enum FlySimTraitDistribution: Sendable, Equatable {
    /// Each of the eight phenotypes equally often (the default: good for training).
    case balanced
    /// Each trait independently: P(red eye), P(long wing), P(female).
    case independent(redEye: Double, longWing: Double, female: Double)
    /// Explicit relative weights per phenotype (missing ones are 0; at least one positive).
    case weights([FlyPhenotype: Double])

    /// The F2 of the classic X-linked teaching cross: white-eyed miniature-winged females ×
    /// wild-type males, F1 crossed among themselves. In each sex the parental classes
    /// (white miniature, red long) have frequency (1 − r)/2 and the recombinant classes
    /// (white long, red miniature) r/2, where r is the w–m recombination frequency (about
    /// 0.34 on the standard map); sexes 1 : 1.
    public static func whiteMiniatureF2(recombinationFrequency r: Double = 0.34) -> FlySimTraitDistribution {
        var w: [FlyPhenotype: Double] = [:]
        for sex in Sex.allCases {
            w[FlyPhenotype(eye: .white, wing: .miniature, sex: sex)] = (1 - r) / 2
            w[FlyPhenotype(eye: .red, wing: .long, sex: sex)] = (1 - r) / 2
            w[FlyPhenotype(eye: .white, wing: .long, sex: sex)] = r / 2
            w[FlyPhenotype(eye: .red, wing: .miniature, sex: sex)] = r / 2
        }
        return .weights(w)
    }

    /// Probability of each phenotype, in `FlyPhenotype.all` order.
    public var probabilities: [Double] {
        let raw: [Double]
        switch self {
        case .balanced:
            raw = Array(repeating: 1, count: 8)
        case .independent(let red, let long, let female):
            raw = FlyPhenotype.all.map {
                ($0.eye == .red ? red : 1 - red) * ($0.wing == .long ? long : 1 - long) * ($0.sex == .female ? female : 1 - female)
            }
        case .weights(let w):
            raw = FlyPhenotype.all.map { max(0, w[$0] ?? 0) }
        }
        let total = raw.reduce(0, +)
        return total > 0 ? raw.map { $0 / total } : Array(repeating: 1.0 / 8, count: 8)
    }
}

/// Relative frequencies of the poses (default: 80 % lateral, as anaesthetised flies lie).
public struct FlySimPoseWeights: Sendable, Equatable {
    public var lateral: Double
    public var dorsal: Double
    public var ventral: Double

    public init(lateral: Double = 0.8, dorsal: Double = 0.13, ventral: Double = 0.07) {
        self.lateral = lateral
        self.dorsal = dorsal
        self.ventral = ventral
    }
}

/// A fly placed by hand (tests, demonstrations): everything about it is fixed except the
/// details (colour shades, leg and wing angles), which still come from the seed.
public struct FlySimFly: Sendable, Equatable {
    /// Thorax centre in photo pixels.
    public var center: Point2D
    /// Body axis (tail → head), degrees counter-clockwise on screen from +x.
    public var angleDegrees: Double
    /// Head-to-tail length of a female of this size in pixels (males are drawn about 22 %
    /// shorter); nil: the photo's magnification.
    public var bodyLength: Double?
    public var pose: Pose
    public var phenotype: FlyPhenotype
    /// Mirror image (which side a lateral fly lies on).
    public var mirrored: Bool

    public init(center: Point2D, angleDegrees: Double, bodyLength: Double? = nil, pose: Pose = .lateral,
                phenotype: FlyPhenotype = FlyPhenotype(eye: .red, wing: .long, sex: .female), mirrored: Bool = false) {
        self.center = center
        self.angleDegrees = angleDegrees
        self.bodyLength = bodyLength
        self.pose = pose
        self.phenotype = phenotype
        self.mirrored = mirrored
    }
}

/// Everything that decides what FlySim draws. The same configuration and seed always give
/// byte-identical photos, whatever the thread count.
public struct FlySimConfiguration: Sendable {
    /// Background, lighting, camera and magnification distributions (see `FlySimDomain.all`).
    public var domain: FlySimDomain
    /// Number of flies per photo, drawn uniformly (1…150).
    public var flyCount: ClosedRange<Int>
    /// Photo size in megapixels (0.5…12); nil: the domain's range. Ignored when `imageSize`
    /// is set.
    public var megapixels: ClosedRange<Double>?
    /// Exact photo size (width, height); nil: from `megapixels` and the domain's aspect ratios.
    public var imageSize: (width: Int, height: Int)?
    /// Head-to-tail length of a typical female in pixels; nil: from the domain's field of
    /// view, reduced when the flies would not fit, and kept so that flies span 40–400 px.
    public var flyLength: ClosedRange<Double>?
    public var traits: FlySimTraitDistribution
    public var poses: FlySimPoseWeights
    /// Probability that a fly is dropped against another one (touching or overlapping);
    /// the others are placed clear of earlier flies where there is room.
    public var touchingProbability: Double
    /// Probability that a fly is placed across the photo border (cut off).
    public var truncatedProbability: Double
    /// Flies placed by hand; when set, `flyCount`, `traits` and `poses` are not used.
    public var fixedFlies: [FlySimFly]?
    /// Worker threads; nil: every core. The output does not depend on it.
    public var threads: Int?

    public init(domain: FlySimDomain = .labBlueCard, flyCount: ClosedRange<Int> = 40...70,
                megapixels: ClosedRange<Double>? = nil, imageSize: (width: Int, height: Int)? = nil,
                flyLength: ClosedRange<Double>? = nil, traits: FlySimTraitDistribution = .balanced,
                poses: FlySimPoseWeights = FlySimPoseWeights(), touchingProbability: Double = 0.12,
                truncatedProbability: Double = 0.04, fixedFlies: [FlySimFly]? = nil, threads: Int? = nil) {
        self.domain = domain
        self.flyCount = flyCount
        self.megapixels = megapixels
        self.imageSize = imageSize
        self.flyLength = flyLength
        self.traits = traits
        self.poses = poses
        self.touchingProbability = touchingProbability
        self.truncatedProbability = truncatedProbability
        self.fixedFlies = fixedFlies
        self.threads = threads
    }

    /// A configuration of the named domain (`FlySimDomain.names`); nil for an unknown name.
    public init?(domainNamed name: String) {
        guard let d = FlySimDomain.named(name) else { return nil }
        self.init(domain: d)
    }

    /// Problems that would stop `FlySim.render`, as sentences (empty when valid).
    public var problems: [String] {
        var p: [String] = []
        if fixedFlies == nil && (flyCount.lowerBound < 1 || flyCount.upperBound > 150) {
            p.append("fly count \(flyCount.lowerBound)…\(flyCount.upperBound) must lie within 1…150")
        }
        if let mp = megapixels, imageSize == nil, mp.lowerBound < 0.5 || mp.upperBound > 12 {
            p.append("megapixels \(mp.lowerBound)…\(mp.upperBound) must lie within 0.5…12")
        }
        if let s = imageSize, s.width < 16 || s.height < 16 || s.width * s.height > 50_000_000 {
            p.append("image size \(s.width)x\(s.height) must be at least 16x16 and at most 50 MP")
        }
        if let l = flyLength, l.lowerBound < 8 || l.upperBound > 2000 {
            p.append("fly length \(l.lowerBound)…\(l.upperBound) px must lie within 8…2000")
        }
        let pw = [poses.lateral, poses.dorsal, poses.ventral]
        if pw.contains(where: { $0 < 0 || !$0.isFinite }) || pw.reduce(0, +) <= 0 {
            p.append("pose weights must be non-negative and not all zero")
        }
        if case .independent(let a, let b, let c) = traits, [a, b, c].contains(where: { !(0...1).contains($0) }) {
            p.append("trait probabilities must lie within 0…1")
        }
        if case .weights(let w) = traits, w.values.contains(where: { $0 < 0 || !$0.isFinite }) || !w.values.contains(where: { $0 > 0 }) {
            p.append("phenotype weights must be non-negative with at least one positive")
        }
        if !(0...1).contains(touchingProbability) || !(0...1).contains(truncatedProbability) {
            p.append("touching and truncated probabilities must lie within 0…1")
        }
        if let t = threads, t < 1 { p.append("threads must be at least 1") }
        return p
    }
}
