import Augmentation
import Foundation
import Training
import Models

/// The detector's training recipe, read from a JSON config file (every field optional; see
/// docs/TRAINING.md). Defaults suit the fast detector on a laptop.
public struct DetectorRecipe: Codable, Sendable, Equatable {
    public var model = FlyDetectorConfiguration.fast
    public var seed: UInt64 = 1
    public var epochs = 30
    public var batchSize = 8
    /// Side of the square training crops (the network is fully convolutional, so it runs on
    /// whole letterboxed photos at inference).
    public var cropSize = 320
    /// Each training photo is rescaled so its median fly's long side is drawn log-uniformly
    /// from this range (input pixels) — flies from 1-MP close-ups to 24-MP overviews; with
    /// probability `letterboxShare` it is instead rescaled exactly as at inference (long side =
    /// input size, × 0.8…1.25).
    public var flySizeRange: [Double] = [16, 120]
    public var letterboxShare = 0.4
    /// Photometric augmentation (colour, contrast, blur, noise, JPEG) ops per crop and magnitude 0…100.
    public var photometricOps = 2
    public var photometricMagnitude = 50.0
    /// Exposure and colour-cast changes of the training crops (`LightingJitter`), after the
    /// photometric ops; nil: none. Optional, so that recipes without it keep their fingerprint.
    public var lightingJitter: LightingJitter?
    /// AdamW with linear warm-up then cosine decay.
    public var learningRate: Float = 2e-3
    public var weightDecay: Float = 1e-4
    public var warmupEpochs = 1.0
    /// Loss = focal(heat) + sizeWeight · L1(w, h) + offsetWeight · L1(dx, dy) (CenterNet's 1, 0.1, 1).
    public var sizeWeight: Float = 0.1
    public var offsetWeight: Float = 1
    /// Which cells learn a fly's box (size and offset). `centre`: the one cell holding its
    /// centre (CenterNet). `peak`: every cell of its heat-map peak whose centre lies inside the
    /// box, weighted by the peak's value there — more cells supervise each box, and the cell
    /// the decoder picks, which may sit a cell off the true centre, has learned the box too
    /// (TTFNet's argument). A cell inside two flies' peaks belongs to the one whose peak is
    /// higher there.
    public var boxTargets: BoxTargets = .centre
    /// `absolute`: L1 on width and height in stride units (CenterNet), so a 2-px error weighs
    /// the same on a 15-px fly as on a 100-px one. `relative`: the L1 divided by the true size,
    /// errors as fractions of the box, which is what IoU sees; small flies, where FlySim's
    /// held-out boxes go wrong, get the larger share of the gradient.
    public var sizeLoss: SizeLoss = .absolute
    /// The heat-map peaks' radius as a multiple of CenterNet's (whose radius keeps IoU ≥ 0.7
    /// and is deliberately generous, `CenterTargets.gaussianRadius`). Below 1 the peaks are
    /// sharper: the cells between two touching flies are penalised more for firing, so the
    /// network is pushed to keep two peaks where a broad target lets them run into one.
    public var peakRadiusScale = 1.0
    /// Where each fly's Gaussian peak is centred. `cell` (CenterNet): on the centre of the cell
    /// holding the fly's centre, so a fly whose centre lies near a cell edge gets a target that
    /// jumps to the next cell when it moves a pixel. `exact`: on the fly's true centre, so the
    /// neighbouring cell it nearly falls into is nearly as high (and penalised less for
    /// firing); the cell holding the centre stays the one positive (1).
    public var peakCentre: PeakCentre = .cell
    /// Which point of a fly its heat-map peak marks. `centre` (CenterNet): its box's centre.
    /// `head`: its head tip, where the annotations give one (FlySim's keypoints; flies without
    /// keypoints keep the centre). Two flies lying on each other often share a box centre, or
    /// have it under the upper fly, but rarely a head; and the head, with its eyes, can be seen
    /// and placed from the pixels around it. The box is still regressed as size + the offset
    /// from the peak cell to the box's centre (which is then no longer within the cell), so the
    /// model, its file and decoding are the same.
    public var peakAnchor: PeakAnchor = .centre
    /// The heat map's targets and loss. `centerNet`: Gaussian peaks with exactly 1 at the cell
    /// holding the fly's centre, CenterNet's penalty-reduced focal loss. `qualityFocal`: the
    /// Gaussian centred on the true centre (or head) with no cell forced to 1, so the target
    /// changes smoothly as a fly moves by a pixel, and the quality focal loss (Li et al., 2020)
    /// that fits soft targets. The fit tests found the network cannot follow CenterNet's 1
    /// jumping from cell to cell as flies move within a cell (docs/RESULTS.md).
    public var heatLoss: HeatLoss = .centerNet
    /// Which geometric augmentation training crops get (`full` by default). The others are
    /// diagnostics for fit tests, a ladder from memorising to generalising; all three scale
    /// each photo exactly as at inference (long side = the model's input size, `flySizeRange`
    /// and `letterboxShare` unused) and never flip or turn it. `none`: cropped from the
    /// top-left corner, so every photo is seen the same way each time. `gridShifts`: at a random
    /// position on a 32-px grid of the input (the backbone's coarsest stride), so every level of
    /// the network sees the same pixels in the same cells, only moved. `cellShifts`: on the
    /// output stride's grid, so each fly's centre keeps its place within its output cell (its
    /// target does not change) while the coarser strides see it at different phases. `shifts`:
    /// at any position, so where a fly's centre falls within its cell, at every stride, varies.
    public var geometricAugmentation: GeometricAugmentation = .full
    /// Score threshold written into the model file (the operating point of `count` and `eval`).
    public var threshold: Float = FlyDetector.defaultThreshold

