import Autograd
import Datasets
import ImageIO
import ImageProcessing
import Tensors

/// Finding flies in whole photos: letterbox (or tiles), forward pass, decoding, boxes back in
/// the photo's pixels.
extension FlyDetector {
    /// Score above which a heat-map peak counts as a fly when the model file names none.
    public static let defaultThreshold: Float = 0.3
    /// Share of a tile's side that overlaps its neighbour (so a fly cut by one tile's edge is
    /// whole in the next).
    static let tileOverlap = 0.15

    /// The raw output map [N, H/8, W/8, 5] for equally sized inputs (eval mode, through the
    /// compiled plan).
    public func outputMap(_ inputs: [RGBImage]) -> Tensor {
        outputMap(normalized: FlyDetector.inputTensor(inputs))
    }

    /// Equally sized network inputs as one ImageNet-normalised tensor [N, H, W, 3].
    public static func inputTensor(_ inputs: [RGBImage]) -> Tensor {
        precondition(!inputs.isEmpty, "no inputs")
        let w = inputs[0].width, h = inputs[0].height
        precondition(inputs.allSatisfy { $0.width == w && $0.height == h }, "inputs of one batch must share a size")
        var tensor = Tensor.uninitialized([inputs.count, h, w, 3])
        let pixels = w * h * 3
        tensor.scalars.withUnsafeMutableBufferPointer { buffer in
            for (i, image) in inputs.enumerated() {
                image.writeFloatHWC(into: UnsafeMutableBufferPointer(rebasing: buffer[(i * pixels)..<((i + 1) * pixels)]), .imageNet)
            }
        }
        return tensor
    }

    /// The raw output map for an input tensor [N, H, W, 3] already ImageNet-normalised — the
    /// network alone, as a peer runtime running the same detector is timed.
    public func outputMap(normalized tensor: Tensor) -> Tensor {
        eval()
        // The compiled plans have no blur layers: an anti-aliased detector runs on its graph.
        if configuration.antialiased { return GradientRecording.withoutGradients { forward(Variable(tensor)).value } }
        let plan = compiled ?? DetectorPlan(self)
        compiled = plan
        return plan(tensor)
    }

    /// The steps around the network, with this detector's network averaged over `views`.
    func pipeline(views: Int, merge: TileMerge = .overlaps) -> DetectionPipeline {
        DetectionPipeline(inputSize: configuration.inputSize, stride: configuration.outputStride, merge: merge) { inputs, _, _ in
            DetectorViews.averagedOutput(inputs, count: views, network: self.outputMap)
        }
    }

    /// Every fly in `photo`, best first, boxes in the photo's pixels.
    /// - Parameters:
    ///   - tiles: 1 = the whole photo letterboxed into the input; n > 1 = an n×n grid of
    ///     overlapping tiles, each letterboxed, for large photos whose flies would otherwise
    ///     shrink to a few pixels; boxes found twice where tiles overlap are merged.
    ///   - views: dihedral views of each input whose output maps are averaged (1, 2, 4 or 8;
    ///     see `DetectorViews`); the time grows with them.
    ///   - merge: which boxes of overlapping tiles are one fly (`TileMerge`).
    public func detect(_ photo: RGBImage, threshold: Float, tiles: Int = 1, views: Int = 1, merge: TileMerge = .overlaps) -> [Detection] {
        pipeline(views: views, merge: merge).detect(photo, threshold: threshold, tiles: tiles)
    }

    /// Every fly in `photo` from one pass over the whole photo enlarged `zoom` times: its long
    /// side becomes `zoom` × the input size (the letterbox pads the rest to whole 32-px cells).
    /// It enlarges small flies as tiles do, but no fly is cut by a tile's edge and no box has to
    /// be merged with another tile's (docs/RESULTS.md, "The stride-4 detector bundled; one
    /// enlarged pass instead of tiles"). A zoom below 1 shrinks the photo, for flies too large
    /// for the network (close-ups).
    public func detect(_ photo: RGBImage, threshold: Float, zoom: Double, views: Int = 1) -> [Detection] {
        pipeline(views: views).detect(photo, threshold: threshold, zoom: zoom)
    }
}
