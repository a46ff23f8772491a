import Layers
import Tensors

/// An exponential moving average of a model's weights, kept beside the training weights
/// (Polyak averaging; the "model EMA" of timm and of the EfficientNet / MobileNetV3 recipes).
///
/// Why: at the learning rates the trait recipe keeps to its end, the weights wander from one
/// epoch to the next, and so does the held-out accuracy (several points per trait from one
/// epoch to the next). The average over the last few thousand steps sits between those
/// wanderings. It covers the parameters and the batch-norm running statistics (averaged the
/// same way, as timm does, so the statistics match the averaged weights' era); other buffers
/// (step counters) are left as training has them.
///
/// The first steps use a smaller decay, min(decay, (1 + t) / (10 + t)) at step t, so the
/// average is not anchored to the random initial weights.
public final class WeightAverage {
    public let decay: Float
    /// Names of the averaged state entries, in the model's order, and their averages (kept
    /// as aligned arrays so an update writes each average in place, without copying it).
    let names: [String]
    var values: [Tensor]
    /// Updates so far.
    public private(set) var updates = 0

    /// Starts the average at the model's current weights.
    public init(model: Module, decay: Float) {
        precondition(decay > 0 && decay < 1, "decay must lie in (0, 1)")
        self.decay = decay
        let entries = Self.averaged(model)
        names = entries.map(\.name)
        values = entries.map { $0.get() }
    }

    /// Average per averaged state entry, by name.
    public var averages: [String: Tensor] { Dictionary(uniqueKeysWithValues: zip(names, values)) }

    /// Starts over from the model's current weights, warm-up included (e.g. where the input size
    /// changes for the last time, so the average does not mix weights trained at other sizes).
    public func restart(from model: Module) {
        values = matchingEntries(model).map { $0.get() }
        updates = 0
    }

    /// The entries averaged: parameters and batch-norm running statistics.
    static func averaged(_ model: Module) -> [StateEntry] {
        model.stateEntries().filter { $0.kind == .parameter || $0.name.hasSuffix("running_mean") || $0.name.hasSuffix("running_var") }
    }

    /// The model's averaged entries, checked to be the ones this average was made for.
    func matchingEntries(_ model: Module) -> [StateEntry] {
        let entries = Self.averaged(model)
        precondition(entries.map(\.name) == names, "the weight average belongs to a model with other state entries")
        return entries
    }

    /// The decay used at the next update.
    public var currentDecay: Float { min(decay, Float(1 + updates) / Float(10 + updates)) }

    /// Moves the average towards the model's current weights (call after each optimizer step).
    public func update(from model: Module) {
        let d = currentDecay
        for (i, entry) in matchingEntries(model).enumerated() {
            let value = entry.get()
            precondition(value.shape == values[i].shape, "\(entry.name) changed shape")
            values[i].scalars.withUnsafeMutableBufferPointer { a in
                value.scalars.withUnsafeBufferPointer { v in
                    for j in a.indices { a[j] = d * a[j] + (1 - d) * v[j] }
                }
            }
        }
        updates += 1
    }

    /// Writes the averages into the model (its training weights are overwritten).
    public func copy(into model: Module) {
        for (entry, average) in zip(matchingEntries(model), values) { entry.set(average) }
    }

    /// Runs `body` with the averaged weights in the model, then puts the training weights back.
    public func withAveragedWeights<T>(in model: Module, _ body: () throws -> T) rethrows -> T {
        let entries = matchingEntries(model)
        let training = entries.map { $0.get() }
        copy(into: model)
        defer { for (entry, value) in zip(entries, training) { entry.set(value) } }
        return try body()
    }

    /// The average as named tensors for a checkpoint (with the update count, so the warm-up of
    /// the decay resumes where it was).
    public var state: [String: Tensor] {
        var out = averages
        out[Self.updatesKey] = .scalar(Float(updates))
        return out
    }

    /// Restores `state` (from `state` of an average over the same model). Throws a message
    /// naming the first entry missing or of the wrong shape.
    public func load(state: [String: Tensor]) throws(WeightAverageError) {
        var restored: [Tensor] = []
        for (name, current) in zip(names, values) {
            guard let saved = state[name] else { throw WeightAverageError(problem: "no average for '\(name)'") }
            guard saved.shape == current.shape else {
                throw WeightAverageError(problem: "average '\(name)' has shape \(saved.shape), the model \(current.shape)")
            }
            restored.append(saved)
        }
        guard let count = state[Self.updatesKey]?.scalars.first else { throw WeightAverageError(problem: "no update count") }
        values = restored
        updates = Int(count)
    }

    static let updatesKey = "updates"
}

public struct WeightAverageError: Error, CustomStringConvertible {
    public let problem: String
    public var description: String { "weight average: \(problem)" }
}