    public enum BoxTargets: String, Codable, Sendable { case centre, peak }
    public enum SizeLoss: String, Codable, Sendable { case absolute, relative }
    public enum PeakCentre: String, Codable, Sendable { case cell, exact }
    public enum PeakAnchor: String, Codable, Sendable { case centre, head }
    public enum HeatLoss: String, Codable, Sendable {
        case centerNet = "centernet", qualityFocal = "quality-focal"
    }
    public enum GeometricAugmentation: String, Codable, Sendable {
        case full, none, shifts
        case gridShifts = "grid-shifts", cellShifts = "cell-shifts"
    }

    public init() {}

    /// What is wrong with the recipe, if anything.
    public var problem: String? {
        if epochs < 1 { return "epochs must be at least 1" }
        if batchSize < 1 { return "batchSize must be at least 1" }
        if cropSize < 64 || cropSize % 32 != 0 { return "cropSize must be a multiple of 32, at least 64" }
        if flySizeRange.count != 2 || flySizeRange[0] < 4 || flySizeRange[1] < flySizeRange[0] { return "flySizeRange must be [low, high] with 4 ≤ low ≤ high" }
        if !(0...1).contains(letterboxShare) { return "letterboxShare must be within 0…1" }
        if photometricOps < 0 || !(0...100).contains(photometricMagnitude) { return "photometricOps must be ≥ 0 and photometricMagnitude within 0…100" }
        if let problem = lightingJitter?.problem { return problem }
        if !(learningRate > 0) { return "learningRate must be positive" }
        if !(0..<1).contains(threshold) || threshold <= 0 { return "threshold must be within (0, 1)" }
        if !(peakRadiusScale > 0 && peakRadiusScale <= 2) { return "peakRadiusScale must be within (0, 2]" }
        if model.inputSize < 64 || model.inputSize % 32 != 0 { return "model.inputSize must be a multiple of 32, at least 64" }
        return nil
    }

