import Foundation
import Autograd
import TensorKernels
import Tensors
import Testing

/// Finite-difference checks for what ../shared/golden does not cover.
@Suite struct GradientCheckTests {
    @Test func focalLoss() {
        var targets = Tensor(shape: [4, 5])
        for i in stride(from: 0, to: 20, by: 3) { targets.scalars[i] = 1 }
        checkGradients([random([4, 5], seed: 1, low: -3, high: 3)]) { v in
            Loss.focal(v[0], targets: targets, alpha: 0.25, gamma: 2, normalizer: 3)
        }
        checkGradients([random([4, 5], seed: 2, low: -3, high: 3)]) { v in
            Loss.focal(v[0], targets: targets, alpha: 0.5, gamma: 0)
        }
    }

    @Test func focalLossWithGammaZeroIsWeightedBCE() {
        // With γ = 0 and α = 0.5 the focal loss is 0.5·BCE summed: an independent cross-check.
        let logits = random([3, 4], seed: 3, low: -4, high: 4)
        var targets = Tensor(shape: [3, 4])
        targets.scalars[1] = 1; targets.scalars[6] = 1
        let focal = Loss.focal(Variable(logits), targets: targets, alpha: 0.5, gamma: 0).value.scalars[0]
        let bce = Loss.bceWithLogits(Variable(logits), targets: targets).value.scalars[0]
        #expect(abs(focal - 0.5 * bce * 12) < 1e-5)
    }

    @Test func softmaxCrossEntropy() {
        checkGradients([random([3, 5], seed: 4, low: -2, high: 2)]) { v in
            Loss.softmaxCrossEntropy(v[0], labels: [0, 4, 2])
        }
    }

    @Test func mseAndWeightedMSE() {
        let targets = random([2, 6], seed: 5)
        var weights = Tensor(shape: [2, 6], repeating: 1)
        weights.scalars[3] = 0
        checkGradients([random([2, 6], seed: 6)]) { v in Loss.mse(v[0], targets: targets, weights: weights) }
    }

    @Test func nearestAndBilinearUpsampling() {
        checkGradients([random([2, 3, 4, 5], seed: 8)]) { v in weightedSum(upsample2x(v[0])) }
        checkGradients([random([2, 3, 4, 5], seed: 9)]) { v in weightedSum(upsample2x(v[0], bilinear: true)) }
    }

    @Test func spatialSoftArgmaxGradients() {
        checkGradients([random([2, 3, 4, 3], seed: 13, low: -2, high: 2)]) { v in weightedSum(spatialSoftArgmax(v[0])) }
        let cells = MapCellSize(stride: 16, inputHeight: 40, inputWidth: 56)   // 3 × 4 cells hanging over the edge
        checkGradients([random([2, 3, 4, 3], seed: 16, low: -2, high: 2)]) { v in weightedSum(spatialSoftArgmax(v[0], cellSize: cells)) }
    }

    @Test func mapCellsCanHangOverTheImageEdge() {
        // A stride-16 map of an 88-px input has 6 cells a side, the last one past the edge: cell
        // (row 0, column 5) sits at x = 5.5 · 16 / 88 = 1.0, y = 0.5 · 16 / 88 — not at 5.5 / 6.
        var peak = Tensor(shape: [1, 6, 6, 1])
        peak.scalars[5] = 40
        let cells = MapCellSize(stride: 16, inputHeight: 88, inputWidth: 88)
        let p = spatialSoftArgmax(Variable(peak), cellSize: cells).value.scalars
        #expect(abs(p[0] - 1.0) < 1e-5 && abs(p[1] - 8.0 / 88) < 1e-5, "\(p)")
        // The same on a whole-image grid (an input of 96 px): the default cells of 1/6.
        let whole = spatialSoftArgmax(Variable(peak), cellSize: MapCellSize(stride: 16, inputHeight: 96, inputWidth: 96)).value.scalars
        let byDefault = spatialSoftArgmax(Variable(peak)).value.scalars
        #expect(abs(whole[0] - byDefault[0]) < 1e-6 && abs(byDefault[0] - 5.5 / 6) < 1e-5)
        // The point-pair moments scale with the cells: two peaks 5 cells apart are 5 · 16 / 88 apart.
        var twin = Tensor(shape: [1, 6, 6, 1])
        twin.scalars[0] = 40; twin.scalars[5] = 40
        let pair = spatialSoftPointPair(Variable(twin), cellSize: cells).value.scalars
        #expect(abs(pair[0] - 3.0 * 16 / 88) < 1e-5 && abs(pair[2] - 5.0 * 16 / 88) < 1e-4, "\(pair)")
    }

