import Datasets
import Foundation
import ImageIO
import Tensors
import Testing
@testable import Detector

/// The enlarged whole-photo pass (`--tiles auto-zoom`): the network must see the photo at the
/// zoomed size, and the boxes it finds there must come back in the photo's pixels.
///
/// Runs the detection pipeline with `DetectorViewsTests`' stand-in network, which reports the
/// white rectangles of its input as CenterNet output, so every box it returns is exactly what
/// the pipeline's letterbox and mapping made of the drawn rectangles.
@Suite struct DetectorZoomTests {
    /// White rectangles on black, a 128×64 photo.
    static let boxes = [BoundingBox(x: 6, y: 10, width: 20, height: 12), BoundingBox(x: 60, y: 30, width: 12, height: 24),
                        BoundingBox(x: 96, y: 4, width: 18, height: 10)]
    static let photo: RGBImage = {
        var image = RGBImage(width: 128, height: 64)
        for b in boxes {
            for y in Int(b.y)..<Int(b.maxY) { for x in Int(b.x)..<Int(b.maxX) { image[x, y] = .white } }
        }
        return image
    }()

    @Test(arguments: [1, 2])
    func zoomedPassMapsBoxesBackToThePhoto(zoom: Int) {
        var inputSizes: [(Int, Int)] = []
        let pipeline = DetectionPipeline(inputSize: 128, stride: DetectorViewsTests.stride) { images, _, _ in
            inputSizes.append((images[0].width, images[0].height))
            // Enlarging blurs the rectangles' edges; the stand-in reads pure white only, so cut
            // the input at mid-grey, where the interpolated edge lies.
            return DetectorViewsTests.network(images.map { image in
                var sharp = image
                for y in 0..<image.height { for x in 0..<image.width { sharp[x, y] = image[x, y].r >= 128 ? .white : .black } }
                return sharp
            })
        }
        let found = pipeline.detect(Self.photo, threshold: 0.3, zoom: Double(zoom))
        #expect(inputSizes.count == 1 && inputSizes[0] == (128 * zoom, 64 * zoom), "the network sees the photo \(zoom)× enlarged")
        #expect(found.count == Self.boxes.count)
        for truth in Self.boxes {
            let best = found.map { $0.box.iou(truth) }.max() ?? 0
            #expect(best > 0.999, "box \(truth) found with IoU \(best) at zoom \(zoom)")
        }
    }

    @Test func autoZoomIsItsOwnPolicy() {
        #expect(DetectorTiling(argument: "auto-zoom") == .automaticZoom)
        #expect(DetectorTiling.automaticZoom.description == "auto-zoom")
        #expect(DetectorTiling(argument: "zoom") == nil)
    }
}
