import Autograd
import Architectures
import Layers
import Models
import Optimizers
import Tensors
import Testing

/// Fake quantisation for compression-aware training: values on the integer grid, the
/// straight-through and LSQ gradients (Esser et al., ICLR 2020) against their formulas worked
/// by hand, quantisers attached to layers, and a learned step that actually learns.
@Suite struct FakeQuantizeTests {
    @Test func fixedScaleRoundsClipsAndPassesGradientsOnlyInside() {
        // scale 0.5, zero point 2, range 0…7: representable reals are −1.0 … 2.5 in steps of 0.5.
        let x = Variable(Tensor(shape: [6], scalars: [-3, -0.74, 0.26, 1.1, 2.5, 9]), requiresGrad: true)
        let y = fakeQuantize(x, scales: [0.5], zeroPoints: [2], range: 0...7)
        #expect(y.value.scalars == [-1, -0.5, 0.5, 1.0, 2.5, 2.5])
        y.backward(seed: Tensor(shape: [6], scalars: [1, 2, 3, 4, 5, 6]))
        #expect(x.grad!.scalars == [0, 2, 3, 4, 5, 0], "clipped values get no gradient")
    }

    @Test func lsqMatchesThePapersGradientsPerTensorAndPerChannel() {
        // One step s = 0.5 over range −3…3 (3-bit signed). v̄ = v/s = −4, −1.3, 0.2, 0.9, 6.
        let x = Variable(Tensor(shape: [5], scalars: [-2, -0.65, 0.1, 0.45, 3]), requiresGrad: true)
        let s = Variable(Tensor(shape: [1], scalars: [0.5]), requiresGrad: true)
        let y = lsqQuantize(x, step: s, range: -3...3, gradientScale: 0.25)
        #expect(y.value.scalars == [-1.5, -0.5, 0, 0.5, 1.5])
        y.backward(seed: Tensor(shape: [5], scalars: [1, 1, 1, 1, 1]))
        #expect(x.grad!.scalars == [0, 1, 1, 1, 0])
        // ∂v̂/∂s: −3 (clipped low), round(−1.3) + 1.3 = 0.3, 0 − 0.2 = −0.2, 1 − 0.9 = 0.1, 3 (clipped high).
        let expected: Float = (-3 + 0.3 - 0.2 + 0.1 + 3) * 0.25
        #expect(abs(s.grad!.scalars[0] - expected) < 1e-6, "\(s.grad!.scalars[0]) vs \(expected)")

        // Two channels along axis 0 with their own steps.
        let w = Variable(Tensor(shape: [2, 2], scalars: [0.3, -0.9, 0.3, -0.9]), requiresGrad: true)
        let steps = Variable(Tensor(shape: [2], scalars: [0.2, 0.4]), requiresGrad: true)
        let q = lsqQuantize(w, step: steps, range: -1...1, gradientScale: 1)
        // Channel 0: v̄ = 1.5 → clip 1 → 0.2; −4.5 → −1 → −0.2. Channel 1: 0.75 → 1 → 0.4; −2.25 → −1 → −0.4.
        #expect(q.value.scalars.enumerated().allSatisfy { abs($0.element - [0.2, -0.2, 0.4, -0.4][$0.offset]) < 1e-6 })
        q.backward(seed: Tensor(shape: [2, 2], scalars: [1, 1, 1, 1]))
        #expect(abs(steps.grad!.scalars[0] - (1 + -1)) < 1e-6)          // both clipped: +1 and −1
        #expect(abs(steps.grad!.scalars[1] - ((1 - 0.75) + -1)) < 1e-6)   // inside, then clipped
    }

    @Test func quantisersAttachToLayersAndJoinTheirState() {
        var rng = RandomSource(seed: 4)
        let conv = Conv2D(inChannels: 3, outChannels: 4, kernel: 3, padding: 1, rng: &rng)
        let x = Variable(.normal([2, 5, 5, 3], using: &rng))
        let float = conv(x).value
        let weightQuantizer = FakeQuantizer(method: .learned, bits: 4, perChannel: true, signed: true)
        weightQuantizer.stepInitialisation = .paper
        conv.weightQuantizer = weightQuantizer
        conv.outputQuantizer = FakeQuantizer(method: .movingAverage, bits: 8, perChannel: false, signed: false)
        let quantised = conv(x).value
        #expect(quantised.maxAbsDifference(float) > 0, "4-bit weights change the output")
        #expect(quantised.maxAbsDifference(float) < 0.5 * float.maxAbs, "but keep it close")
        let names = conv.namedParameters().map(\.0)
        #expect(names == ["weight", "bias", "weight_quantizer.step"] || names == ["weight", "weight_quantizer.step"], "\(names)")
        let state = conv.stateEntries().map(\.name)
        #expect(state.contains("output_quantizer.running_min") && state.contains("output_quantizer.running_max"))
        // The LSQ initial step: 2·mean|w|/√Qp per output channel (Qp = 7 for 4 bits).
        let step = (conv.weightQuantizer as! FakeQuantizer).step!.value.scalars
        let w = conv.weight.value.scalars, per = w.count / 4
        for c in 0..<4 {
            let mean = (0..<per).reduce(Float(0)) { $0 + abs(w[c * per + $1]) } / Float(per)
            #expect(abs(step[c] - 2 * mean / Float(7).squareRoot()) < 1e-6)
        }
        // Eval mode freezes the moving-average range.
        let activations = conv.outputQuantizer as! FakeQuantizer
        conv.eval()
        let frozen = activations.runningMax.scalars[0]
        _ = conv(Variable(x.value * 10))
        #expect(activations.runningMax.scalars[0] == frozen)
    }

