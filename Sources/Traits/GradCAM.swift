import Autograd
import Foundation
import ImageIO
import ImageProcessing
import Tensors

/// Grad-CAM (Selvaraju et al., ICCV 2017) for the trait classifier: where in the crop the
/// evidence for each trait decision lies. For trait t the class score is the logit when the
/// model predicts the positive class (white, miniature, male) and minus the logit otherwise,
/// so the map always shows the evidence for the *predicted* class. With A the last feature
/// map (h × w × C) and g = ∂score/∂A: α_c = mean over (h, w) of g_c, map = ReLU(Σ_c α_c A_c),
/// scaled to 0…1 by its maximum.
public enum GradCAM {
    public struct Result: Sendable {
        /// One map per trait (eye, wing, sex), `width` × `height` values in 0…1, row-major.
        public var maps: [[Float]]
        public var width: Int
        public var height: Int
        public var probabilities: [Float]
    }

    public static func explain(_ model: TraitClassifier, crop: RGBImage, size: Int? = nil) -> Result {
        let side = size ?? model.configuration.inputSize
        model.eval()
        let input = Tensor(shape: [1, side, side, 3], scalars: crop.resized(width: side, height: side).floatHWC(.imageNet))
        let featureValue = GradientRecording.withoutGradients { model.features(Variable(input)).value }
        let h = featureValue.shape[1], w = featureValue.shape[2], c = featureValue.shape[3]
        var maps: [[Float]] = [], probabilities: [Float] = []
        for trait in 0..<3 {
            // A fresh leaf per trait: its gradient is exactly ∂score/∂A.
            let a = Variable(featureValue, requiresGrad: true)
            let logits = model.traitHead(model.hidden(flatten(globalAveragePool(a))))
            let logit = logits.value.scalars[trait]
            let probability = 1 / (1 + Foundation.exp(-logit))
            probabilities.append(probability)
            let score = scale(sliceChannels(logits, trait..<(trait + 1)), probability >= 0.5 ? 1 : -1)
            score.backward()
            let g = a.grad!.scalars, v = featureValue.scalars
            var alpha = [Float](repeating: 0, count: c)
            for p in 0..<(h * w) { for k in 0..<c { alpha[k] += g[p * c + k] } }
            for k in 0..<c { alpha[k] /= Float(h * w) }
            var map = [Float](repeating: 0, count: h * w)
            for p in 0..<(h * w) {
                var s: Float = 0
                for k in 0..<c { s += alpha[k] * v[p * c + k] }
                map[p] = max(0, s)
            }
            let top = map.max() ?? 0
            if top > 0 { for p in map.indices { map[p] /= top } }
            maps.append(map)
        }
        model.zeroGrad()
        return Result(maps: maps, width: w, height: h, probabilities: probabilities)
    }

    /// The crop with a map laid over it (blue → red colour scale, 50 % opacity).
    public static func overlay(_ crop: RGBImage, map: [Float], width: Int, height: Int) -> RGBImage {
        // Bilinear upsampling of the coarse map through an image resize (grey levels).
        var grey = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let v = UInt8(max(0, min(255, (map[y * width + x] * 255).rounded())))
                grey[x, y] = RGB(v, v, v)
            }
        }
        let up = grey.resized(width: crop.width, height: crop.height)
        var out = crop
        for y in 0..<crop.height {
            for x in 0..<crop.width {
                let t = Float(up[x, y].r) / 255
                let heat = colour(t), base = crop[x, y]
                func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Float(a) * 0.5 + Float(b) * 0.5).rounded()) }
                out[x, y] = RGB(mix(base.r, heat.r), mix(base.g, heat.g), mix(base.b, heat.b))
            }
        }
        return out
    }

    /// A simple perceptual ramp: dark blue (0) → cyan → yellow → red (1).
    static func colour(_ t: Float) -> RGB {
        let stops: [(Float, Float, Float)] = [(0, 0, 0.5), (0, 0.8, 1), (1, 0.9, 0), (0.9, 0, 0)]
        let s = max(0, min(1, t)) * Float(stops.count - 1)
        let i = min(stops.count - 2, Int(s)), f = s - Float(i)
        let a = stops[i], b = stops[i + 1]
        return RGB(UInt8((a.0 + (b.0 - a.0) * f) * 255), UInt8((a.1 + (b.1 - a.1) * f) * 255), UInt8((a.2 + (b.2 - a.2) * f) * 255))
    }
}
