import Layers
import Quantization

/// The compression methods of `flytally compress`.
public enum CompressionMethod: String, Sendable, CaseIterable {
    /// Fake quantisation with min-max weights and moving-average activations (Jacob et al.).
    case qat
    /// Learned step sizes for weights and activations (Esser et al.).
    case lsq
    /// LSQ on batch-norm-folded weights.
    case lsqBN = "lsq-bn"
    /// Incremental network quantisation to powers of two (Zhou et al.); activations float.
    case inq
    /// Joint learned sparsity and mixed precision; activations float.
    case sqs
}

/// What to compress and how; defaults are the CLI's.
public struct CompressionSpec: Sendable {
    public var method: CompressionMethod
    public var weightBits = 8
    public var activationBits = 8
    /// qat/lsq: fold batch norm into the quantised weights during training (lsq-bn always does).
    public var foldBatchNorm = false
    /// With folding: batch norm normalises with its running statistics in training too (frozen)
    /// instead of batch statistics.
    public var freezeBatchNormStatistics = false
    /// lsq/lsq-bn: where learned steps start.
    public var lsqStart = FakeQuantizer.StepInitialisation.minimumError
    /// Fine-tuning epochs (qat/lsq; 0 = post-training quantisation), per INQ round, or of the SQS search.
    public var epochs = 3
    /// SQS: epochs after the widths and masks are fixed.
    public var finetuneEpochs = 2
    /// INQ: accumulated portions of power-of-two weights, ending at 1.
    public var inqPortions: [Double] = [0.5, 0.75, 0.875, 1]
    public var sqs = SparseMixedPrecisionQuantizer.Settings()

    public init(method: CompressionMethod) { self.method = method }

    /// e.g. "W4/A8", "W5/A32" (INQ), "Wmixed/A32" (SQS).
    public var bitsLabel: String {
        switch method {
        case .qat, .lsq, .lsqBN: return "W\(weightBits)/A\(activationBits)"
        case .inq: return "W\(weightBits)/A32"
        case .sqs: return "Wmixed/A32"
        }
    }

    /// Whether activations are fake-quantised too (the accuracy then is the simulated integer one).
    public var quantizesActivations: Bool { method == .qat || method == .lsq || method == .lsqBN }
}

/// Runs a method's phases on a model, with the caller's training loop: `initialise` makes
/// learned steps and moving-average ranges exist (one forward pass with only the quantisers in
/// training mode) before the optimiser is built; `fineTune(epochs, checkpointName, title)`
/// trains the model as it stands (and checkpoints under that name).
public enum CompressionProcedure {
    public static func run(_ spec: CompressionSpec, on model: Module, initialise: () -> Void,
                           fineTune: (_ epochs: Int, _ checkpoint: String, _ title: String) throws -> Void,
                           log: (String) -> Void) throws {
        switch spec.method {
        case .qat, .lsq, .lsqBN:
            QuantizationAwareness.attach(to: model, .init(weightBits: spec.weightBits, activationBits: spec.activationBits, learned: spec.method != .qat,
                                                          stepInitialisation: spec.lsqStart))
            if spec.method == .lsqBN || spec.foldBatchNorm {
                let folded = CompressionAttachment.foldBatchNorms(in: model, freezeStatistics: spec.freezeBatchNormStatistics)
                log("folding \(folded) batch norms into their convolutions' quantised weights"
                    + (spec.freezeBatchNormStatistics ? " (statistics frozen)" : ""))
            }
            initialise()
            if spec.epochs > 0 { try fineTune(spec.epochs, "fine-tune", spec.method.rawValue) }
        case .inq:
            precondition(spec.inqPortions.last == 1, "INQ portions end at 1")
            CompressionAttachment.attachPowerOfTwo(to: model, bits: spec.weightBits)
            for (round, portion) in spec.inqPortions.enumerated() {
                CompressionAttachment.quantizeLargest(portion: portion, in: model)
                log("INQ round \(round + 1)/\(spec.inqPortions.count): \(portion * 100)% of the weights are powers of two")
                // The last portion (100 %) leaves nothing float to retrain.
                if portion < 1 { try fineTune(spec.epochs, "inq-round-\(round + 1)", "INQ round \(round + 1)") }
            }
        case .sqs:
            CompressionAttachment.attachSparseMixedPrecision(to: model, settings: spec.sqs)
            try fineTune(spec.epochs, "sqs-search", "SQS search")
            CompressionAttachment.fixSparseMixedPrecision(in: model)
            log("SQS: widths and masks fixed")
            if spec.finetuneEpochs > 0 { try fineTune(spec.finetuneEpochs, "sqs-finetune", "SQS fine-tune") }
        }
    }

    /// After `run`: the compressed tensors, then the quantised values baked into the float
    /// weights and every quantiser removed (the model is an ordinary float model again).
    public static func finish(_ model: Module) throws -> [String: CompressedTensor] {
        let tensors = try CompressionAttachment.compressedTensors(of: model)
        CompressionAttachment.bakeQuantizedWeights(into: model)
        QuantizationAwareness.detach(from: model)
        return tensors
    }
}