    @Test func aLearnedStepFitsTheWeightsItQuantises() {
        // Weights fixed, only the 2-bit step trains: the mean squared quantisation error must fall.
        var rng = RandomSource(seed: 9)
        let w = Variable(.normal([1, 256], using: &rng))
        let quantizer = FakeQuantizer(method: .learned, bits: 2, perChannel: true, signed: true)
        quantizer.stepInitialisation = .paper
        func error() -> Float {
            let y = quantizer(w)
            return zip(y.value.scalars, w.value.scalars).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 256
        }
        let before = error()
        let optimizer = Adam(groups: [ParameterGroup(quantizer.parameters)], learningRate: 0.01)
        for _ in 0..<200 {
            optimizer.zeroGrad()
            Loss.mse(quantizer(w), targets: w.value).backward()
            optimizer.step()
        }
        #expect(error() < 0.9 * before, "LSQ step training lowers the quantisation error: \(before) → \(error())")
    }
}

extension FakeQuantizeTests {
    /// The default start: the least-error step on the first batch — never worse than the paper's
    /// start or the min-max step, and at 8 bits much better than the paper's.
    @Test func minimumErrorStartBeatsThePapersAndMinMax() {
        var rng = RandomSource(seed: 11)
        let w = Variable(.normal([1, 4096], using: &rng))
        func error(_ q: FakeQuantizer) -> Float {
            zip(q(w).value.scalars, w.value.scalars).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        }
        for bits in [4, 8] {
            let best = FakeQuantizer(method: .learned, bits: bits, perChannel: true, signed: true)
            let paper = FakeQuantizer(method: .learned, bits: bits, perChannel: true, signed: true)
            paper.stepInitialisation = .paper
            let minMax = FakeQuantizer(method: .minMax, bits: bits, perChannel: true, signed: true)
            #expect(error(best) <= error(paper) && error(best) <= error(minMax) * 1.0001, "\(bits) bits")
            if bits == 8 { #expect(error(best) < 0.5 * error(paper), "8 bits: \(error(best)) vs the paper's \(error(paper))") }
        }
    }
}

extension FakeQuantizeTests {
    /// The start chosen in the settings reaches every learned quantiser attached.
    @Test func attachedQuantizersStartWhereTheSettingsSay() {
        let model = MobileNetV3(MobileNetV3Configuration(variant: .small, widthMultiplier: 0.5, logits: 3), seed: 2)
        for start in [FakeQuantizer.StepInitialisation.paper, .minimumError] {
            QuantizationAwareness.attach(to: model, .init(weightBits: 4, activationBits: 8, learned: true, stepInitialisation: start))
            var starts: [FakeQuantizer.StepInitialisation] = []
            func visit(_ m: Module) {
                for (_, q) in m.attachedQuantizers { if let q = q as? FakeQuantizer { starts.append(q.stepInitialisation) } }
                for (_, child) in m.children { visit(child) }
            }
            visit(model)
            #expect(!starts.isEmpty && starts.allSatisfy { $0 == start })
            QuantizationAwareness.detach(from: model)
        }
    }
}

/// Quantisers attached across a whole MobileNetV3.
@Suite struct QuantizationAwarenessTests {
    @Test func attachTrainAndDetachAWholeNetwork() {
        let configuration = MobileNetV3Configuration(variant: .small, widthMultiplier: 0.5, logits: 3)
        let model = MobileNetV3(configuration, seed: 2)
        var rng = RandomSource(seed: 3)
        let x = Variable(.normal([2, 32, 32, 3], using: &rng))
        model.eval()
        let float = model(x).value
        // Attach, run (in eval mode: batch-norm statistics stay as they are), detach: back to float.
        QuantizationAwareness.attach(to: model, .init(weightBits: 4, activationBits: 8, learned: true))
        #expect(model(x).value.maxAbsDifference(float) > 0)
        QuantizationAwareness.detach(from: model)
        #expect(model(x).value.maxAbsDifference(float) == 0, "detaching restores the float model")
        model.train()
        let attached = QuantizationAwareness.attach(to: model, .init(weightBits: 4, activationBits: 8, learned: true))
        // Every Conv2D and Linear has a weight quantiser; activations and projection BN outputs have one each.
        let convs = model.namedParameters().filter { $0.0.hasSuffix(".weight") && $0.1.value.rank == 4 }.count
        #expect(attached.weights == convs + 2, "\(attached.weights) weight quantisers for \(convs) convolutions and 2 linear layers")
        #expect(attached.activations > 20)
        let before = model.parameters.count
        let y = model(x)                          // first call creates the learned steps
        #expect(model.parameters.count == before + attached.weights + attached.activations)
        Loss.bceWithLogits(y, targets: Tensor(shape: [2, 3], scalars: [1, 0, 1, 0, 1, 0])).backward()
        let steps = model.namedParameters().filter { $0.0.hasSuffix("quantizer.step") }
        #expect(steps.count == attached.weights + attached.activations)
        #expect(steps.filter { $0.1.grad.map { $0.maxAbs > 0 } ?? false }.count > steps.count / 2, "steps receive LSQ gradients")
        QuantizationAwareness.detach(from: model)
        #expect(model.parameters.count == before)
    }
}
