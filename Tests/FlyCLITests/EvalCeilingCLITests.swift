import Detector
import Foundation
import Testing

/// `flytally eval --detector --ceiling`: scores the design (the training targets as the output)
/// instead of the model file's network, at the file's input size and stride; refused without
/// --detector and with --views.
@Suite struct EvalCeilingCLITests {
    @Test func ceilingScoresTheTargetsNotTheNetwork() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-ceiling-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let simulated = try FlyTallyBinary.run(["simulate", "--photos", "2", "--flies", "4...6", "--touching", "0", "--megapixels", "0.5",
                                                "--seed", "7", "--out", dir + "/photos", "-q"], timeout: 120)
        #expect(simulated.status == 0, "\(simulated.stderr)")
        // An untrained detector: its own network finds next to nothing, the ceiling every fly.
        let model = dir + "/untrained.safetensors"
        try DetectorModelFile.save(FlyDetector(FlyDetectorConfiguration(variant: .small, widthMultiplier: 0.5, inputSize: 256,
                                                                        neckChannels: 16, outputStride: 4)), threshold: 0.3, to: model)
        func metrics(_ extra: [String]) throws -> DetectionMetrics {
            let result = try FlyTallyBinary.run(["eval", "--detector", "--model", model, "--data", dir + "/photos", "--json"] + extra, timeout: 300)
            #expect(result.status == 0, "\(result.stderr)")
            return try JSONDecoder().decode(DetectionMetrics.self, from: Data(result.stdout.utf8))
        }
        let ceiling = try metrics(["--ceiling"]), network = try metrics([])
        #expect(ceiling.flies >= 8)
        #expect(ceiling.falseNegatives == 0 && ceiling.falsePositives == 0, "ceiling: \(ceiling.text)")
        #expect(ceiling.ap50 > 0.99 && network.ap50 < 0.5, "ceiling AP \(ceiling.ap50), untrained network AP \(network.ap50)")
        // FlySim's flies carry head keypoints: the design whose peaks mark heads finds them too.
        let heads = try metrics(["--ceiling", "--ceiling-anchor", "head"])
        #expect(heads.falseNegatives == 0 && heads.falsePositives == 0, "head ceiling: \(heads.text)")
        let text = try FlyTallyBinary.run(["eval", "--detector", "--ceiling", "--model", model, "--data", dir + "/photos"], timeout: 300)
        #expect(text.stdout.contains("the design's ceiling"), "\(text.stdout)")

        let traits = try FlyTallyBinary.run(["eval", "--ceiling", "--model", model, "--data", dir + "/photos"], timeout: 60)
        #expect(traits.status != 0 && traits.stderr.contains("--ceiling is for detectors"), "\(traits.stderr)")
        let views = try FlyTallyBinary.run(["eval", "--detector", "--ceiling", "--views", "4", "--model", model, "--data", dir + "/photos"], timeout: 60)
        #expect(views.status != 0 && views.stderr.contains("leave --views at 1"), "\(views.stderr)")
        let anchorAlone = try FlyTallyBinary.run(["eval", "--detector", "--ceiling-anchor", "head", "--model", model, "--data", dir + "/photos"], timeout: 60)
        #expect(anchorAlone.status != 0 && anchorAlone.stderr.contains("--ceiling-anchor is for --ceiling"), "\(anchorAlone.stderr)")
        let badAnchor = try FlyTallyBinary.run(["eval", "--detector", "--ceiling", "--ceiling-anchor", "tail", "--model", model, "--data", dir + "/photos"], timeout: 60)
        #expect(badAnchor.status != 0 && badAnchor.stderr.contains("--ceiling-anchor must be 'centre' or 'head'"), "\(badAnchor.stderr)")
        let merge = try FlyTallyBinary.run(["eval", "--detector", "--tile-merge", "sideways", "--model", model, "--data", dir + "/photos"], timeout: 60)
        #expect(merge.status != 0 && merge.stderr.contains("--tile-merge must be 'overlaps' or 'across-tiles'"), "\(merge.stderr)")
    }
}
