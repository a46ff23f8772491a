import Layers
import Models
import SafeTensors
import Tensors

extension FlyDetector {
    /// Names of the layers only a stride-4 detector has.
    static let strideFourLayers: Set<String> = ["lateral4", "smooth4"]

    /// Loads a detector file's weights into this detector, which may have layers the file
    /// lacks: the stride-4 step, when the file is a stride-8 detector (refining it: every weight
    /// the two share is kept), and head blocks, which then keep their initial weights — the
    /// identity (`DetectorHeadBlock`). Any other difference is an error, as in `loadState(from:)`.
    func loadState(fromDetector file: SafeTensorsFile, prefix: String) throws(WeightsError) {
        let refining = configuration.outputStride == 4 && !Self.has("lateral4", in: file, prefix: prefix)
        let addingBlocks = headBlocks != nil && !Self.has("blocks", in: file, prefix: prefix)
        guard refining || addingBlocks else { return try loadState(from: file, prefix: prefix) }
        let skipped = (refining ? Self.strideFourLayers : []).union(addingBlocks ? ["blocks"] : [])
        for (name, child) in children where !skipped.contains(name) {
            try child.loadState(from: file, prefix: prefix + name + ".")
        }
        if refining { doubleSizeOutputs() }
    }

    /// After refining a stride-8 detector: the box head predicts sizes in stride units, so its
    /// width and height outputs are doubled to keep the boxes it starts with the size they were
    /// at stride 8 (the offsets are sub-cell and have no such mapping; fine-tuning relearns them).
    private func doubleSizeOutputs() {
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

    /// Whether a detector weights file (names under `prefix`) has the layer `name`.
    static func has(_ name: String, in file: SafeTensorsFile, prefix: String) -> Bool {
        file.names.contains { $0.hasPrefix(prefix + name + ".") }
    }
}
