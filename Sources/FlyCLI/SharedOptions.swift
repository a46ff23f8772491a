import ArgumentParser
import ConsoleOutput
import Detector
import Traits

/// Output options every command that processes a batch accepts.
struct OutputOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print no progress and no summary (errors are still printed).")
    var quiet = false

    @Flag(help: "Print the results as JSON on standard output.")
    var json = false

    var progressStyle: ProgressStyle {
        // JSON goes to stdout and progress to stderr, so both can be on at once.
        ProgressStyle.automatic(quiet: quiet)
    }
}

/// Decoding limits shared by every command that reads photos.
struct DecodeLimitOptions: ParsableArguments {
    @Option(name: .customLong("max-megapixels"),
            help: "Refuse images above this many megapixels before allocating memory for them.")
    var maxMegapixels: Double = 100

    func validate() throws {
        guard maxMegapixels.isFinite, maxMegapixels > 0, maxMegapixels <= 10_000 else {
            throw ValidationError("--max-megapixels must be a number above 0 and at most 10000 (got \(maxMegapixels)).")
        }
    }

    var maxPixels: Int { Int(maxMegapixels * 1_000_000) }
}

/// `--views 1|2|4|8` (count, eval --detector, bench count, bench detector): the detector's
/// test-time views (`DetectorViews`).
func parseViews(_ argument: String) throws -> Int {
    guard let n = Int(argument), DetectorViews.counts.contains(n) else {
        throw ValidationError("--views must be 1, 2, 4 or 8 (got '\(argument)').")
    }
    return n
}

/// `--crop-views 1|2|4` (eval, count, bench count): the copies of each crop a trait classifier
/// reads (`CropViews`).
func parseCropViews(_ argument: String) throws -> CropViews {
    guard let n = Int(argument), let views = CropViews(rawValue: n) else {
        throw ValidationError("--crop-views must be 1, 2 or 4 (got '\(argument)').")
    }
    return views
}

/// How `count` and `bench count` read each fly's crop: by default four copies (the crop, its
/// mirror image, and both flipped top to bottom), `--no-mirror` one, and `--crop-views n` names
/// the number outright.
struct CropViewOptions: ParsableArguments {
    // Optional, so that an explicit --mirror can be told from the default and checked against
    // --crop-views like --no-mirror.
    @Flag(inversion: .prefixedNo, help: "Classify every fly also mirrored and flipped top to bottom and average the trait probabilities and keypoints over the four copies (the default: fewer wrong wings and sexes, closer keypoints; about 0.5 s more per 600 flies than one pass). --no-mirror: one pass, the fastest (as --crop-views 1).")
    var mirror: Bool?

    @Option(name: .customLong("crop-views"), help: ArgumentHelp("Copies of each fly's crop the classifier reads and averages: 1 (as --no-mirror), 2 (the crop and its mirror image) or 4 (both also flipped top to bottom; the default).", valueName: "n"), transform: parseCropViews)
    var cropViews: CropViews?

    /// --crop-views when given, else one copy with --no-mirror, else four.
    var resolved: CropViews { cropViews ?? (mirror == false ? .single : .flips) }

    func validate() throws {
        guard let mirror, let cropViews else { return }
        if !mirror && cropViews != .single {
            throw ValidationError("--no-mirror means --crop-views 1; give one of them.")
        }
        if mirror && cropViews == .single {
            throw ValidationError("--mirror asks for more than one copy but --crop-views 1 for one; give one of them.")
        }
    }
}

extension CropViews {
    /// How `count` names the copies after the classifier in its model line ("" for one).
    var modelDescriptionSuffix: String {
        switch self {
        case .single: ""
        case .mirrored: ", crops mirrored too"
        case .flips: ", crops mirrored and flipped top to bottom too (4 copies)"
        }
    }

    /// How `eval` names them among what it averaged ("" for one).
    var evalDescription: String {
        switch self {
        case .single: ""
        case .mirrored: ", crops and their mirror images"
        case .flips: ", crops flipped both ways (4 copies)"
        }
    }

    /// How `bench count` names them in its settings line ("" for one).
    var benchDescription: String {
        switch self {
        case .single: ""
        case .mirrored: ", mirrored crops"
        case .flips: ", crops in 4 flips"
        }
    }
}

/// `--tiles n|auto|auto-zoom` (count, eval --detector, bench count): anything else is refused with one
/// line saying what is allowed.
func parseTiling(_ argument: String) throws -> DetectorTiling {
    guard let tiling = DetectorTiling(argument: argument) else {
        throw ValidationError("--tiles must be a grid size 1…8, 'auto' or 'auto-zoom' (got '\(argument)').")
    }
    return tiling
}

/// `--tile-merge overlaps|across-tiles` (count, eval --detector, bench count): which boxes of
/// overlapping tiles are one fly (`TileMerge`).
func parseTileMerge(_ argument: String) throws -> TileMerge {
    guard let merge = TileMerge(rawValue: argument) else {
        throw ValidationError("--tile-merge must be 'overlaps' or 'across-tiles' (got '\(argument)').")
    }
    return merge
}

func parseCeilingAnchor(_ argument: String) throws -> DetectorRecipe.PeakAnchor {
    guard let anchor = DetectorRecipe.PeakAnchor(rawValue: argument) else {
        throw ValidationError("--ceiling-anchor must be 'centre' or 'head' (got '\(argument)').")
    }
    return anchor
}