    @Test func spatialSoftArgmaxByHand() {
        // Equal logits: the map's centre. One cell far above the rest: that cell's centre.
        let flat = spatialSoftArgmax(Variable(Tensor(shape: [1, 3, 4, 1], repeating: 0.7))).value.scalars
        #expect(abs(flat[0] - 0.5) < 1e-6 && abs(flat[1] - 0.5) < 1e-6)
        var peaked = Tensor(shape: [1, 3, 4, 2])
        peaked.scalars[(1 * 4 + 3) * 2 + 0] = 40      // channel 0: row 1, column 3 → (3.5/4, 1.5/3)
        peaked.scalars[(2 * 4 + 0) * 2 + 1] = 40      // channel 1: row 2, column 0 → (0.5/4, 2.5/3)
        let p = spatialSoftArgmax(Variable(peaked)).value.scalars
        #expect(abs(p[0] - 0.875) < 1e-5 && abs(p[1] - 0.5) < 1e-5)
        #expect(abs(p[2] - 0.125) < 1e-5 && abs(p[3] - 2.5 / 3) < 1e-5)
        // Two equal peaks: their midpoint (the wing-tip midpoint of a two-peak wing map).
        var twin = Tensor(shape: [1, 3, 4, 1])
        twin.scalars[0 * 4 + 0] = 40; twin.scalars[2 * 4 + 3] = 40
        let m = spatialSoftArgmax(Variable(twin)).value.scalars
        #expect(abs(m[0] - 0.5) < 1e-5 && abs(m[1] - 0.5) < 1e-5)
    }

    @Test func spatialSoftPointPairGradients() {
        checkGradients([random([2, 3, 4, 2], seed: 14, low: -2, high: 2)]) { v in weightedSum(spatialSoftPointPair(v[0])) }
        // A sharper map (variances near the grid's resolution), where the square roots bend most.
        checkGradients([random([1, 3, 4, 1], seed: 15, low: -5, high: 5)]) { v in weightedSum(spatialSoftPointPair(v[0])) }
        let cells = MapCellSize(width: 0.3, height: 0.25)
        checkGradients([random([2, 3, 4, 2], seed: 17, low: -2, high: 2)]) { v in weightedSum(spatialSoftPointPair(v[0], cellSize: cells)) }
    }

    @Test func orderFreePairCodeGradients() {
        // Points whose differences stay clear of 0 (|·| has a kink there) by more than the step.
        let points = Tensor(shape: [3, 4], scalars: [0.2, 0.3, 0.6, 0.8, 0.7, 0.1, 0.3, 0.55, 0.5, 0.9, 0.15, 0.4])
        for tau: Float in [0.5, 0.1] {
            checkGradients([points]) { v in weightedSum(orderFreePairCode(v[0], tau: tau)) }
        }
    }

    @Test func orderFreePairCodeByHand() {
        // Tips (0.2, 0.3) and (0.6, 0.8): midpoint (0.4, 0.55), spreads 0.4 and 0.5, same-sign
        // differences → e = σ(0.2 / 0.01) ≈ 1. Swapped: the same code. Mirrored in y: e ≈ 0.
        let code = orderFreePairCode(Variable(Tensor(shape: [3, 4], scalars: [0.2, 0.3, 0.6, 0.8, 0.6, 0.8, 0.2, 0.3, 0.2, 0.8, 0.6, 0.3]))).value.scalars
        let expected: [Float] = [0.4, 0.55, 0.4, 0.5, 1]
        for j in 0..<5 {
            #expect(abs(code[j] - expected[j]) < 1e-5 && abs(code[5 + j] - expected[j]) < 1e-5, "\(code)")
            #expect(abs(code[10 + j] - (j == 4 ? 0 : expected[j])) < 1e-5, "\(code)")
        }
        // Decoding the code gives the two tips back (KeypointEncoding's rule: e ≥ ½ ⇔ same sign).
        let decodedSameSign = code[4] >= 0.5, decodedMirrored = code[14] >= 0.5
        #expect(decodedSameSign && !decodedMirrored)
    }

