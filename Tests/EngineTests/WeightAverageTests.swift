import Autograd
import Foundation
import Layers
import Optimizers
import Tensors
import Testing
import Training

/// The moving average of the weights: the formula (with its warm-up), that it covers the
/// parameters and batch-norm statistics, that borrowing it leaves the training weights alone,
/// and that it travels through a checkpoint.
@Suite struct WeightAverageTests {
    /// Every averaged entry after updates from known weights equals the average computed here
    /// from the definition: a_t = d_t · a_{t−1} + (1 − d_t) · w_t, d_t = min(decay, (1 + t) / (10 + t)).
    @Test func followsTheDefinitionOnParametersAndStatistics() {
        let model = CheckpointTests.tinyModel(seed: 3)
        let entries = model.stateEntries()
        let averaged = entries.filter { $0.kind == .parameter || $0.name.hasSuffix("running_mean") || $0.name.hasSuffix("running_var") }
        #expect(averaged.contains { $0.name.hasSuffix("running_var") }, "batch-norm statistics are averaged")
        let average = WeightAverage(model: model, decay: 0.5)
        var expected = Dictionary(uniqueKeysWithValues: averaged.map { ($0.name, $0.get().scalars) })
        var rng = RandomSource(seed: 4)
        for t in 0..<5 {
            for entry in averaged { entry.set(Tensor.normal(entry.get().shape, using: &rng)) }
            let d = min(Float(0.5), Float(1 + t) / Float(10 + t))
            #expect(average.currentDecay == d)
            average.update(from: model)
            for entry in averaged {
                expected[entry.name] = zip(expected[entry.name]!, entry.get().scalars).map { d * $0 + (1 - d) * $1 }
            }
        }
        #expect(average.updates == 5)
        for entry in averaged {
            let got = average.averages[entry.name]!.scalars, want = expected[entry.name]!
            #expect(zip(got, want).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) }, "\(entry.name)")
        }
        #expect(Set(average.averages.keys) == Set(averaged.map(\.name)), "only parameters and running statistics")
    }

    @Test func borrowingTheAverageGivesTheTrainingWeightsBack() {
        let model = CheckpointTests.tinyModel(seed: 5)
        let average = WeightAverage(model: model, decay: 0.9)
        var rng = RandomSource(seed: 6)
        for parameter in model.parameters { parameter.value = Tensor.normal(parameter.value.shape, using: &rng) }
        average.update(from: model)
        let training = model.stateEntries().map { $0.get() }
        let inside = average.withAveragedWeights(in: model) { model.stateEntries().map { $0.get() } }
        #expect(inside != training, "the averaged weights differ from the training weights here")
        #expect(model.stateEntries().map { $0.get() } == training)
        average.copy(into: model)
        #expect(model.stateEntries().map { $0.get() } == inside)
    }

    @Test func travelsThroughACheckpoint() throws {
        let path = CheckpointTests.temporaryPath("average.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = CheckpointTests.tinyModel(seed: 7)
        let optimizer = SGD(groups: [ParameterGroup(model.parameters)], learningRate: 0.1)
        let average = WeightAverage(model: model, decay: 0.99)
        var rng = RandomSource(seed: 8)
        for _ in 0..<3 {
            CheckpointTests.step(model, optimizer, rng: &rng)
            average.update(from: model)
        }
        try Checkpoint.save(model: model, optimizer: optimizer, progress: TrainingProgress(epoch: 1, step: 3, tensors: average.state), to: path)

        let other = CheckpointTests.tinyModel(seed: 7)
        let otherOptimizer = SGD(groups: [ParameterGroup(other.parameters)], learningRate: 0.1)
        let progress = try Checkpoint.load(from: path, into: other, optimizer: otherOptimizer)
        let restored = WeightAverage(model: other, decay: 0.99)
        try restored.load(state: progress.tensors)
        #expect(restored.averages == average.averages && restored.updates == 3)
        #expect(restored.currentDecay == average.currentDecay)

        var missing = progress.tensors
        let name = missing.keys.first { $0.hasSuffix("running_mean") }!
        missing[name] = nil
        #expect(throws: WeightAverageError.self) { try restored.load(state: missing) }
        do { try restored.load(state: missing) } catch { #expect("\(error)".contains(name)) }
    }
}
