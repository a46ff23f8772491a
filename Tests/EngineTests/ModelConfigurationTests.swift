import Autograd
import Layers
import Models
import Optimizers
import Tensors
import Testing

@Suite struct ModelConfigurationTests {
    /// Width multipliers 0.5 / 0.75 / 1.0 build, keep every channel count a multiple of 8 as
    /// torchvision does, and the compiled plan agrees with the trainable model.
    @Test(arguments: [0.5, 0.75, 1.0])
    func widthMultipliers(_ width: Double) throws {
        for variant in MobileNetV3Configuration.Variant.allCases {
            let configuration = MobileNetV3Configuration(variant: variant, widthMultiplier: width, logits: 3, regressionOutputs: 9)
            for block in configuration.blocks {
                #expect(block.inChannels % 8 == 0 && block.expandedChannels % 8 == 0 && block.outChannels % 8 == 0)
            }
            let model = MobileNetV3(configuration, seed: 5)
            model.eval()
            var rng = RandomSource(seed: 6)
            let x = Tensor.normal([2, 64, 64, 3], using: &rng)
            let y = GradientRecording.withoutGradients { model(Variable(x)) }.value
            #expect(y.shape == [2, 12])
            let plan = try model.inferencePlan(inputHeight: 64, inputWidth: 64, maxBatch: 2)
            let z = plan(x)
            #expect(z.maxAbsDifference(y) <= 1e-4 * max(1, y.maxAbs), "\(variant) ×\(width)")
        }
    }

    @Test func widthScalesParameters() {
        let full = MobileNetV3(MobileNetV3Configuration(variant: .small, widthMultiplier: 1.0)).parameterCount
        let half = MobileNetV3(MobileNetV3Configuration(variant: .small, widthMultiplier: 0.5)).parameterCount
        #expect(half < full / 2)
    }

    /// Freezing a sub-module stops its gradients and keeps the optimizer off it (staged training).
    @Test func freezingASubModule() {
        let model = MobileNetV3(MobileNetV3Configuration(variant: .small, logits: 3, dropout: 0), seed: 1)
        model.features.freeze()
        let optimizer = SGD(parameters: model.parameters, learningRate: 0.1, momentum: 0.9)
        let frozenBefore = model.features.parameters.map(\.value)
        let headBefore = model.classifier.parameters.map(\.value)
        var rng = RandomSource(seed: 2)
        let loss = Loss.bceWithLogits(model(Variable(Tensor.normal([2, 64, 64, 3], using: &rng))),
                                      targets: Tensor(shape: [2, 3], scalars: [1, 0, 1, 0, 1, 0]))
        loss.backward()
        #expect(model.features.parameters.allSatisfy { $0.grad == nil })
        optimizer.step()
        #expect(model.features.parameters.map(\.value) == frozenBefore)
        #expect(model.classifier.parameters.map(\.value) != headBefore)
        model.features.unfreeze()
        #expect(model.features.parameters.allSatisfy { $0.requiresGrad })
    }
}

/// The per-thread sub-batch path of the plan (batch ≥ 2 × threads) agrees with the model.
@Suite struct PlanSubBatchTests {
    @Test func largeBatchesSplitAcrossThreadsAgree() throws {
        let model = MobileNetV3(MobileNetV3Configuration(variant: .small, widthMultiplier: 0.5, logits: 3), seed: 9)
        model.eval()
        var rng = RandomSource(seed: 10)
        let x = Tensor.normal([21, 48, 48, 3], using: &rng)
        let expected = GradientRecording.withoutGradients { model(Variable(x)) }.value
        let plan = try model.inferencePlan(inputHeight: 48, inputWidth: 48, maxBatch: 21)
        plan.imagesPerWorker = 4
        let got = plan(x)
        #expect(got.maxAbsDifference(expected) <= 1e-4 * max(1, expected.maxAbs))
        // Rows must differ between images (a plan that repeats one image would still be "close" to nothing).
        #expect(Set(stride(from: 0, to: got.count, by: 3).map { got.scalars[$0] }).count > 10)
    }
}
