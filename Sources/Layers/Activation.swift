import Autograd
import TensorKernels
import Tensors

/// An element-wise activation as a layer (ReLU, ReLU6, Hardswish, Hardsigmoid, Sigmoid).
public final class Activation: Module {
    public let kind: Elementwise.Activation

    public init(_ kind: Elementwise.Activation) { self.kind = kind }

    public override func forward(_ x: Variable) -> Variable { activation(x, kind) }
}

/// Inverted dropout as a layer; active only in training mode. Carries its own seeded
/// generator so runs are reproducible.
public final class Dropout: Module {
    public let probability: Float
    public var rng: RandomSource

    public init(probability: Float, seed: UInt64 = 0x5EED) {
        precondition(probability >= 0 && probability < 1, "dropout probability must be in [0, 1)")
        self.probability = probability
        rng = RandomSource(seed: seed)
    }

    public override func forward(_ x: Variable) -> Variable {
        dropout(x, probability: probability, training: isTraining, rng: &rng)
    }
}

/// Global average pooling then flattening: [N, H, W, C] → [N, C].
public final class GlobalAveragePool: Module {
    public override func forward(_ x: Variable) -> Variable { flatten(globalAveragePool(x)) }
}
