import ArgumentParser
import ConsoleOutput
import Datasets
import Foundation
import ImageIO
import ImageProcessing
import Traits

/// `flytally explain`: Grad-CAM heat maps per trait over fly crops, with the keypoints.
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show where the trait classifier looks: Grad-CAM maps per trait over each crop, with the predicted keypoints.",
        discussion: """
            For every crop (image files or directories of them, e.g. the crops of `flytally \
            simulate --crops`), OUT/<name>-explain.png shows four panels: the crop with the \
            predicted keypoints (head red, tail blue, wing tips yellow), then the Grad-CAM map \
            of the eye, wing and sex decisions (evidence for the predicted class; blue = none, \
            red = most), each labelled with the prediction and its probability.
            """)

    @Argument(help: "Trait classifier model file.")
    var model: String

    @Argument(help: "Crop images or directories.")
    var crops: [String]

    @Option(help: ArgumentHelp("Output directory.", valueName: "dir"))
    var out: String

    @Option(help: "Side of each panel in pixels.")
    var panel = 160

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !crops.isEmpty else { throw ValidationError("Give at least one crop image or directory.") }
        guard (64...512).contains(panel) else { throw ValidationError("--panel must be 64…512.") }
    }

    func run() throws {
        let classifier: TraitClassifier
        do { classifier = try TraitModelFile.load(model) } catch { throw InputFailure("\(error)") }
        do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
            throw InputFailure("\(out): cannot create output directory (\(error.localizedDescription))")
        }
        let collected = ImageFileCollector.collect(crops)
        let problems = ProblemReport()
        for p in collected.problems { problems.add("\(p)") }
        // One compiled plan for the keypoints of every crop (not one per crop).
        let predictor = TraitPredictor(classifier)
        let bar = ProgressBar(title: "explaining", total: collected.files.count, unit: "crops", style: output.progressStyle)
        for path in collected.files {
            defer { bar.advance() }
            let crop: RGBImage
            do { crop = try ImageDecoder.decode(fileAt: path).image } catch { problems.add("\(error)"); continue }
            let cam = GradCAM.explain(classifier, crop: crop)
            let prediction = predictor.predict([crop])[0]
            let sheet = Self.sheet(crop: crop, cam: cam, keypoints: prediction.keypoints, panel: panel)
            let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension + "-explain.png"
            do { try ImageEncoder.write(sheet, to: (out as NSString).appendingPathComponent(name)) } catch { problems.add("\(error)") }
        }
        bar.finish()
        if !output.quiet { print("\(collected.files.count - problems.lines.count) explanations in \(out)") }
        if !problems.isEmpty {
            problems.lines.forEach { StandardError.line("skipped: \($0)") }
            throw BatchHadProblems()
        }
    }

    static func sheet(crop: RGBImage, cam: GradCAM.Result, keypoints: FlyKeypoints?, panel: Int) -> RGBImage {
        let scaled = crop.resized(width: panel, height: panel)
        var first = scaled
        if let k = keypoints {
            let sx = Double(panel) / Double(crop.width), sy = Double(panel) / Double(crop.height)
            for (p, c) in zip(k.all, [RGB(255, 0, 0), RGB(0, 0, 255), RGB(255, 255, 0), RGB(255, 255, 0)]) {
                first.fillCircle(center: Point2D(p.x * sx, p.y * sy), radius: 3, color: c)
            }
        }
        var panels = [first]
        for t in 0..<3 {
            var p = GradCAM.overlay(scaled, map: cam.maps[t], width: cam.width, height: cam.height)
            let positive = cam.probabilities[t] >= 0.5
            let label = "\(TraitEncoding.names[t]): \(positive ? TraitEncoding.positives[t] : TraitEncoding.negatives[t]) "
                + String(format: "%.2f", positive ? cam.probabilities[t] : 1 - cam.probabilities[t])
            p.drawText(label, x: 2, y: 2, color: .black, background: .white)
            panels.append(p)
        }
        var sheet = RGBImage(width: panel * 4 + 6, height: panel, fill: .white)
        for (i, p) in panels.enumerated() {
            for y in 0..<panel { for x in 0..<panel { sheet[i * (panel + 2) + x, y] = p[x, y] } }
        }
        return sheet
    }
}
