import Layers
import Models
import SafeTensors
import Tensors

extension FlyDetector {
    /// Names of the layers only a stride-4 detector has.
    static let strideFourLayers: Set<String> = ["lateral4", "smooth4"]

    /// Loads a stride-8 detector's weights into this stride-4 detector: every layer the two
    /// share (backbone, stride-8…32 neck, heads); the new stride-4 step keeps its initial
    /// weights. The box head predicts sizes in stride units, so its width and height outputs
    /// are doubled to keep the boxes it starts with the size they were at stride 8 (the
    /// offsets are sub-cell and have no such mapping; fine-tuning relearns them).
    func loadState(fromStrideEight file: SafeTensorsFile, prefix: String) throws(WeightsError) {
        precondition(configuration.outputStride == 4, "only a stride-4 detector refines a stride-8 one")
        for (name, child) in children where !Self.strideFourLayers.contains(name) {
            try child.loadState(from: file, prefix: prefix + name + ".")
        }
        guard let sizeOut = boxHead.layers.last as? Conv2D else { preconditionFailure("the box head ends in a convolution") }
        var weight = sizeOut.weight.value
        let perOutput = weight.count / weight.shape[0]
        for i in 0..<(2 * perOutput) { weight.scalars[i] *= 2 }   // outputs 0, 1 = w, h (OHWI: output-major)
        sizeOut.weight.value = weight
        if let bias = sizeOut.bias {
            var b = bias.value
            b.scalars[0] *= 2
            b.scalars[1] *= 2
            bias.value = b
        }
    }

    /// Whether a detector weights file (names under `prefix`) has the stride-4 step.
    static func hasStrideFourLayers(_ file: SafeTensorsFile, prefix: String) -> Bool {
        file.names.contains { $0.hasPrefix(prefix + "lateral4.") }
    }
}
