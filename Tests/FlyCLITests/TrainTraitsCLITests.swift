import Foundation
import Testing
import Traits

/// `flytally train --keypoint-head heatmap`: the choice reaches the model file, `eval` runs the
/// model, `quantize` refuses integer schemes for it with one line, and bad values are refused;
/// `--seed` reseeds a run.
@Suite struct TrainTraitsCLITests {
    @Test func heatMapHeadFromTheCommandLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-traintraits-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let simulated = try FlyTallyBinary.run(["simulate", "--photos", "1", "--flies", "4...5", "--megapixels", "0.5", "--crops",
                                                "--seed", "6", "--out", dir + "/sim", "-q"], timeout: 120)
        #expect(simulated.status == 0, "\(simulated.stderr)")
        try Data(#"{"stages": 1, "epochsPerStage": 1, "startSize": 64, "endSize": 64, "batchSize": 4}"#.utf8)
            .write(to: URL(fileURLWithPath: dir + "/tiny.json"))
        let trained = try FlyTallyBinary.run(["train", "--config", dir + "/tiny.json", "--keypoint-head", "heatmap", "--data", dir + "/sim/crops",
                                              "--out", dir + "/run", "-q"], timeout: 300)
        #expect(trained.status == 0, "\(trained.stderr)")
        let model = try TraitModelFile.load(dir + "/run/model.safetensors")
        #expect(model.configuration.keypointHead == .heatmap && model.configuration.usesKeypointMaps)
        let evaluated = try FlyTallyBinary.run(["eval", "--model", dir + "/run/model.safetensors", "--data", dir + "/sim/crops"], timeout: 120)
        #expect(evaluated.status == 0 && evaluated.stdout.contains("keypoints: mean error"), "\(evaluated.stderr)")
        let quantized = try FlyTallyBinary.run(["quantize", dir + "/run/model.safetensors", "--scheme", "dynamic-int8", "--out", dir + "/q.safetensors"])
        #expect(quantized.status == 1 && quantized.stderr.contains("regression keypoint head only"), "\(quantized.stderr)")
        for bad in [["--keypoint-head", "maps"], ["--keypoint-head", "heatmap", "--no-keypoints"], ["--keypoint-head", "heatmap", "--detector"]] {
            let r = try FlyTallyBinary.run(["train", "--data", dir + "/sim/crops", "--out", dir + "/bad"] + bad)
            #expect(r.status == 1 && r.stderr.contains("--keypoint-head"), "\(bad): \(r.stderr)")
        }
        // The same run with another --seed starts from other weights (and the four-map pair head
        // trains from the command line too); resuming a run under a third seed is refused.
        let reseeded = try FlyTallyBinary.run(["train", "--config", dir + "/tiny.json", "--keypoint-head", "heatmap-pair", "--seed", "2",
                                               "--data", dir + "/sim/crops", "--out", dir + "/run2", "-q"], timeout: 300)
        #expect(reseeded.status == 0, "\(reseeded.stderr)")
        let other = try TraitModelFile.load(dir + "/run2/model.safetensors")
        #expect(other.configuration.keypointHead == .heatmapPair)
        #expect(other.features.parameters[0].value != model.features.parameters[0].value, "seed 2 gave seed 1's first weights")
        let resumed = try FlyTallyBinary.run(["train", "--config", dir + "/tiny.json", "--keypoint-head", "heatmap-pair", "--seed", "3",
                                              "--data", dir + "/sim/crops", "--out", dir + "/run2", "--resume"])
        #expect(resumed.status == 1 && resumed.stderr.contains("different training config"), "\(resumed.stderr)")
    }
}
