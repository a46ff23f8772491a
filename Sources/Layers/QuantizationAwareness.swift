/// Attaches fake quantisers to a model for compression-aware training, where an integer plan
/// would quantise: every convolution's and linear layer's weight (per output channel), every
/// activation's output, and the output of batch norms that end a conv–BN block without an
/// activation (MobileNetV3's projection convolutions). Squeeze-excite layers are included
/// (their convolutions are layers like any other).
public enum QuantizationAwareness {
    public struct Settings: Sendable, Equatable {
        public var weightBits: Int
        public var activationBits: Int
        /// `.minMax` weights with `.movingAverage` activations (plain QAT), or `.learned` for both (LSQ).
        public var learned: Bool
        /// Where learned steps start.
        public var stepInitialisation: FakeQuantizer.StepInitialisation
        public init(weightBits: Int, activationBits: Int, learned: Bool, stepInitialisation: FakeQuantizer.StepInitialisation = .minimumError) {
            self.weightBits = weightBits
            self.activationBits = activationBits
            self.learned = learned
            self.stepInitialisation = stepInitialisation
        }
    }

    /// Counts of what was attached.
    public struct Attached: Sendable, Equatable {
        public var weights = 0, activations = 0
    }

    @discardableResult
    public static func attach(to model: Module, _ settings: Settings) -> Attached {
        var attached = Attached()
        func visit(_ module: Module) {
            switch module {
            case let conv as Conv2D:
                conv.weightQuantizer = weightQuantizer(settings)
                attached.weights += 1
            case let linear as Linear:
                linear.weightQuantizer = weightQuantizer(settings)
                attached.weights += 1
            case let activation as Activation:
                // ReLU outputs are non-negative: the unsigned range doubles their resolution.
                activation.outputQuantizer = activationQuantizer(settings, signed: activation.kind != .relu && activation.kind != .relu6)
                attached.activations += 1
            case let sequential as Sequential:
                if let bn = sequential.layers.last as? BatchNorm2D, sequential.layers.count >= 2, sequential.layers[sequential.layers.count - 2] is Conv2D {
                    bn.outputQuantizer = activationQuantizer(settings, signed: true)
                    attached.activations += 1
                }
            default: break
            }
            for (_, child) in module.children { visit(child) }
        }
        visit(model)
        return attached
    }

    /// Removes every attached quantiser (back to a float model with the trained weights).
    public static func detach(from model: Module) {
        model.outputQuantizer = nil
        (model as? Conv2D)?.weightQuantizer = nil
        (model as? Linear)?.weightQuantizer = nil
        for (_, child) in model.children { detach(from: child) }
    }

    static func weightQuantizer(_ s: Settings) -> FakeQuantizer {
        let q = FakeQuantizer(method: s.learned ? .learned : .minMax, bits: s.weightBits, perChannel: true, signed: true)
        q.stepInitialisation = s.stepInitialisation
        return q
    }

    static func activationQuantizer(_ s: Settings, signed: Bool) -> FakeQuantizer {
        let q = FakeQuantizer(method: s.learned ? .learned : .movingAverage, bits: s.activationBits, perChannel: false, signed: signed)
        q.stepInitialisation = s.stepInitialisation
        return q
    }
}
