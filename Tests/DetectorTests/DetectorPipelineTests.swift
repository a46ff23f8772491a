import Autograd
import Datasets
import Foundation
import ImageIO
import Models
import SafeTensors
import Tensors
import Testing
@testable import Detector

@Suite struct DetectorPipelineTests {
    @Test func letterboxMapsBoxesBackToThePhoto() {
        let lb = Letterbox(photoWidth: 1600, photoHeight: 1200, side: 512)
        #expect(lb.scale == 0.32)
        #expect(lb.contentWidth == 512 && lb.contentHeight == 384)
        #expect(lb.inputWidth == 512 && lb.inputHeight == 384)
        let odd = Letterbox(photoWidth: 1000, photoHeight: 700, side: 512)
        #expect(odd.contentHeight == 358 && odd.inputHeight == 384, "padded up to a multiple of 32")
        let box = lb.toPhoto(BoundingBox(x: 32, y: 64, width: 16, height: 8))
        #expect(box == BoundingBox(x: 100, y: 200, width: 50, height: 25))
        let input = odd.apply(RGBImage(width: 1000, height: 700, fill: .white))
        #expect(input.width == 512 && input.height == 384)
        #expect(input[0, 0] == .white && input[0, 383] == Letterbox.padding)
    }

    @Test func dihedralMovesBoxesWithThePixels() {
        // A 3×2 white block at (5, 1) in a 10×6 image; every symmetry must put the box exactly on it.
        var image = RGBImage(width: 10, height: 6)
        for y in 1..<3 { for x in 5..<8 { image[x, y] = .white } }
        let box = BoundingBox(x: 5, y: 1, width: 3, height: 2)
        for t in [false, true] { for h in [false, true] { for v in [false, true] {
            let d = Dihedral(transpose: t, flipHorizontal: h, flipVertical: v)
            let moved = d.apply(box, width: 10, height: 6), out = d.apply(image)
            #expect(out.width == (t ? 6 : 10))
            var white: [(Int, Int)] = []
            for y in 0..<out.height { for x in 0..<out.width where out[x, y] == .white { white.append((x, y)) } }
            #expect(white.count == 6)
            #expect(white.allSatisfy { Double($0.0) >= moved.x && Double($0.0) < moved.maxX && Double($0.1) >= moved.y && Double($0.1) < moved.maxY },
                    "transpose \(t) h \(h) v \(v)")
        }}}
    }

    @Test func averagePrecisionByHand() {
        let t1 = BoundingBox(x: 0, y: 0, width: 10, height: 10), t2 = BoundingBox(x: 50, y: 50, width: 10, height: 10)
        // Perfect: AP 1, no count error.
        let perfect = DetectionMetrics(detections: [[Detection(box: t1, score: 0.9), Detection(box: t2, score: 0.8)]],
                                       truth: [[t1, t2]], threshold: 0.5)
        #expect(perfect.ap50 == 1 && perfect.ap50to95 == 1 && perfect.precision == 1 && perfect.recall == 1)
        // A false positive ranked first: P/R points (0, 0), (1/2, 1/2), (2/3, 1). The monotone
        // envelope is 2/3 at every recall, so AP = 2/3; at threshold 0.5 all three count.
        let fp = BoundingBox(x: 200, y: 200, width: 10, height: 10)
        let m = DetectionMetrics(detections: [[Detection(box: fp, score: 0.95), Detection(box: t1, score: 0.9), Detection(box: t2, score: 0.8)]],
                                 truth: [[t1, t2]], threshold: 0.5)
        #expect(abs(m.ap50 - 2.0 / 3) < 1e-12)
        #expect(m.falsePositives == 1 && m.truePositives == 2 && m.countErrors == [1])
        // A box shifted by 2 px: IoU = 80/120 = 0.667 — a hit at 0.5…0.65, a miss from 0.7.
        let shifted = DetectionMetrics(detections: [[Detection(box: BoundingBox(x: 2, y: 0, width: 10, height: 10), score: 0.9)]],
                                       truth: [[t1]], threshold: 0.5)
        #expect(shifted.ap50 == 1)
        #expect(abs(shifted.ap50to95 - 4.0 / 10) < 1e-12)
        // A box of the right place but twice the side: IoU 1/4 — missed at 0.5 and 0.3, found at 0.1.
        let oversized = DetectionMetrics(detections: [[Detection(box: BoundingBox(x: 0, y: 0, width: 20, height: 20), score: 0.9)]],
                                         truth: [[t1]], threshold: 0.5)
        #expect(oversized.ap50 == 0 && oversized.ap30 == 0 && oversized.ap10 == 1)
        #expect(shifted.ap30 == 1 && shifted.ap10 == 1)
        // Missed fly: recall 1/2, AP = (51 recall points with precision 1) / 101.
        let missed = DetectionMetrics(detections: [[Detection(box: t1, score: 0.9)]], truth: [[t1, t2]], threshold: 0.5)
        #expect(abs(missed.ap50 - 51.0 / 101) < 1e-12)
        #expect(missed.recall == 0.5 && missed.countErrors == [-1])
    }

    @Test func automaticTilingEnlargesOnlySmallFlies() {
        func flies(side: Double, count: Int = 5) -> [BoundingBox] {
            (0..<count).map { BoundingBox(x: Double($0) * 3 * side, y: 0, width: side, height: side / 2) }
        }
        // A 2048-px photo into 512 px: a 128-px fly is 32 px at the input — large enough.
        #expect(FlyDetector.automaticTiles(boxes: flies(side: 128), photoWidth: 2048, photoHeight: 1536, inputSize: 512) == 1)
        // 80 px → 20 px: 2×2 tiles enlarge by 2 − 0.15 = 1.85 → 37 px.
        #expect(FlyDetector.automaticTiles(boxes: flies(side: 80), photoWidth: 2048, photoHeight: 1536, inputSize: 512) == 2)
        // 48 px → 12 px: 2×2 gives 22 px, 3×3 (× 2.7) 32.4 px.
        #expect(FlyDetector.automaticTiles(boxes: flies(side: 48), photoWidth: 2048, photoHeight: 1536, inputSize: 512) == 3)
        // Tiny flies stop at 4×4.
        #expect(FlyDetector.automaticTiles(boxes: flies(side: 8), photoWidth: 2048, photoHeight: 1536, inputSize: 512) == 4)
        // Too few flies to judge: no second pass.
        #expect(FlyDetector.automaticTiles(boxes: flies(side: 48, count: 2), photoWidth: 2048, photoHeight: 1536, inputSize: 512) == 1)
        // The median decides, not the largest or the smallest.
        let mixed = flies(side: 48, count: 3) + flies(side: 400, count: 2)
        #expect(FlyDetector.automaticTiles(boxes: mixed, photoWidth: 2048, photoHeight: 1536, inputSize: 512) == 3)
        #expect(DetectorTiling(argument: "auto") == .automatic && DetectorTiling(argument: "3") == .fixed(3))
        #expect(DetectorTiling(argument: "0") == nil && DetectorTiling(argument: "9") == nil && DetectorTiling(argument: "x") == nil)
    }

    /// Close-ups: the network's boxes stop growing at about 90 px however large the flies, so
    /// automatic tiling halves the scale until the flies come out under 56 px, reads their size
    /// there, and shrinks flies over 100 px to 64 px.
    @Test func automaticShrinkingMeasuresLargeFliesOnSmallerPasses() {
        // A network that sees flies of `side` px (at zoom 1) but boxes none larger than 90 px.
        func saturating(_ side: Double) -> (Double) -> Double? { { zoom in min(side * zoom, 90) } }
        var asked: [Double] = []
        let zoom = FlyDetector.automaticShrinkZoom(firstPassMedian: 90, inputSize: 512) { z in asked.append(z); return saturating(190)(z) }
        #expect(asked == [0.5, 0.25], "halving until the flies come out under 56 px (47.5 at a quarter)")
        #expect(abs((zoom ?? 0) - 64.0 / 190) < 1e-9, "190-px flies brought to 64 px")
        // The real close-ups' 94-px flies are 47 px at half the scale: not too large, kept.
        #expect(FlyDetector.automaticShrinkZoom(firstPassMedian: 94, inputSize: 512, passMedian: saturating(94)) == nil)
        // Small flies: no pass is asked.
        var never = true
        #expect(FlyDetector.automaticShrinkZoom(firstPassMedian: 40, inputSize: 512) { _ in never = false; return 20 } == nil)
        #expect(never)
        // Nothing found at zoom 1 but flies at half the scale (too large to be found at all).
        #expect(abs((FlyDetector.automaticShrinkZoom(firstPassMedian: nil, inputSize: 512, passMedian: saturating(150)) ?? 0) - 64.0 / 150) < 1e-9)
        // An empty photo: one half-scale pass finds nothing either.
        asked = []
        #expect(FlyDetector.automaticShrinkZoom(firstPassMedian: nil, inputSize: 512) { z in asked.append(z); return nil } == nil)
        #expect(asked == [0.5])
        // Flies large at every scale stop at the smallest input side (64 px: zoom 1/8 at 512).
        #expect(FlyDetector.automaticShrinkZoom(firstPassMedian: 90, inputSize: 512, passMedian: saturating(5000)) == 0.125)
    }

    /// Two tiles of a 260×200 photo: left 0..<160, right 100..<260 (their shared edges at x = 160
    /// and x = 100).
    static let mergeTiles: [DetectionPipeline.Region] = [(0, 0, 160, 200), (100, 0, 160, 200)]

    /// The default rule: a box inside a better one, or overlapping it by IoU ≥ 0.5, is dropped;
    /// a neighbour merely touching stays.
    @Test func overlapMergerDropsBoxesInsideBetterOnes() {
        let full = Detection(box: BoundingBox(x: 100, y: 100, width: 40, height: 20), score: 0.9)
        let cut = Detection(box: BoundingBox(x: 120, y: 100, width: 20, height: 20), score: 0.6)   // inside the full box
        let other = Detection(box: BoundingBox(x: 141, y: 100, width: 40, height: 20), score: 0.8)  // touching neighbour
        let merged = DetectionMerger.merge([[cut, full], [other]], regions: Self.mergeTiles, photoWidth: 260, photoHeight: 200, rule: .overlaps)
        #expect(merged == [full, other])
    }

    @Test func tileMergerKeepsOneBoxPerFly() {
        let full = Detection(box: BoundingBox(x: 125, y: 100, width: 40, height: 20), score: 0.9)       // right tile, whole
        // Left tile: the same fly cut at x = 160 (IoU 0.375 with `full`, all inside it), and whole.
        let cut = Detection(box: BoundingBox(x: 145, y: 100, width: 15, height: 20), score: 0.6)
        let twin = Detection(box: BoundingBox(x: 126, y: 101, width: 40, height: 20), score: 0.7)
        let other = Detection(box: BoundingBox(x: 20, y: 20, width: 40, height: 20), score: 0.8)        // left tile only
        let merged = DetectionMerger.merge([[cut, twin, other], [full]], regions: Self.mergeTiles, photoWidth: 260, photoHeight: 200, rule: .acrossTiles)
        #expect(merged == [full, other])
    }

    /// Flies lying on each other: boxes of one tile are separate peaks and stay; across tiles a
    /// box mostly inside another is only merged when one of them reaches a shared edge.
    @Test func tileMergerKeepsFliesLyingOnEachOther() {
        let lower = Detection(box: BoundingBox(x: 110, y: 60, width: 40, height: 24), score: 0.8)
        let upper = Detection(box: BoundingBox(x: 118, y: 66, width: 24, height: 14), score: 0.5)       // inside `lower`, IoU 0.35
        let sameTile = DetectionMerger.merge([[lower, upper], []], regions: Self.mergeTiles, photoWidth: 260, photoHeight: 200, rule: .acrossTiles)
        #expect(sameTile.count == 2)
        // The default rule drops it: one box lies inside the other.
        let overlaps = DetectionMerger.merge([[lower, upper], []], regions: Self.mergeTiles, photoWidth: 260, photoHeight: 200, rule: .overlaps)
        #expect(overlaps == [lower])
        // The same two flies, each found by a different tile, neither reaching a shared edge
        // (lower: right tile, 10 px from x = 100; upper: left tile, 18 px from x = 160).
        let acrossTiles = DetectionMerger.merge([[upper], [lower]], regions: Self.mergeTiles, photoWidth: 260, photoHeight: 200, rule: .acrossTiles)
        #expect(acrossTiles.count == 2)
    }

    /// A cut fly's partial box that scores higher than the whole fly's box from the next tile:
    /// the whole box is kept, with the higher score.
    @Test func tileMergerKeepsTheWholeBoxOfACutFly() {
        let cut = Detection(box: BoundingBox(x: 140, y: 30, width: 20, height: 20), score: 0.9)         // left tile, reaches x = 160
        let whole = Detection(box: BoundingBox(x: 140, y: 30, width: 34, height: 20), score: 0.6)       // right tile
        let merged = DetectionMerger.merge([[cut], [whole]], regions: Self.mergeTiles, photoWidth: 260, photoHeight: 200, rule: .acrossTiles)
        #expect(merged == [Detection(box: whole.box, score: 0.9)])
    }

    @Test func trainingCropsKeepBoxesOnTheirFlies() {
        // Grey photo with white 20×10 "flies"; after the random-scale crop, each box must still
        // cover white pixels and its inside must be mostly white.
        var photo = RGBImage(width: 400, height: 300, fill: RGB(90, 90, 90))
        var boxes: [BoundingBox] = []
        for (x, y) in [(40, 40), (200, 120), (320, 250), (10, 280)] {
            for yy in y..<(y + 10) { for xx in x..<(x + 20) where xx < 400 && yy < 300 { photo[xx, yy] = .white } }
            boxes.append(BoundingBox(x: Double(x), y: Double(y), width: 20, height: 10).clipped(width: 400, height: 300))
        }
        var recipe = DetectorRecipe()
        recipe.cropSize = 128
        recipe.model.inputSize = 256
        var rng = RandomSource(seed: 3)
        var seen = 0
        for _ in 0..<20 {
            let (crop, found, _) = DetectorBatch.crop(DetectorSample(image: photo, boxes: boxes, source: "test"), recipe: recipe, rng: &rng)
            #expect(crop.width == 128 && crop.height == 128)
            for b in found {
                seen += 1
                let cx = Int(b.center.x), cy = Int(b.center.y)
                #expect(crop[min(127, cx), min(127, cy)].r > 200, "box centre \(b) not on a fly")
            }
        }
        #expect(seen > 0)
    }

    /// Without geometric augmentation every batch shows the photo exactly as inference
    /// letterboxes it: the same pixels whatever the generator, boxes scaled by input / long side.
    @Test func trainingCropsWithoutGeometricAugmentationAreTheInferenceView() {
        var photo = RGBImage(width: 400, height: 300, fill: RGB(90, 90, 90))
        for yy in 40..<50 { for xx in 40..<60 { photo[xx, yy] = .white } }
        let box = BoundingBox(x: 40, y: 40, width: 20, height: 10)
        var recipe = DetectorRecipe()
        recipe.cropSize = 256
        recipe.model.inputSize = 256
        recipe.geometricAugmentation = .none
        recipe.photometricOps = 0
        let sample = DetectorSample(image: photo, boxes: [box], source: "test")
        var first = RandomSource(seed: 1), second = RandomSource(seed: 99)
        let (a, boxesA, _) = DetectorBatch.crop(sample, recipe: recipe, rng: &first)
        let (b, boxesB, _) = DetectorBatch.crop(sample, recipe: recipe, rng: &second)
        #expect(a == b)
        #expect(boxesA == boxesB)
        let k = 256.0 / 400.0
        #expect(boxesA.count == 1)
        if let found = boxesA.first {
            #expect(abs(found.x - 40 * k) < 1 && abs(found.y - 40 * k) < 1)
            #expect(abs(found.width - 20 * k) < 1 && abs(found.height - 10 * k) < 1)
        }
        // The whole batch too: no flips or turns either.
        let batchA = DetectorBatch.make([sample], recipe: recipe, rng: &first)
        let batchB = DetectorBatch.make([sample], recipe: recipe, rng: &second)
        #expect(batchA.input.scalars == batchB.input.scalars)
        #expect(batchA.heatmap.scalars == batchB.heatmap.scalars)
        // And the key is written only when it is off, so older recipes keep their fingerprint.
        let encoded = String(decoding: (try? JSONEncoder().encode(recipe)) ?? Data(), as: UTF8.self)
        #expect(encoded.contains("\"geometricAugmentation\":\"none\""))
        #expect(!String(decoding: (try? JSONEncoder().encode(DetectorRecipe())) ?? Data(), as: UTF8.self).contains("geometricAugmentation"))
    }

    @Test func recipeFileErrorsNameTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-det-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = dir + "/good.json", bad = dir + "/bad.json", wrong = dir + "/wrong.json", twice = dir + "/twice.json"
        try Data(#"{"epochs": 3, "cropSize": 256}"#.utf8).write(to: URL(fileURLWithPath: good))
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: bad))
        try Data(#"{"cropSize": 100}"#.utf8).write(to: URL(fileURLWithPath: wrong))
        try Data(#"{"learningRate": 0.001, "cropSize": 256, "learningRate": 0.003}"#.utf8).write(to: URL(fileURLWithPath: twice))
        let recipe = try DetectorRecipe.read(path: good)
        #expect(recipe.epochs == 3 && recipe.cropSize == 256 && recipe.batchSize == DetectorRecipe().batchSize)
        for path in [bad, wrong, twice, dir + "/missing.json"] {
            do {
                _ = try DetectorRecipe.read(path: path)
                Issue.record("\(path) should be refused")
            } catch {
                #expect("\(error)".hasPrefix(path))
                if path == twice { #expect("\(error)".contains("\"learningRate\" is set twice")) }
            }
        }
    }

    @Test(arguments: [8, 4]) func trainingLowersTheLossAndResumesExactly(outputStride: Int) throws {
        var photo = RGBImage(width: 128, height: 128, fill: RGB(60, 80, 160))
        var boxes: [BoundingBox] = []
        for (x, y) in [(20, 20), (80, 30), (40, 90)] {
            for yy in y..<(y + 12) { for xx in x..<(x + 24) { photo[xx, yy] = RGB(230, 220, 200) } }
            boxes.append(BoundingBox(x: Double(x), y: Double(y), width: 24, height: 12))
        }
        var recipe = DetectorRecipe()
        recipe.model = FlyDetectorConfiguration(variant: .small, widthMultiplier: 0.5, inputSize: 128, neckChannels: 16,
                                                outputStride: outputStride)
        recipe.cropSize = 64
        recipe.batchSize = 2
        recipe.epochs = 4
        recipe.photometricOps = 0
        recipe.flySizeRange = [20, 30]
        let samples = [DetectorSample(image: photo, boxes: boxes, source: "a"), DetectorSample(image: photo, boxes: boxes, source: "b")]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-dettrain-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let straight = DetectorTrainer(recipe: recipe, training: samples, validation: [], checkpointPath: dir + "/a.safetensors")
        var losses: [Double] = []
        var progress: [[Int]] = []
        try straight.run(report: { losses.append($0.loss) }, batchDone: { progress.append([$0, $1]) })
        #expect(losses.count == 4)
        // Each epoch (one batch of 2 photos) reports 0 done before its batch, then 1 of 1.
        #expect(progress == Array(repeating: [[0, 1], [1, 1]], count: 4).flatMap { $0 })
        #expect(losses.last! < losses.first!, "loss \(losses)")
        // Two epochs, a "crash", then --resume: the same weights as the straight run.
        var shortRecipe = recipe
        shortRecipe.epochs = 4
        let first = DetectorTrainer(recipe: shortRecipe, training: samples, validation: [], checkpointPath: dir + "/b.safetensors")
        try first.run(stoppingAfter: 2, report: { _ in })
        let second = DetectorTrainer(recipe: shortRecipe, training: samples, validation: [], checkpointPath: dir + "/b.safetensors")
        try second.resume()
        #expect(second.completedEpochs == 2)
        try second.run(report: { _ in })
        let a = straight.model.namedParameters(), b = second.model.namedParameters()
        #expect(a.count == b.count)
        for (x, y) in zip(a, b) { #expect(x.1.value == y.1.value, "\(x.0) differs after resume") }
    }

    @Test(arguments: [8, 4]) func modelFilesRoundTripAndWrongFilesAreRefused(outputStride: Int) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-detfile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = FlyDetector(FlyDetectorConfiguration(variant: .small, widthMultiplier: 0.5, inputSize: 64, neckChannels: 16,
                                                         outputStride: outputStride), seed: 4)
        try DetectorModelFile.save(model, threshold: 0.42, to: dir + "/m.safetensors")
        let (loaded, threshold) = try DetectorModelFile.load(dir + "/m.safetensors")
        #expect(threshold == 0.42 && loaded.configuration == model.configuration)
        // The configuration is written with sorted keys, so re-saving a model gives the same bytes.
        let json = try SafeTensorsFile.read(path: dir + "/m.safetensors").metadata["configuration"] ?? ""
        // Quoted words at odd positions of the split are the strings; the keys are those followed by ':'.
        let keys = json.split(separator: "\"").enumerated().compactMap { i, part in
            i % 2 == 1 && json.contains("\"\(part)\":") ? String(part) : nil
        }
        #expect(keys.count == 5 && keys == keys.sorted(), "configuration keys in order: \(keys)")
        var photo = RGBImage(width: 90, height: 70, fill: RGB(100, 120, 140))
        photo[10, 10] = .white
        #expect(model.outputMap([photo.resized(width: 64, height: 64)]) == loaded.outputMap([photo.resized(width: 64, height: 64)]))
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: dir + "/junk.safetensors"))
        #expect(throws: ModelFileError.self) { _ = try DetectorModelFile.load(dir + "/junk.safetensors") }
    }
}

