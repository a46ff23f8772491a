import Architectures
import Inference
import Tensors

/// Why calibration cannot proceed; each message says what to do instead.
public enum CalibrationError: Error, CustomStringConvertible, Equatable {
    case tooFewImages(found: Int, needed: Int)

    public var description: String {
        switch self {
        case .tooFewImages(let found, let needed):
            return "calibration needs at least \(needed) images and got \(found); point --calibration at a folder with more labelled crops or photos"
        }
    }
}

/// Collects activation statistics of a float MobileNetV3 over calibration batches and turns
/// them into the ranges of a `QuantizedNetwork`.
public final class Calibrator {
    /// Fewer images than this give ranges that clip real inputs badly; refused.
    public static let minimumImages = 8

    let configuration: MobileNetV3Configuration
    let weights: NamedWeights
    /// One observed float network per input size met so far.
    private var forwards: [[Int]: ObservedFloatForward] = [:]
    public private(set) var observers: [String: ActivationObserver] = [:]
    public private(set) var images = 0

    public init(configuration: MobileNetV3Configuration, weights: NamedWeights, inputHeight: Int, inputWidth: Int) throws(PlanError) {
        self.configuration = configuration
        self.weights = weights
        forwards[[inputHeight, inputWidth]] = try ObservedFloatForward(
            graph: MobileNetV3Graph(configuration: configuration, inputHeight: inputHeight, inputWidth: inputWidth), weights: weights)
    }

    /// Observes one batch ([n, H, W, 3], normalised like the model's inputs). Batches may differ
    /// in size (H, W) when the network has no head: a detector sees letterboxed photos of
    /// several shapes, and ranges are per tensor, not per pixel.
    public func observe(_ batch: Tensor) {
        let n = batch.shape[0], size = [batch.shape[1], batch.shape[2]]
        if forwards[size] == nil {
            guard let made = try? ObservedFloatForward(graph: MobileNetV3Graph(configuration: configuration, inputHeight: size[0],
                                                                              inputWidth: size[1]), weights: weights) else {
                preconditionFailure("weights that compiled at one input size compile at every size")
            }
            forwards[size] = made
        }
        _ = forwards[size]!.run(input: batch.scalars, batch: n) { name, values in
            observers[name, default: ActivationObserver(seed: name.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 })].observe(values)
        }
        images += n
    }

    /// Ranges of every calibrated tensor by `method`.
    public func ranges(_ method: RangeMethod) throws(CalibrationError) -> [String: ClosedRange<Float>] {
        guard images >= Self.minimumImages else { throw .tooFewImages(found: images, needed: Self.minimumImages) }
        return observers.mapValues { $0.range(method) }
    }
}
