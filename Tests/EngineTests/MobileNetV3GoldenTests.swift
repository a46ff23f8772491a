import Autograd
import Layers
import Models
import Tensors
import TensorKernels
import Testing
import _AllocationCounter

/// torchvision MobileNetV3 (num_classes = 3) against ../shared/golden/mobilenet_v3_*.safetensors.
@Suite(.enabled(if: Golden.available, "needs ../shared/golden (PyTorch reference tensors)"))
struct MobileNetV3GoldenTests {
    static func model(_ variant: MobileNetV3Configuration.Variant, golden: Golden, dropout: Float = 0.2) throws -> MobileNetV3 {
        let model = MobileNetV3(MobileNetV3Configuration(variant: variant, logits: 3, dropout: dropout))
        try model.loadState(from: golden.file, prefix: "param.")
        return model
    }

    @Test(arguments: MobileNetV3Configuration.Variant.allCases)
    func evalOutputsAndEveryFeatureBlock(_ variant: MobileNetV3Configuration.Variant) throws {
        let golden = try Golden("mobilenet_v3_\(variant.rawValue).safetensors")
        let model = try Self.model(variant, golden: golden)
        model.eval()
        var x = Variable(try golden.activation("eval.input"))
        for (index, block) in model.features.layers.enumerated() {
            x = block(x)
            expectClose(x.value, try golden.activation("eval.features.\(index).out"), Tolerance.forward, "features[\(index)]")
        }
        let input = Variable(try golden.activation("eval.input"))
        let logits = GradientRecording.withoutGradients { model(input) }
        expectClose(logits.value, try golden.raw("eval.output"), Tolerance.forward, "logits")
        #expect(!logits.requiresGrad, "inference without gradient recording must keep no graph")
        #expect(model(input).requiresGrad, "with recording on, trainable parameters make the output differentiable")
    }

    @Test(arguments: MobileNetV3Configuration.Variant.allCases)
    func parameterCountMatchesTorchvision(_ variant: MobileNetV3Configuration.Variant) throws {
        // The golden file holds every torchvision parameter and buffer; count the parameters.
        let golden = try Golden("mobilenet_v3_\(variant.rawValue).safetensors")
        let torchvision = golden.file.entries
            .filter { $0.name.hasPrefix("param.") && !$0.name.contains("running_") && !$0.name.contains("num_batches") }
            .reduce(0) { $0 + $1.shape.reduce(1, *) }
        let ours = MobileNetV3(MobileNetV3Configuration(variant: variant, logits: 3)).parameterCount
        #expect(ours == torchvision)
        // PEERS.md quotes 1.52 M and 4.21 M.
        #expect(abs(Double(ours) - (variant == .small ? 1.52e6 : 4.21e6)) < 0.01e6)
    }

    /// One training step: batch statistics, dropout off, mean BCE-with-logits.
    @Test func smallTrainingStep() throws {
        let golden = try Golden("mobilenet_v3_small.safetensors")
        let model = try Self.model(.small, golden: golden, dropout: 0)
        model.train()
        let input = Variable(try golden.activation("train.input"), requiresGrad: true)
        let logits = model(input)
        expectClose(logits.value, try golden.raw("train.logits"), Tolerance.forward, "train logits")
        let loss = Loss.bceWithLogits(logits, targets: try golden.raw("train.target"))
        expectClose(loss.value.reshaped([1]), try golden.raw("train.loss").reshaped([1]), Tolerance.forward, "train loss")
        loss.backward()
        expectClose(input.grad!, try golden.activation("train.input_grad"), Tolerance.gradient, "input grad")
        var checked = 0
        for (name, parameter) in model.namedParameters() {
            let want = parameter.value.rank == 4 ? try golden.convWeight("train.grad.\(name)") : try golden.raw("train.grad.\(name)")
            guard let grad = parameter.grad else { Issue.record("no gradient for \(name)"); continue }
            expectClose(grad, want, Tolerance.gradient, "grad \(name)")
            checked += 1
        }
        #expect(checked == model.parameters.count && checked > 100)
        for entry in model.stateEntries() where entry.name.hasSuffix("running_mean") || entry.name.hasSuffix("running_var") {
            expectClose(entry.get(), try golden.raw("train.after.\(entry.name)"), Tolerance.forward, entry.name)
        }
    }
}

/// The compiled inference plan against the same golden tensors.
@Suite(.enabled(if: Golden.available, "needs ../shared/golden (PyTorch reference tensors)"))
struct InferencePlanGoldenTests {
    @Test(arguments: MobileNetV3Configuration.Variant.allCases)
    func planMatchesTorchvisionBlockByBlock(_ variant: MobileNetV3Configuration.Variant) throws {
        let golden = try Golden("mobilenet_v3_\(variant.rawValue).safetensors")
        let model = try MobileNetV3GoldenTests.model(variant, golden: golden)
        let plan = try model.inferencePlan(inputHeight: 128, inputWidth: 128, maxBatch: 2)
        let input = try golden.activation("eval.input")
        let (features, output) = plan.featureOutputs(input)
        #expect(features.count == model.features.layers.count)
        for (index, feature) in features.enumerated() {
            expectClose(feature, try golden.activation("eval.features.\(index).out"), Tolerance.forward, "plan features[\(index)]")
        }
        expectClose(output, try golden.raw("eval.output"), Tolerance.forward, "plan logits")
        // Batches smaller than the plan's maximum, and the tensor convenience API, agree.
        let single = plan(Tensor(shape: [1, 128, 128, 3], scalars: Array(input.scalars.prefix(128 * 128 * 3))))
        expectClose(single, Tensor(shape: [1, 3], scalars: Array(output.scalars.prefix(3))), Tolerance.forward, "batch of one")
    }
}

/// Steady-state inference through a compiled plan allocates nothing on the heap. Counted on
/// the calling thread (other tests run in parallel), so the plan runs single-threaded here.
@Suite struct InferencePlanAllocationTests {
    static let optimized: Bool = {
        #if DEBUG
        return false
        #else
        return true
        #endif
    }()

    @Test(.enabled(if: allocation_counter_available() == 1, "allocation counting needs glibc"),
          .enabled(if: optimized, "debug builds allocate closure contexts; run in release (scripts/test does)"),
          arguments: [1, 16])
    func runAllocatesNothingOnceWarm(_ batch: Int) throws {
        let model = MobileNetV3(MobileNetV3Configuration(variant: .small, logits: 3), seed: 3)
        model.eval()
        let plan = try model.inferencePlan(inputHeight: 64, inputWidth: 64, maxBatch: 16)
        var rng = RandomSource(seed: 1)
        let input = Tensor.normal([batch, 64, 64, 3], using: &rng)
        var output = [Float](repeating: 0, count: batch * plan.outputCount)
        let allocations: UInt64 = input.withUnsafePointer { ip in
            output.withUnsafeMutableBufferPointer { op in
                plan.run(input: ip, batch: batch, output: op.baseAddress!)   // warm-up: workspaces
                return EngineThreads.serially {
                    allocation_counter_start()
                    for _ in 0..<3 { plan.run(input: ip, batch: batch, output: op.baseAddress!) }
                    return allocation_counter_stop()
                }
            }
        }
        #expect(allocations == 0, "\(allocations) heap allocations in 3 warm calls at batch \(batch)")
        let finite = output.allSatisfy { $0.isFinite }
        #expect(finite)
    }
}
