import Foundation

/// A learning rate as a function of training progress, in (fractional) epochs.
public protocol LearningRateSchedule: Sendable {
    func learningRate(atEpoch epoch: Double) -> Float
}

/// lr = base · γ^⌊epoch / k⌋ (the reference recipe: 0.1 × 0.97 every 5 epochs).
public struct StepDecay: LearningRateSchedule {
    public let base: Float
    public let gamma: Float
    public let everyEpochs: Int

    public init(base: Float, gamma: Float, everyEpochs: Int) {
        precondition(everyEpochs > 0, "step decay needs a positive period")
        self.base = base
        self.gamma = gamma
        self.everyEpochs = everyEpochs
    }

    public func learningRate(atEpoch epoch: Double) -> Float {
        base * Foundation.pow(gamma, Float(Int(epoch.rounded(.down)) / everyEpochs))
    }
}

/// Cosine annealing from `base` to `minimum` over `totalEpochs` (then stays at `minimum`).
public struct CosineDecay: LearningRateSchedule {
    public let base: Float
    public let minimum: Float
    public let totalEpochs: Double

    public init(base: Float, totalEpochs: Double, minimum: Float = 0) {
        self.base = base
        self.minimum = minimum
        self.totalEpochs = totalEpochs
    }

    public func learningRate(atEpoch epoch: Double) -> Float {
        let progress = min(max(epoch / totalEpochs, 0), 1)
        return minimum + (base - minimum) * Float(0.5 * (1 + Foundation.cos(Double.pi * progress)))
    }
}

/// Linear warm-up from `startFactor`·lr to the wrapped schedule's value over `warmupEpochs`.
public struct LinearWarmup<Wrapped: LearningRateSchedule>: LearningRateSchedule {
    public let wrapped: Wrapped
    public let warmupEpochs: Double
    public let startFactor: Float

    public init(_ wrapped: Wrapped, warmupEpochs: Double, startFactor: Float = 0.01) {
        self.wrapped = wrapped
        self.warmupEpochs = warmupEpochs
        self.startFactor = startFactor
    }

    public func learningRate(atEpoch epoch: Double) -> Float {
        let target = wrapped.learningRate(atEpoch: epoch)
        guard epoch < warmupEpochs, warmupEpochs > 0 else { return target }
        let fraction = Float(epoch / warmupEpochs)
        return target * (startFactor + (1 - startFactor) * fraction)
    }
}