    @Test func spatialSoftPointPairReadsTwoPeaksAsTheWingCode() {
        // Two equal peaks at cells (row 0, col 0) and (row 2, col 3) of a 3 × 4 map: centres
        // (0.125, 1/6) and (0.875, 5/6) → midpoint (0.5, 0.5), |Δx| = 0.75, |Δy| = 2/3, and both
        // differences of one sign → e = 1. The other diagonal → e = 0, the same a…d.
        func code(_ cellA: Int, _ cellB: Int) -> [Float] {
            var map = Tensor(shape: [1, 3, 4, 1])
            map.scalars[cellA] = 40; map.scalars[cellB] = 40
            return spatialSoftPointPair(Variable(map)).value.scalars
        }
        for (cells, e) in [((0, 2 * 4 + 3), Float(1)), ((0 * 4 + 3, 2 * 4 + 0), Float(0))] {
            let v = code(cells.0, cells.1)
            #expect(v.count == 5)
            #expect(abs(v[0] - 0.5) < 1e-5 && abs(v[1] - 0.5) < 1e-5, "\(v)")
            #expect(abs(v[2] - 0.75) < 1e-4 && abs(v[3] - 2.0 / 3) < 1e-4, "\(v)")
            #expect(abs(v[4] - e) < 1e-4, "\(v)")
        }
        // One peak: both tips on it, spreads 2√ε.
        let single = code(5, 5)
        #expect(abs(single[2] - 0.002) < 1e-4 && abs(single[3] - 0.002) < 1e-4, "\(single)")
    }

    @Test func maxPool() {
        // Distinct values spaced more than the finite-difference step, so no tie flips.
        var x = Tensor(shape: [1, 5, 6, 3])
        var rng = RandomSource(seed: 10)
        var values = (0..<x.count).map { Float($0) * 0.1 }
        values.shuffle(using: &rng)
        x.scalars = values
        checkGradients([x]) { v in weightedSum(maxPool2d(v[0], kernel: 3, stride: 2, padding: 1)) }
    }

    @Test func concatAndScaleChannels() {
        checkGradients([random([2, 3, 3, 4], seed: 11), random([2, 3, 3, 2], seed: 12)]) { v in
            weightedSum(concatChannels([v[0], v[1]]))
        }
        checkGradients([random([2, 3, 3, 4], seed: 13), random([2, 1, 1, 4], seed: 14)]) { v in
            weightedSum(scaleChannels(v[0], by: v[1]))
        }
    }

    @Test func sliceChannelsPassesGradientToTheSlicedChannelsOnly() {
        checkGradients([random([2, 3, 3, 5], seed: 41)]) { v in weightedSum(sliceChannels(v[0], 1..<4)) }
        let x = Variable(random([1, 2, 2, 5], seed: 42))
        let y = sliceChannels(x, 3..<5)
        #expect(y.shape == [1, 2, 2, 2])
        #expect(y.value.scalars[0] == x.value.scalars[3] && y.value.scalars[7] == x.value.scalars[19])
    }

    @Test func relu6AndEvalBatchNorm() {
        checkGradients([random([2, 3, 3, 4], seed: 15, low: 0.5, high: 5.5)]) { v in weightedSum(relu6(v[0])) }
        let statistics = BatchNormStatistics(channels: 4)
        statistics.runningMean = random([4], seed: 16)
        statistics.runningVariance = random([4], seed: 17, low: 0.5, high: 2)
        checkGradients([random([2, 3, 3, 4], seed: 18), random([4], seed: 19), random([4], seed: 20)]) { v in
            weightedSum(batchNorm(v[0], gamma: v[1], beta: v[2], statistics: statistics, training: false, epsilon: 1e-3))
        }
    }

