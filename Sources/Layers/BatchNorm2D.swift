import Autograd
import Tensors

/// Batch normalisation over N, H, W per channel (NHWC input of any spatial size).
/// Parameters `weight` (γ) and `bias` (β); buffers `running_mean`, `running_var`,
/// `num_batches_tracked`, as in PyTorch. Uses batch statistics in training mode.
public final class BatchNorm2D: Module {
    public let gamma: Variable
    public let beta: Variable
    public let statistics: BatchNormStatistics
    public let epsilon: Float
    /// Weight of the batch statistics in the running-statistics update.
    public var momentum: Float
    /// Normalise with the running statistics even in training mode, and leave them unchanged
    /// (batch-norm-folded quantisation-aware training folds with these statistics).
    public var frozenStatistics = false

    /// torchvision's MobileNetV3 uses eps 0.001 and momentum 0.01.
    public init(channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        gamma = Variable(.ones([channels]), requiresGrad: true)
        beta = Variable(.zeros([channels]), requiresGrad: true)
        statistics = BatchNormStatistics(channels: channels)
        self.epsilon = epsilon
        self.momentum = momentum
    }

    public override var localParameters: [(String, Variable)] { [("weight", gamma), ("bias", beta)] }

    public override var localBuffers: [StateEntry] {
        let s = statistics
        return [
            StateEntry(name: "running_mean", kind: .buffer, get: { s.runningMean }, set: { s.runningMean = $0 }),
            StateEntry(name: "running_var", kind: .buffer, get: { s.runningVariance }, set: { s.runningVariance = $0 }),
            StateEntry(name: "num_batches_tracked", kind: .buffer, optional: true, get: { .scalar(Float(s.batchesTracked)) },
                       set: { s.batchesTracked = Int($0.scalars.first ?? 0) }),
        ]
    }

    public override func forward(_ x: Variable) -> Variable {
        batchNorm(x, gamma: gamma, beta: beta, statistics: statistics, training: isTraining && !frozenStatistics,
                  momentum: momentum, epsilon: epsilon)
    }
}

extension Module {
    /// Sets the running-statistics momentum of every batch norm in this module and below.
    public func setBatchNormMomentum(_ momentum: Float) {
        if let bn = self as? BatchNorm2D { bn.momentum = momentum }
        for (_, child) in children { child.setBatchNormMomentum(momentum) }
    }
}
