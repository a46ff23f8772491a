import Datasets
import Detector

/// Warns when a photo's flies are far larger or smaller than the detector was trained on
/// (training covered flies of 16–120 px in the detector's input, see configs/detector-fast.json):
/// the counts of such a photo are unreliable, and the note says what to do. On fixed tiles the
/// boxes given are those of one whole-photo pass (`FlyCounter`), measured as the tiles enlarge
/// them; after automatic tiling shrank a close-up (`zoom` < 1), as the shrunken pass saw them.
enum ScaleCheck {
    static let smallest = 12.0, largest = 160.0

    static func notes(boxes: [BoundingBox], photoWidth: Int, photoHeight: Int, detectorInput: Int, tiles: Int,
                      zoom: Double = 1) -> [String] {
        guard boxes.count >= 3,
              let median = FlyDetector.medianFlySide(boxes: boxes, photoWidth: photoWidth, photoHeight: photoHeight,
                                                     inputSize: detectorInput, tiles: tiles, zoom: zoom) else { return [] }
        if median < smallest {
            return [String(format: "flies look very small here (median %.0f px at the detector's input, trained on 16–120 px): use --tiles auto (or 2–4), or photograph closer", median)]
        }
        if tiles == 1 && median < FlyDetector.automaticTilingSide {
            // Measured on FlySim photos of ~20-px flies: the count error per 60 flies halves on
            // tiles (docs/RESULTS.md, "Where the detector loses flies").
            return [String(format: "flies are small here (median %.0f px at the detector's input): --tiles auto separates touching flies better (about twice the time per photo)", median)]
        }
        if median > largest && tiles > 1 {
            return [String(format: "flies look very large on %d×%d tiles (median %.0f px at the detector's input, trained on 16–120 px): tiles cut them into pieces; use --tiles auto or fewer tiles", tiles, tiles, median)]
        }
        if median > largest {
            return [String(format: "flies look very large here (median %.0f px at the detector's input, trained on 16–120 px): counts may be unreliable; photograph from further away", median)]
        }
        return []
    }
}
