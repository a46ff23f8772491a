import ArgumentParser
import ConsoleOutput
import Detector

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
