import Inference
import Layers
import Tensors

extension MobileNetV3 {
    /// Compiles the model's current weights into an inference plan (batch norm folded,
    /// activations fused, buffers allocated once for `maxBatch` images).
    public func inferencePlan(inputHeight: Int, inputWidth: Int, maxBatch: Int) throws(PlanError) -> MobileNetV3Plan {
        var weights: NamedWeights = [:]
        for entry in stateEntries() { weights[entry.name] = entry.get() }
        return try MobileNetV3Plan(configuration: configuration, weights: weights, inputHeight: inputHeight,
                                   inputWidth: inputWidth, maxBatch: maxBatch)
    }
}
