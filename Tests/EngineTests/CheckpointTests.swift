import Autograd
import Foundation
import Layers
import Models
import Optimizers
import SafeTensors
import Tensors
import Testing
import Training

@Suite struct CheckpointTests {
    static func tinyModel(seed: UInt64) -> Sequential {
        var rng = RandomSource(seed: seed)
        return Sequential([
            Conv2D(inChannels: 3, outChannels: 8, kernel: 3, padding: 1, rng: &rng), BatchNorm2D(channels: 8),
            Activation(.relu), GlobalAveragePool(), Linear(inFeatures: 8, outFeatures: 2, std: 0.1, rng: &rng),
        ])
    }

    static func step(_ model: Module, _ optimizer: Optimizer, rng: inout RandomSource) {
        let x = Tensor.normal([4, 6, 6, 3], using: &rng)
        var t = Tensor(shape: [4, 2])
        for i in 0..<8 { t.scalars[i] = rng.uniform() < 0.5 ? 0 : 1 }
        optimizer.zeroGrad()
        Loss.bceWithLogits(model(Variable(x)), targets: t).backward()
        optimizer.step()
    }

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("flytally-\(UUID().uuidString)-\(name)").path
    }

    /// Stopping after three steps and resuming gives exactly the weights of an uninterrupted run.
    @Test func resumeContinuesExactly() throws {
        let path = Self.temporaryPath("ckpt.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }

        let straight = Self.tinyModel(seed: 1)
        let straightOptimizer = Adam(groups: [ParameterGroup(straight.parameters)], learningRate: 0.01)
        var rng = RandomSource(seed: 9)
        for _ in 0..<5 { Self.step(straight, straightOptimizer, rng: &rng) }

        let first = Self.tinyModel(seed: 1)
        let firstOptimizer = Adam(groups: [ParameterGroup(first.parameters)], learningRate: 0.01)
        var rng2 = RandomSource(seed: 9)
        for _ in 0..<3 { Self.step(first, firstOptimizer, rng: &rng2) }
        try Checkpoint.save(model: first, optimizer: firstOptimizer,
                            progress: TrainingProgress(epoch: 3, step: 3, randomState: rng2.state, notes: ["config": "abc"]),
                            to: path)

        let resumed = Self.tinyModel(seed: 77)   // different initial weights: all must come from the file
        let resumedOptimizer = Adam(groups: [ParameterGroup(resumed.parameters)], learningRate: 0.5)
        let progress = try Checkpoint.load(from: path, into: resumed, optimizer: resumedOptimizer)
        #expect(progress == TrainingProgress(epoch: 3, step: 3, randomState: rng2.state, notes: ["config": "abc"]))
        var rng3 = RandomSource(seed: 0)
        rng3.state = progress.randomState
        for _ in 0..<2 { Self.step(resumed, resumedOptimizer, rng: &rng3) }

        for ((name, a), (_, b)) in zip(straight.stateEntries().map { ($0.name, $0.get()) },
                                       resumed.stateEntries().map { ($0.name, $0.get()) }) {
            #expect(a == b, "\(name) differs after resume")
        }
    }

    @Test func badCheckpointsAreRefusedWithoutChangingTheModel() throws {
        let path = Self.temporaryPath("bad.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = Self.tinyModel(seed: 1)
        let optimizer = SGD(parameters: model.parameters, learningRate: 0.1)
        let before = model.stateEntries().map { $0.get() }

        // Not a checkpoint at all.
        try Data("hello".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: CheckpointError.self) { _ = try Checkpoint.load(from: path, into: model, optimizer: optimizer) }

        // A checkpoint of a different model: the error names the tensor.
        let other = Sequential([Linear(inFeatures: 3, outFeatures: 2, rng: &Self.seedRNG)])
        try Checkpoint.save(model: other, optimizer: SGD(parameters: other.parameters, learningRate: 0.1),
                            progress: TrainingProgress(), to: path)
        do {
            _ = try Checkpoint.load(from: path, into: model, optimizer: optimizer)
            Issue.record("a foreign checkpoint loaded")
        } catch {
            #expect(error.description.contains("'model.0.weight'"), "\(error)")
        }
        // A checkpoint from another optimizer.
        try Checkpoint.save(model: model, optimizer: Adam(groups: [ParameterGroup(model.parameters)]),
                            progress: TrainingProgress(), to: path)
        #expect(throws: CheckpointError.self) { _ = try Checkpoint.load(from: path, into: model, optimizer: optimizer) }
        #expect(model.stateEntries().map { $0.get() } == before)
    }

    nonisolated(unsafe) static var seedRNG = RandomSource(seed: 5)

    @Test func nonFiniteLossOrGradientStopsTraining() {
        let w = Variable(.ones([2]), requiresGrad: true)
        let loss = Loss.mse(w, targets: Tensor(shape: [2], scalars: [.nan, 0]))
        loss.backward()
        do {
            try NonFiniteGuard.check(loss: loss, parameters: [("head.weight", w)], step: 12)
            Issue.record("NaN loss passed the guard")
        } catch {
            #expect(error.description.hasPrefix("training stopped at step 12: the loss is NaN"))
        }
        let finite = Loss.mse(w, targets: .zeros([2]))
        w.grad = Tensor(shape: [2], scalars: [1, .infinity])
        do {
            try NonFiniteGuard.check(loss: finite, parameters: [("head.weight", w)], step: 3)
            Issue.record("infinite gradient passed the guard")
        } catch {
            #expect(error.description.contains("the gradient of 'head.weight'"))
        }
    }
}

/// Weight files that do not fit the model give precise, named errors.
@Suite struct WeightsErrorTests {
    @Test func missingUnexpectedWrongShapeAndCorrupt() throws {
        let model = CheckpointTests.tinyModel(seed: 2)
        var file = try model.stateFile(layout: .ohwi)
        // Missing tensor.
        let withoutBias = try SafeTensorsFile(entries: file.entries.filter { $0.name != "4.bias" }, metadata: file.metadata)
        #expect(throws: WeightsError.missing("4.bias")) { try model.loadState(from: withoutBias, layout: .ohwi) }
        // Unexpected tensor.
        try file.append(SafeTensorsEntry(name: "5.weight", shape: [1], floats: [0]))
        #expect(throws: WeightsError.unexpected("5.weight")) { try model.loadState(from: file, layout: .ohwi) }
        // Wrong shape.
        let reshaped = try SafeTensorsFile(entries: file.entries.filter { $0.name != "5.weight" }.map {
            $0.name == "4.weight" ? try SafeTensorsEntry(name: "4.weight", shape: [2, 4, 2], floats: [Float](repeating: 0, count: 16)) : $0
        }, metadata: file.metadata)
        #expect(throws: WeightsError.shapeMismatch(name: "4.weight", expected: [2, 8], found: [2, 4, 2])) {
            try model.loadState(from: reshaped, layout: .ohwi)
        }
        // NaN weights.
        let poisoned = try SafeTensorsFile(entries: file.entries.filter { $0.name != "5.weight" }.map {
            $0.name == "4.bias" ? try SafeTensorsEntry(name: "4.bias", shape: [2], floats: [.nan, 0]) : $0
        }, metadata: file.metadata)
        #expect(throws: WeightsError.nonFinite("4.bias")) { try model.loadState(from: poisoned, layout: .ohwi) }
    }
}
