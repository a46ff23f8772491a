import Augmentation
import Datasets
import Foundation
import ImageIO
import ImageProcessing
import TensorKernels
import Tensors

/// A batch of augmented square training crops with CenterNet targets.
struct DetectorBatch {
    var input: Tensor     // [N, S, S, 3], ImageNet-normalised
    var heatmap: Tensor   // [N·(S/s)², 1], s the model's output stride
    var box: Tensor       // [N·(S/s)², 4]: w, h (stride units), dx, dy at the cells that learn boxes
    var boxWeights: Tensor
    var objects: Int

    /// Photometric operations only: the geometry is done here, where the boxes move with it.
    static let photometric: [AugmentationOperation] = [
        .identity, .autoContrast, .color, .contrast, .brightness, .sharpness,
        .gaussianBlur, .motionBlur, .gaussianNoise, .speckleNoise, .jpegCompression,
    ]

    static func make(_ samples: [DetectorSample], recipe: DetectorRecipe, rng: inout RandomSource) -> DetectorBatch {
        let size = recipe.cropSize, stride = recipe.model.outputStride, cells = size / stride
        let n = samples.count, pixels = size * size * 3
        var input = Tensor.uninitialized([n, size, size, 3])
        var heat = Tensor(shape: [n * cells * cells, 1])
        var box = Tensor(shape: [n * cells * cells, 4]), weights = Tensor(shape: [n * cells * cells, 4])
        var objects = 0
        let photometric = RandAugment(n: recipe.photometricOps, magnitude: recipe.photometricMagnitude, allowFlips: false,
                                      operations: photometric)
        // Crops are prepared in parallel, each with its own generator split from `rng` in order,
        // so the batch does not depend on the thread count.
        let generators = samples.map { _ in rng.split() }
        let prepared = parallelMap(n) { i -> (image: RGBImage, targets: CenterTargets) in
            var sampleRNG = generators[i]
            var (image, boxes, heads) = crop(samples[i], recipe: recipe, rng: &sampleRNG)
            let symmetry = recipe.geometricAugmentation != .full ? Dihedral.identity
                : Dihedral(transpose: Bool.random(using: &sampleRNG), flipHorizontal: Bool.random(using: &sampleRNG),
                           flipVertical: Bool.random(using: &sampleRNG))
            boxes = boxes.map { symmetry.apply($0, width: image.width, height: image.height) }
            heads = heads.map { $0.map { symmetry.apply($0, width: image.width, height: image.height) } }
            image = symmetry.apply(image)
            if recipe.photometricOps > 0 { image = photometric.apply(to: image, keypoints: [], rng: &sampleRNG).image }
            recipe.lightingJitter?.apply(to: &image, rng: &sampleRNG)
            return (image, CenterTargets.make(boxes: boxes, heads: recipe.peakAnchor == .head ? heads : nil, outputSize: cells,
                                              stride: stride, boxCells: recipe.boxTargets,
                                              radiusScale: recipe.peakRadiusScale, peakCentre: recipe.peakCentre,
                                              soft: recipe.heatLoss == .qualityFocal))
        }
        for (i, (image, t)) in prepared.enumerated() {
            input.scalars.withUnsafeMutableBufferPointer { buffer in
                image.writeFloatHWC(into: UnsafeMutableBufferPointer(rebasing: buffer[(i * pixels)..<((i + 1) * pixels)]), .imageNet)
            }
            let offset = i * cells * cells
            for j in 0..<(cells * cells) {
                heat.scalars[offset + j] = t.heatmap.scalars[j]
                for k in 0..<4 {
                    box.scalars[(offset + j) * 4 + k] = t.box.scalars[j * 4 + k]
                    weights.scalars[(offset + j) * 4 + k] = t.boxWeights.scalars[j * 4 + k]
                }
            }
            objects += t.objects
        }
        return DetectorBatch(input: input, heatmap: heat, box: box, boxWeights: weights, objects: objects)
    }

    /// A `cropSize` square from the photo at a random scale and position, with the boxes it
    /// contains in crop pixels and their flies' heads (nil where unknown). A fly cut by the crop
    /// edge keeps its box (clipped) when at least half of it is inside; smaller remnants are
    /// dropped. A kept fly's head may lie outside the crop.
    static func crop(_ sample: DetectorSample, recipe: DetectorRecipe,
                     rng: inout RandomSource) -> (image: RGBImage, boxes: [BoundingBox], heads: [Point2D?]) {
        let size = Double(recipe.cropSize), photo = sample.image
        let letterboxScale = Double(recipe.model.inputSize) / Double(max(photo.width, photo.height))
        var scale: Double
        if recipe.geometricAugmentation != .full {
            scale = letterboxScale
        } else if sample.medianFlySide > 0 && Double.random(in: 0..<1, using: &rng) >= recipe.letterboxShare {
            let low = Foundation.log(recipe.flySizeRange[0]), high = Foundation.log(recipe.flySizeRange[1])
            scale = Foundation.exp(low + Double.random(in: 0..<1, using: &rng) * (high - low)) / sample.medianFlySide
        } else {
            scale = letterboxScale * Foundation.exp(Foundation.log(0.8) + Double.random(in: 0..<1, using: &rng) * Foundation.log(1.25 / 0.8))
        }
        // The crop's square in photo pixels; it may stick out of the photo (padding).
        let side = size / scale
        let spareX = Double(photo.width) - side, spareY = Double(photo.height) - side
        var x0 = spareX >= 0 ? Double.random(in: 0..<1, using: &rng) * spareX : spareX * Double.random(in: 0..<1, using: &rng)
        var y0 = spareY >= 0 ? Double.random(in: 0..<1, using: &rng) * spareY : spareY * Double.random(in: 0..<1, using: &rng)
        switch recipe.geometricAugmentation {
        case .full, .shifts: break
        case .none: (x0, y0) = (0, 0)
        case .gridShifts, .cellShifts:
            // Snap the origin to the nearest multiple of 32 (or the output stride's) input pixels.
            let step = Double(recipe.geometricAugmentation == .gridShifts ? 32 : recipe.model.outputStride) / scale
            (x0, y0) = ((x0 / step).rounded() * step, (y0 / step).rounded() * step)
        }
        let ix = Int(x0.rounded(.down)), iy = Int(y0.rounded(.down)), iside = max(1, Int(side.rounded(.up)))
        let region = photo.cropped(x: ix, y: iy, width: iside, height: iside, fill: Letterbox.padding)
        let image = region.resized(width: recipe.cropSize, height: recipe.cropSize)
        let k = size / Double(iside)
        var boxes: [BoundingBox] = [], heads: [Point2D?] = []
        for (b, head) in zip(sample.boxes, sample.heads) {
            let moved = BoundingBox(x: (b.x - Double(ix)) * k, y: (b.y - Double(iy)) * k, width: b.width * k, height: b.height * k)
            if let inside = moved.keptInCrop(width: recipe.cropSize, height: recipe.cropSize) {
                boxes.append(inside)
                heads.append(head.map { Point2D(($0.x - Double(ix)) * k, ($0.y - Double(iy)) * k) })
            }
        }
        return (image, boxes, heads)
    }
}