@Suite struct DetectorPlanTests {
    /// A few training-mode passes move the batch-norm running statistics away from 0 / 1, so
    /// folding them into the plan's weights is really exercised; then the eval-mode graph's
    /// output and a fresh plan's on a new [2, 96, 64, 3] input.
    static func settledOutputs(_ detector: FlyDetector, rng: inout RandomSource) -> (input: Tensor, graph: Tensor, plan: DetectorPlan, compiled: Tensor) {
        detector.train()
        for _ in 0..<3 { _ = GradientRecording.withoutGradients { detector(Variable(Tensor.normal([2, 96, 64, 3], using: &rng))) } }
        detector.eval()
        let input = Tensor.normal([2, 96, 64, 3], using: &rng)
        let graph = GradientRecording.withoutGradients { detector(Variable(input)).value }
        let plan = DetectorPlan(detector)
        return (input, graph, plan, plan(input))
    }

    @Test(arguments: [8, 4]) func compiledPlanMatchesTheTrainingModelInEvalMode(outputStride: Int) {
        let detector = FlyDetector(FlyDetectorConfiguration(variant: .small, widthMultiplier: 0.5, inputSize: 96, neckChannels: 16,
                                                            outputStride: outputStride), seed: 5)
        var rng = RandomSource(seed: 6)
        let (input, reference, plan, compiled) = Self.settledOutputs(detector, rng: &rng)
        #expect(compiled.shape == [2, 96 / outputStride, 64 / outputStride, 5])
        #expect(compiled.maxAbsDifference(reference) < 1e-3 * max(1, reference.maxAbs), "plan vs eval model: \(compiled.maxAbsDifference(reference))")
        // The neck keeps its buffers between calls: a smaller batch, then the same one again,
        // must give what the model gives, not what a previous call left behind.
        let first = Tensor(shape: [1, 96, 64, 3], scalars: Array(input.scalars[0..<(96 * 64 * 3)]))
        let firstReference = GradientRecording.withoutGradients { detector(Variable(first)).value }
        let again = plan(first)
        #expect(again.shape == [1, 96 / outputStride, 64 / outputStride, 5])
        #expect(again.maxAbsDifference(firstReference) < 1e-3 * max(1, firstReference.maxAbs))
        #expect(plan(input) == compiled, "a second call gives the same map")
        // Training again drops the cached plan (its folded weights would be stale).
        _ = detector.outputMap([RGBImage(width: 64, height: 96)])
        #expect(detector.compiled != nil)
        detector.train()
        #expect(detector.compiled == nil)
    }
}