    @Test func dropoutScalesKeptValuesAndPassesGradientsThroughTheMask() {
        var rng = RandomSource(seed: 21)
        let x = Variable(Tensor(shape: [1000], repeating: 1), requiresGrad: true)
        let y = dropout(x, probability: 0.25, training: true, rng: &rng)
        let kept = y.value.scalars.filter { $0 != 0 }
        #expect(kept.allSatisfy { abs($0 - 1 / 0.75) < 1e-6 })
        #expect(abs(Double(kept.count) / 1000 - 0.75) < 0.05)
        y.backward()
        #expect(x.grad!.scalars == y.value.scalars)   // mask · scale, same as the forward
        var eval = RandomSource(seed: 21)
        #expect(dropout(x, probability: 0.25, training: false, rng: &eval) === x)
    }

    @Test func depthwiseConvolutionWithDilationAndOddSizes() {
        checkGradients([random([2, 7, 6, 5], seed: 22), random([5, 3, 3, 1], seed: 23), random([5], seed: 24)]) { v in
            weightedSum(conv2d(v[0], weight: v[1], bias: v[2], stride: 2, padding: 2, dilation: 2, groups: 5))
        }
    }
}

@Suite struct DetectionLossGradientTests {
    @Test func centerNetFocalLoss() {
        var heatmap = random([1, 4, 5, 1], seed: 30, low: 0, high: 0.9)
        heatmap.scalars[7] = 1
        heatmap.scalars[13] = 1
        checkGradients([random([1, 4, 5, 1], seed: 31, low: -3, high: 3)]) { v in
            Loss.centerNetFocal(v[0], heatmap: heatmap, normalizer: 2)
        }
    }

    @Test func qualityFocalLoss() {
        let targets = random([1, 4, 5, 1], seed: 32, low: 0, high: 1)
        checkGradients([random([1, 4, 5, 1], seed: 33, low: -3, high: 3)]) { v in
            Loss.qualityFocal(v[0], targets: targets, normalizer: 2)
        }
    }

    /// Its minimum is the soft target itself: zero loss at p = y, more anywhere else.
    @Test func qualityFocalLossIsZeroExactlyAtTheTarget() {
        let y: [Float] = [0.1, 0.37, 0.8, 0.95]
        let atTarget = Tensor(shape: [4, 1], scalars: y.map { Foundation.log($0 / (1 - $0)) })
        let zero = Loss.qualityFocal(Variable(atTarget), targets: Tensor(shape: [4, 1], scalars: y), normalizer: 1).value.scalars[0]
        #expect(abs(zero) < 1e-6)
        for shift: Float in [-0.5, 0.5] {
            let moved = Tensor(shape: [4, 1], scalars: atTarget.scalars.map { $0 + shift })
            #expect(Loss.qualityFocal(Variable(moved), targets: Tensor(shape: [4, 1], scalars: y), normalizer: 1).value.scalars[0] > 1e-4)
        }
    }

    @Test func maskedL1() {
        var weights = Tensor(shape: [2, 3])
        weights.scalars[1] = 1; weights.scalars[4] = 0.5
        // Values kept away from the kink at prediction = target.
        checkGradients([Tensor(shape: [2, 3], scalars: [0.3, 1.5, -2, 0.7, -0.4, 2])]) { v in
            Loss.maskedL1(v[0], targets: Tensor(shape: [2, 3], scalars: [0, 1, 0, 0, 0.2, 0]), weights: weights)
        }
        checkGradients([Tensor(shape: [2, 3], scalars: [0.3, 1.5, -2, 0.7, -0.4, 2])]) { v in
            Loss.maskedL1(v[0], targets: Tensor(shape: [2, 3], scalars: [0, 1, 0, 0, 0.2, 0]), weights: weights, normalizer: 4)
        }
    }

    /// The normalizer replaces the weight sum: (1·|1.5 − 1| + 0.5·|−0.4 − 0.2|) / 4.
    @Test func maskedL1WithNormalizer() {
        var weights = Tensor(shape: [2, 3])
        weights.scalars[1] = 1; weights.scalars[4] = 0.5
        let loss = Loss.maskedL1(Variable(Tensor(shape: [2, 3], scalars: [0.3, 1.5, -2, 0.7, -0.4, 2])),
                                 targets: Tensor(shape: [2, 3], scalars: [0, 1, 0, 0, 0.2, 0]), weights: weights, normalizer: 4)
        #expect(abs(loss.value.scalars[0] - 0.2) < 1e-6)
    }
}
