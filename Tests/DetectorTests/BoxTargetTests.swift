import Autograd
import Datasets
import Foundation
import Models
import Tensors
import Testing
@testable import Detector

/// Which cells learn a fly's box (`boxTargets`), the relative size loss (`sizeLoss`), and the
/// heat-map peaks' radius (`peakRadiusScale`).
@Suite struct BoxTargetTests {
    /// A 96×64-px box at stride 8: 12×8 cells, centre (8.5, 7) in cell units, so cell (8, 7).
    let box = BoundingBox(x: 20, y: 24, width: 96, height: 64)

    @Test func centreTargetsTeachOneCellPerFly() {
        let t = CenterTargets.make(boxes: [box], outputSize: 16, stride: 8, boxCells: .centre)
        let weighted = (0..<256).filter { t.boxWeights.scalars[$0 * 4] != 0 }
        #expect(weighted == [7 * 16 + 8])
    }

    @Test func peakTargetsTeachEveryPeakCellInsideTheBox() {
        let t = CenterTargets.make(boxes: [box], outputSize: 16, stride: 8, boxCells: .peak)
        let radius = Int(CenterTargets.gaussianRadius(width: 12, height: 8, minimumOverlap: 0.7))
        var taught = 0
        for y in 0..<16 {
            for x in 0..<16 {
                let i = y * 16 + x
                let inWindow = abs(x - 8) <= radius && abs(y - 7) <= radius
                let inBox = abs(Double(x) + 0.5 - 8.5) <= 6 && abs(Double(y) + 0.5 - 7) <= 4
                let weight = t.boxWeights.scalars[i * 4]
                if inWindow && inBox {
                    taught += 1
                    // Weighted by the peak's value there (1 at the centre); the box is the same
                    // fly's, the offset points from the cell to the true centre.
                    #expect(weight == t.heatmap.scalars[i] && weight > 0, "cell (\(x), \(y))")
                    #expect(Array(t.box.scalars[i * 4..<i * 4 + 4]) == [12, 8, Float(8.5 - Double(x)), Float(7 - Double(y))],
                            "cell (\(x), \(y))")
                } else {
                    #expect(weight == 0, "cell (\(x), \(y)) is outside the peak or the box")
                }
            }
        }
        #expect(taught > 9)   // more than the centre and its eight neighbours: the point of `peak`
        #expect(t.boxWeights.scalars[(7 * 16 + 8) * 4] == 1)
    }

    /// Two flies side by side: each centre keeps its own box, and a cell between them goes to
    /// the fly whose peak is higher there (both peaks have radius 2 at 10×6 cells).
    @Test func sharedCellsGoToTheHigherPeak() {
        let left = BoundingBox(x: 12, y: 28, width: 80, height: 48)     // centre (6.5, 6.5) cells → cell (6, 6)
        let right = BoundingBox(x: 32, y: 28, width: 80, height: 48)    // centre (9, 6.5) → cell (9, 6)
        #expect(Int(CenterTargets.gaussianRadius(width: 10, height: 6, minimumOverlap: 0.7)) == 2)
        let t = CenterTargets.make(boxes: [left, right], outputSize: 16, stride: 8, boxCells: .peak)
        func offsetX(_ x: Int) -> Float { t.box.scalars[(6 * 16 + x) * 4 + 2] }
        #expect(offsetX(6) == 0.5 && offsetX(9) == 0)
        #expect(offsetX(7) == Float(6.5 - 7))   // 1 cell from the left centre, 2 from the right one
        #expect(offsetX(8) == Float(9 - 8))     // the reverse
        #expect(offsetX(5) == Float(6.5 - 5) && offsetX(11) == Float(9 - 11))
    }

    /// Size loss by hand: cell 0 (weight 1) predicts 5×1 for a 4×2 box, cell 1 (weight 0.5)
    /// 6×10 for 8×8. Absolute: (1·(1+1) + 0.5·(2+2)) / 3; relative: (1·(1/4 + 1/2) +
    /// 0.5·(2/8 + 2/8)) / 3, the divisor being the weight sum in both.
    @Test(arguments: [(DetectorRecipe.SizeLoss.absolute, Float(4) / 3), (.relative, Float(1) / 3)])
    func sizeLossByHand(sizeLoss: DetectorRecipe.SizeLoss, expected: Float) {
        var recipe = DetectorRecipe()
        recipe.model = FlyDetectorConfiguration(variant: .small, widthMultiplier: 0.5, inputSize: 64, neckChannels: 8)
        recipe.sizeLoss = sizeLoss
        recipe.sizeWeight = 1
        recipe.offsetWeight = 0
        let trainer = DetectorTrainer(recipe: recipe, training: [], validation: [], checkpointPath: "/nonexistent/unused")
        let batch = DetectorBatch(input: Tensor(shape: [1, 1, 1, 3]), heatmap: Tensor(shape: [2, 1], scalars: [1, 1]),
                                  box: Tensor(shape: [2, 4], scalars: [4, 2, 0, 0, 8, 8, 0, 0]),
                                  boxWeights: Tensor(shape: [2, 4], scalars: [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5]), objects: 2)
        let output = Variable(Tensor(shape: [2, 5], scalars: [3, 5, 1, 0, 0, 3, 6, 10, 0, 0]))
        let (total, heat) = trainer.detectorLoss(output, batch)
        #expect(abs(total.value.scalars[0] - heat - expected) < 1e-5)
    }

    /// `peakRadiusScale` shrinks the Gaussian peaks: at 0.5 the radius is half CenterNet's
    /// (rounded down), the centre stays 1, and the cells off the smaller peak are plain negatives.
    @Test func peakRadiusScaleSharpensThePeaks() {
        let radius = Int(CenterTargets.gaussianRadius(width: 12, height: 8, minimumOverlap: 0.7))
        #expect(radius >= 2, "the test needs a peak that halving changes")
        for (scale, expected) in [(1.0, radius), (0.5, Int(CenterTargets.gaussianRadius(width: 12, height: 8, minimumOverlap: 0.7) * 0.5)),
                                  (0.1, 0)] {
            let t = CenterTargets.make(boxes: [box], outputSize: 16, stride: 8, radiusScale: scale)
            let positive = (0..<256).filter { t.heatmap.scalars[$0] > 0 }
            #expect(positive.count == (2 * expected + 1) * (2 * expected + 1), "scale \(scale)")
            #expect(t.heatmap.scalars[7 * 16 + 8] == 1)
        }
    }

    /// `peakCentre: exact` centres the Gaussian on the true centre: a fly whose centre lies
    /// near the right edge of its cell gives the cell to the right nearly the value of its own
    /// (which stays the one positive, 1); `cell` gives both neighbours the same lower value.
    @Test func exactPeakCentresFavourTheNearerNeighbour() {
        // Centre x = 9.9 cells (cell 9, 0.4 from its centre, 0.6 from cell 10's), y = 7.5.
        let nearEdge = BoundingBox(x: 9.9 * 8 - 48, y: 7.5 * 8 - 32, width: 96, height: 64)
        let cell = CenterTargets.make(boxes: [nearEdge], outputSize: 20, stride: 8, peakCentre: .cell)
        let exact = CenterTargets.make(boxes: [nearEdge], outputSize: 20, stride: 8, peakCentre: .exact)
        let row = 7 * 20
        for t in [cell, exact] { #expect(t.heatmap.scalars[row + 9] == 1) }
        #expect(cell.heatmap.scalars[row + 10] == cell.heatmap.scalars[row + 8])
        #expect(exact.heatmap.scalars[row + 10] > cell.heatmap.scalars[row + 10])
        #expect(exact.heatmap.scalars[row + 10] > exact.heatmap.scalars[row + 8])
        // With σ from the radius: exp(−0.6² / 2σ²) to the right, exp(−1.4² / 2σ²) to the left.
        let radius = Int(CenterTargets.gaussianRadius(width: 12, height: 8, minimumOverlap: 0.7))
        let sigma = Double(2 * radius + 1) / 6
        #expect(abs(Double(exact.heatmap.scalars[row + 10]) - exp(-0.36 / (2 * sigma * sigma))) < 1e-6)
        #expect(abs(Double(exact.heatmap.scalars[row + 8]) - exp(-1.96 / (2 * sigma * sigma))) < 1e-6)
    }

    /// The optional fields appear in the recipe's encoding (its checkpoint fingerprint) only
    /// when set, so checkpoints from before they existed still resume; config files read them.
    @Test func recipeFieldsReadAndStayOutOfDefaultFingerprints() throws {
        let encoded = String(decoding: try JSONEncoder().encode(DetectorRecipe()), as: UTF8.self)
        #expect(!encoded.contains("boxTargets") && !encoded.contains("sizeLoss") && !encoded.contains("peakRadiusScale")
                && !encoded.contains("peakCentre") && encoded.contains("sizeWeight"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-boxtargets-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = dir + "/good.json", bad = dir + "/bad.json"
        try Data(#"{"boxTargets": "peak", "sizeLoss": "relative", "peakRadiusScale": 0.5, "peakCentre": "exact"}"#.utf8).write(to: URL(fileURLWithPath: good))
        try Data(#"{"boxTargets": "edges"}"#.utf8).write(to: URL(fileURLWithPath: bad))
        let recipe = try DetectorRecipe.read(path: good)
        #expect(recipe.boxTargets == .peak && recipe.sizeLoss == .relative && recipe.peakRadiusScale == 0.5 && recipe.peakCentre == .exact)
        let round = try JSONDecoder().decode(DetectorRecipe.self, from: try JSONEncoder().encode(recipe))
        #expect(round == recipe)
        #expect(throws: ModelFileError.self) { _ = try DetectorRecipe.read(path: bad) }
        do { _ = try DetectorRecipe.read(path: bad) } catch { #expect("\(error)".hasPrefix(bad)) }
        try Data(#"{"peakRadiusScale": 0}"#.utf8).write(to: URL(fileURLWithPath: bad))
        do { _ = try DetectorRecipe.read(path: bad); Issue.record("a zero radius must be refused") } catch {
            #expect("\(error)".contains("peakRadiusScale"))
        }
    }
}