    public static func read(path: String) throws -> DetectorRecipe {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError(path: path, problem: "cannot read the training config")
        }
        if let key = DuplicateJSONKeys.first(in: data) {
            throw ModelFileError(path: path, problem: "\"\(key)\" is set twice (one of the two values would be ignored)")
        }
        let recipe: DetectorRecipe
        do { recipe = try JSONDecoder().decode(DetectorRecipe.self, from: data) } catch {
            throw ModelFileError(path: path, problem: "invalid detector training config: \(error)")
        }
        if let problem = recipe.problem { throw ModelFileError(path: path, problem: problem) }
        return recipe
    }

    enum CodingKeys: String, CodingKey {
        case model, seed, epochs, batchSize, cropSize, flySizeRange, letterboxShare, photometricOps, photometricMagnitude
        case learningRate, weightDecay, warmupEpochs, sizeWeight, offsetWeight, threshold, boxTargets, sizeLoss, peakRadiusScale
        case peakCentre, geometricAugmentation, peakAnchor, heatLoss, lightingJitter
    }

    /// Missing keys keep their defaults, so a config file names only what it changes.
    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v }
        }
        try read(.model, &model); try read(.seed, &seed); try read(.epochs, &epochs); try read(.batchSize, &batchSize)
        try read(.cropSize, &cropSize); try read(.flySizeRange, &flySizeRange); try read(.letterboxShare, &letterboxShare)
        try read(.photometricOps, &photometricOps); try read(.photometricMagnitude, &photometricMagnitude)
        try read(.learningRate, &learningRate); try read(.weightDecay, &weightDecay); try read(.warmupEpochs, &warmupEpochs)
        try read(.sizeWeight, &sizeWeight); try read(.offsetWeight, &offsetWeight); try read(.threshold, &threshold)
        try read(.boxTargets, &boxTargets); try read(.sizeLoss, &sizeLoss); try read(.peakRadiusScale, &peakRadiusScale)
        try read(.peakCentre, &peakCentre); try read(.geometricAugmentation, &geometricAugmentation)
        try read(.peakAnchor, &peakAnchor); try read(.heatLoss, &heatLoss)
        lightingJitter = try c.decodeIfPresent(LightingJitter.self, forKey: .lightingJitter)
    }

    /// Writes every field, but `boxTargets`, `sizeLoss`, `peakRadiusScale`, `peakCentre`,
    /// `geometricAugmentation`, `peakAnchor`, `heatLoss` and `lightingJitter` only
    /// when they differ from their defaults: the checkpoint's recipe fingerprint is this encoding, so
    /// checkpoints written before those fields existed still resume.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model); try c.encode(seed, forKey: .seed); try c.encode(epochs, forKey: .epochs)
        try c.encode(batchSize, forKey: .batchSize); try c.encode(cropSize, forKey: .cropSize)
        try c.encode(flySizeRange, forKey: .flySizeRange); try c.encode(letterboxShare, forKey: .letterboxShare)
        try c.encode(photometricOps, forKey: .photometricOps); try c.encode(photometricMagnitude, forKey: .photometricMagnitude)
        try c.encode(learningRate, forKey: .learningRate); try c.encode(weightDecay, forKey: .weightDecay)
        try c.encode(warmupEpochs, forKey: .warmupEpochs); try c.encode(sizeWeight, forKey: .sizeWeight)
        try c.encode(offsetWeight, forKey: .offsetWeight); try c.encode(threshold, forKey: .threshold)
        if boxTargets != .centre { try c.encode(boxTargets, forKey: .boxTargets) }
        if sizeLoss != .absolute { try c.encode(sizeLoss, forKey: .sizeLoss) }
        if peakRadiusScale != 1 { try c.encode(peakRadiusScale, forKey: .peakRadiusScale) }
        if peakCentre != .cell { try c.encode(peakCentre, forKey: .peakCentre) }
        if geometricAugmentation != .full { try c.encode(geometricAugmentation, forKey: .geometricAugmentation) }
        if peakAnchor != .centre { try c.encode(peakAnchor, forKey: .peakAnchor) }
        if heatLoss != .centerNet { try c.encode(heatLoss, forKey: .heatLoss) }
        try c.encodeIfPresent(lightingJitter, forKey: .lightingJitter)
    }
}
