import Autograd
import Layers
import Quantization
import Tensors

/// Puts the compression methods' weight quantisers on a model and reads the result back as
/// compressed tensors. (Plain QAT and LSQ quantisers come from `QuantizationAwareness`.)
public enum CompressionAttachment {
    /// Every convolution and linear layer with its weight's state name (weights are what the
    /// compression methods quantise).
    public static func weightLayers(of model: Module) -> [(name: String, layer: Module, weight: Variable)] {
        var names: [ObjectIdentifier: String] = [:]
        for (name, variable) in model.namedParameters() { names[ObjectIdentifier(variable)] = name }
        var result: [(String, Module, Variable)] = []
        func visit(_ module: Module) {
            if let conv = module as? Conv2D, let name = names[ObjectIdentifier(conv.weight)] { result.append((name, conv, conv.weight)) }
            if let linear = module as? Linear, let name = names[ObjectIdentifier(linear.weight)] { result.append((name, linear, linear.weight)) }
            for (_, child) in module.children { visit(child) }
        }
        visit(model)
        return result
    }

    static func setWeightQuantizer(_ quantizer: Module?, on layer: Module) {
        if let conv = layer as? Conv2D { conv.weightQuantizer = quantizer }
        if let linear = layer as? Linear { linear.weightQuantizer = quantizer }
    }

    static func weightQuantizer(of layer: Module) -> Module? {
        (layer as? Conv2D)?.weightQuantizer ?? (layer as? Linear)?.weightQuantizer
    }

    /// Wraps the weight quantiser of every convolution that a batch norm follows (in the same
    /// `Sequential`) into a `BatchNormFoldedQuantizer`. Returns how many were folded.
    @discardableResult
    public static func foldBatchNorms(in model: Module, freezeStatistics: Bool = false) -> Int {
        var folded = 0
        func visit(_ module: Module) {
            if let sequential = module as? Sequential {
                for (conv, bn) in zip(sequential.layers, sequential.layers.dropFirst()) {
                    if let conv = conv as? Conv2D, let bn = bn as? BatchNorm2D, let inner = conv.weightQuantizer as? FakeQuantizer {
                        conv.weightQuantizer = BatchNormFoldedQuantizer(inner: inner, batchNorm: bn, freezeStatistics: freezeStatistics)
                        folded += 1
                    }
                }
            }
            for (_, child) in module.children { visit(child) }
        }
        visit(model)
        return folded
    }

    /// An INQ quantiser on every weight.
    @discardableResult
    public static func attachPowerOfTwo(to model: Module, bits: Int) -> [PowerOfTwoQuantizer] {
        weightLayers(of: model).map { entry in
            let q = PowerOfTwoQuantizer(bits: bits)
            setWeightQuantizer(q, on: entry.layer)
            return q
        }
    }

    /// Fixes the largest remaining weights of every INQ-quantised layer up to `portion`.
    public static func quantizeLargest(portion: Double, in model: Module) {
        for entry in weightLayers(of: model) {
            (weightQuantizer(of: entry.layer) as? PowerOfTwoQuantizer)?.quantizeLargest(portion: portion, of: entry.weight.value)
        }
    }

    /// An SQS quantiser on every weight (each knows its share of all weights).
    @discardableResult
    public static func attachSparseMixedPrecision(to model: Module, settings: SparseMixedPrecisionQuantizer.Settings) -> [SparseMixedPrecisionQuantizer] {
        let layers = weightLayers(of: model)
        let total = Float(layers.reduce(0) { $0 + $1.weight.value.count })
        return layers.map { entry in
            let q = SparseMixedPrecisionQuantizer(share: Float(entry.weight.value.count) / total, settings: settings)
            setWeightQuantizer(q, on: entry.layer)
            return q
        }
    }

    /// Ends the SQS search on every layer (mask frozen, argmax width kept).
    public static func fixSparseMixedPrecision(in model: Module) {
        for entry in weightLayers(of: model) {
            (weightQuantizer(of: entry.layer) as? SparseMixedPrecisionQuantizer)?.fix(weight: entry.weight.value)
        }
    }

    /// The quantised weights as compressed tensors, keyed by state name (layers without a weight
    /// quantiser are left out and stay float in the file).
    public static func compressedTensors(of model: Module) throws -> [String: CompressedTensor] {
        var result: [String: CompressedTensor] = [:]
        for entry in weightLayers(of: model) {
            let w = entry.weight.value
            switch weightQuantizer(of: entry.layer) {
            case let q as FakeQuantizer:
                let grid = q.levels(of: w)
                result[entry.name] = try CompressedTensor(shape: w.shape, bits: q.bits, grid: .uniform(scales: grid.scales), levels: grid.levels)
            case let q as BatchNormFoldedQuantizer:
                let grid = q.levels(of: w)
                result[entry.name] = try CompressedTensor(shape: w.shape, bits: q.inner.bits, grid: .uniform(scales: grid.scales), levels: grid.levels)
            case let q as PowerOfTwoQuantizer:
                precondition(q.fixedPortion == 1, "INQ layers must be fully quantised before export")
                result[entry.name] = try CompressedTensor(shape: w.shape, bits: q.bits, grid: .powerOfTwo(smallestExponent: q.smallestExponent),
                                                          levels: q.fixedValues.scalars.map { q.level($0) })
            case let q as SparseMixedPrecisionQuantizer:
                let grid = q.levels(of: w)
                result[entry.name] = try CompressedTensor(shape: w.shape, bits: grid.bits, grid: .uniform(scales: grid.scales), levels: grid.levels)
            default:
                continue
            }
        }
        return result
    }

    /// One forward pass over `input` with only the quantisers in training mode, so learned steps
    /// and moving-average ranges exist (and start from statistics) before an optimiser is built
    /// or a checkpoint is loaded into them; batch-norm statistics stay untouched.
    public static func initialiseQuantizers(in model: Module, with input: Tensor) {
        model.eval()
        func visit(_ module: Module) {
            for (_, q) in module.attachedQuantizers { q.train(true) }
            for (_, child) in module.children { visit(child) }
        }
        visit(model)
        _ = GradientRecording.withoutGradients { model(Variable(input)) }
        model.eval()
    }

    /// Writes into every weight the value its quantiser gives it (so the detached float model
    /// computes what the fake-quantised one did).
    public static func bakeQuantizedWeights(into model: Module) {
        let weights = GradientRecording.withoutGradients {
            weightLayers(of: model).compactMap { entry in weightQuantizer(of: entry.layer).map { (entry.weight, $0(entry.weight).value) } }
        }
        for (variable, value) in weights { variable.value = value }
    }
}
