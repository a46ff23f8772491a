import Autograd
import Compression
import Layers
import Quantization
import Tensors
import Testing

/// The compression methods' weight quantisers against hand-worked values and finite
/// differences, and their export to compressed tensors against their own forward pass.
@Suite struct QuantizerTests {
    static func tensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
        var rng = RandomSource(seed: seed)
        return Tensor.uniform(shape, low: low, high: high, using: &rng)
    }

    // MARK: INQ

    @Test func powerOfTwoFollowsThePapersRule() {
        let q = PowerOfTwoQuantizer(bits: 5)
        // max |w| = 0.9 → n₁ = ⌊log₂(1.2)⌋ = 0; 5 bits → n₂ = 0 + 1 − 8 = −7.
        let w = Tensor(shape: [8], scalars: [0.9, -0.74, 0.3, 0.2, -0.01, 0.0039, 0.0038, 0.5])
        q.quantizeLargest(portion: 1, of: w)
        #expect(q.largestExponent == 0 && q.smallestExponent == -7)
        // 0.9 ≥ 0.75 → 1; 0.74 ∈ [0.375, 0.75) → 0.5; 0.3 → 0.25; 0.2 ∈ [0.1875, 0.375) → 0.25;
        // 0.01 ∈ [0.009375, 0.01875) → 2⁻⁷ = 0.0078125; 0.0039 ≥ 2⁻⁷/2 = 0.00390625? no → 0; 0.5 → 0.5.
        #expect(q.fixedValues.scalars == [1, -0.5, 0.25, 0.25, -0.0078125, 0, 0, 0.5])
        #expect(q.fixedValues.scalars.map { q.level($0) } == [8, -7, 6, 6, -1, 0, 0, 7])
        #expect(q.quantize(0.00390625) == 0.0078125, "the boundary (α + β)/2 belongs to β")
    }

    @Test func powerOfTwoFixesTheLargestFirstAndFreezesThem() {
        let q = PowerOfTwoQuantizer(bits: 4)
        let w = Variable(Tensor(shape: [2, 4], scalars: [0.05, -0.8, 0.3, 0.01, -0.4, 0.2, 0.6, -0.02]), requiresGrad: true)
        #expect(q(w).value == w.value, "nothing fixed yet: the float weight passes")
        q.quantizeLargest(portion: 0.5, of: w.value)
        // The four largest magnitudes: 0.8, 0.6, 0.4, 0.3.
        #expect(q.fixed.scalars == [0, 1, 1, 0, 1, 0, 1, 0])
        let y = q(w)
        #expect(y.value.scalars == [0.05, -1, 0.25, 0.01, -0.5, 0.2, 0.5, -0.02])
        y.backward(seed: Tensor(shape: [2, 4], repeating: 1))
        #expect(w.grad!.scalars == [1, 0, 0, 1, 0, 1, 0, 1], "fixed weights get no gradient")
        q.quantizeLargest(portion: 0.75, of: w.value)
        // Then the next two largest of the float ones: 0.2 and 0.05.
        #expect(q.fixedPortion == 0.75 && q.fixed.scalars == [1, 1, 1, 0, 1, 1, 1, 0])
    }

    // MARK: batch-norm folding

    @Test func foldedQuantizerIsTheFoldedIntegerLayer() throws {
        let bn = BatchNorm2D(channels: 3)
        bn.gamma.value = Tensor(shape: [3], scalars: [1.5, -0.7, 0.2])
        bn.beta.value = Tensor(shape: [3], scalars: [0.1, -0.2, 0.3])
        bn.statistics.runningMean = Tensor(shape: [3], scalars: [0.5, -1, 2])
        bn.statistics.runningVariance = Tensor(shape: [3], scalars: [4, 0.25, 1])
        let folded = BatchNormFoldedQuantizer(inner: FakeQuantizer(method: .minMax, bits: 4, perChannel: true, signed: true), batchNorm: bn,
                                              freezeStatistics: true)
        #expect(bn.frozenStatistics)
        let w = Self.tensor([3, 1, 1, 2], seed: 3)
        let y = folded(Variable(w)).value
        // By hand: k = γ/√(σ²+ε); the folded weight w·k quantised per channel (scale max|w·k|/7), divided by k.
        for c in 0..<3 {
            let k = bn.gamma.value.scalars[c] / (bn.statistics.runningVariance.scalars[c] + bn.epsilon).squareRoot()
            let row = (0..<2).map { w.scalars[c * 2 + $0] * k }
            let scale = row.map(abs).max()! / 7
            for j in 0..<2 {
                let expected = (row[j] / scale).rounded() * scale / k
                #expect(abs(y.scalars[c * 2 + j] - expected) < 1e-5, "channel \(c)")
            }
        }
        // Exported grid: decoding gives the forward's weights (a negative γ flips levels, scales stay positive).
        let grid = folded.levels(of: w)
        let decoded = try CompressedTensor(shape: w.shape, bits: 4, grid: .uniform(scales: grid.scales), levels: grid.levels).decoded()
        #expect(zip(decoded, y.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func foldedLSQPassesGradientsToWeightAndStepOnly() {
        let bn = BatchNorm2D(channels: 2)
        bn.statistics.runningVariance = Tensor(shape: [2], scalars: [2, 0.5])
        bn.gamma.value = Tensor(shape: [2], scalars: [0.8, 1.2])
        let folded = BatchNormFoldedQuantizer(inner: FakeQuantizer(method: .learned, bits: 8, perChannel: true, signed: true), batchNorm: bn)
        let w = Variable(Self.tensor([2, 3], seed: 4), requiresGrad: true)
        let y = folded(w)
        y.backward(seed: Self.tensor([2, 3], seed: 5))
        #expect(w.grad != nil && folded.inner.step?.grad != nil)
        #expect(bn.gamma.grad == nil, "γ trains through the batch norm, not through the fold")
        #expect(folded.inner.step!.grad!.scalars.contains { $0 != 0 })
        // The step's gradient is k² times LSQ's on the folded weights (k = γ/√(σ² + ε)).
        let k = (0..<2).map { bn.gamma.value.scalars[$0] / (bn.statistics.runningVariance.scalars[$0] + bn.epsilon).squareRoot() }
        let foldedWeights = Variable(Tensor(shape: [2, 3], scalars: (0..<6).map { w.value.scalars[$0] * k[$0 / 3] }))
        let step = Variable(folded.inner.step!.value, requiresGrad: true)
        let seed = Self.tensor([2, 3], seed: 5)
        lsqQuantize(foldedWeights, step: step, range: folded.inner.range, gradientScale: 1 / (3 * Float(127)).squareRoot())
            .backward(seed: Tensor(shape: [2, 3], scalars: (0..<6).map { seed.scalars[$0] / k[$0 / 3] }))
        for c in 0..<2 {
            let expected = step.grad!.scalars[c] * k[c] * k[c]
            #expect(abs(folded.inner.step!.grad!.scalars[c] - expected) <= 1e-4 * max(abs(expected), 1e-3), "channel \(c)")
        }
    }

    // MARK: SQS

    @Test func sparseMixedPrecisionMasksTheSmallestAndMixesTheBranches() throws {
        var settings = SparseMixedPrecisionQuantizer.Settings()
        settings.initialSparsity = 0.25
        settings.warmupSteps = 1_000   // keep α, β still: this test reads their gradients
        settings.storageWeight = 0
        settings.l1 = 0
        let q = SparseMixedPrecisionQuantizer(share: 1, settings: settings)
        let w = Self.tensor([4, 8], seed: 6)
        let mask = w.scalars.map { abs($0) > w.scalars.map(abs).sorted()[7] ? Float(1) : 0 }
        #expect(mask.filter { $0 == 0 }.count == 8, "ρ = 0.25 of 32 values masked")
        let y = q(Variable(w)).value
        // Uniform α: the mean of the six branches of the masked weight.
        var expected = [Float](repeating: 0, count: 32)
        for bits in SparseMixedPrecisionQuantizer.candidates {
            let qmax = Float((1 << (bits - 1)) - 1)
            for c in 0..<4 {
                let row = (0..<8).map { w.scalars[c * 8 + $0] * mask[c * 8 + $0] }
                let s = row.map(abs).max()! / qmax
                for j in 0..<8 { expected[c * 8 + j] += (row[j] / s).rounded() * s / 6 }
            }
        }
        #expect(zip(y.scalars, expected).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func bitChoiceGradientMatchesFiniteDifferences() {
        var settings = SparseMixedPrecisionQuantizer.Settings()
        settings.warmupSteps = 1_000
        settings.storageWeight = 0
        let q = SparseMixedPrecisionQuantizer(share: 1, settings: settings)
        let w = Self.tensor([3, 5], seed: 7)
        let g = Self.tensor([3, 5], seed: 8)
        let alpha0 = [Float](arrayLiteral: 0.3, -0.2, 0.1, 0.5, -0.4, 0.0)
        func loss(_ alpha: [Float]) -> Double {
            q.alpha.value = Tensor(shape: [6], scalars: alpha)
            let y = GradientRecording.withoutGradients { q(Variable(w)).value }
            return zip(y.scalars, g.scalars).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        }
        q.alpha.value = Tensor(shape: [6], scalars: alpha0)
        let y = q(Variable(w, requiresGrad: true))
        y.backward(seed: g)
        let analytic = q.lastChoiceGradients!.alpha
        for j in 0..<6 {
            var plus = alpha0, minus = alpha0
            plus[j] += 1e-2; minus[j] -= 1e-2
            let numeric = Float((loss(plus) - loss(minus)) / 2e-2)
            #expect(abs(numeric - analytic[j]) < 1e-3, "α[\(j)]: \(numeric) vs \(analytic[j])")
        }
    }

    @Test func fixedLayerKeepsTheArgmaxWidthAndExportsItsForward() throws {
        var settings = SparseMixedPrecisionQuantizer.Settings()
        settings.initialSparsity = 0.5
        let q = SparseMixedPrecisionQuantizer(share: 1, settings: settings)
        q.alpha.value = Tensor(shape: [6], scalars: [0, 2, 0, 0, 0, 0])   // 4 bits wins
        let w = Self.tensor([2, 10], seed: 9)
        q.fix(weight: w)
        #expect(q.isFixed && q.chosenBits == 4)
        let x = Variable(w, requiresGrad: true)
        let y = q(x)
        #expect(y.value.scalars.filter { $0 == 0 }.count >= 10, "half the values masked")
        y.backward(seed: Tensor(shape: [2, 10], repeating: 1))
        #expect(x.grad!.scalars == q.fixedMask.scalars, "the mask stays frozen: masked values get no gradient")
        let grid = q.levels(of: w)
        let t = try CompressedTensor(shape: w.shape, bits: grid.bits, grid: .uniform(scales: grid.scales), levels: grid.levels)
        #expect(zip(t.decoded(), y.value.scalars).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(t.sparsity >= 0.5)
    }
}
