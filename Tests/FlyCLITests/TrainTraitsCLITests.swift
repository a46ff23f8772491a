import Foundation
import Testing
import Traits

/// `flytally train --keypoint-head heatmap`: the choice reaches the model file, `eval` runs the
/// model (and writes per-crop rows with --per-crop), `quantize` writes a static-int8 file that
/// `eval` reads and refuses the other integer schemes with one line, and bad values are
/// refused; `--seed` reseeds a run.
@Suite struct TrainTraitsCLITests {
    @Test func heatMapHeadFromTheCommandLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-traintraits-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let simulated = try FlyTallyBinary.run(["simulate", "--photos", "2", "--flies", "4...5", "--megapixels", "0.5", "--crops",
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
        // --per-crop: one row per crop whose keypoint errors average to what the summary reports.
        let perCrop = dir + "/per-crop.csv"
        let summary = try FlyTallyBinary.run(["eval", "--model", dir + "/run/model.safetensors", "--data", dir + "/sim/crops", "--json",
                                              "--per-crop", perCrop], timeout: 120)
        #expect(summary.status == 0, "\(summary.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(summary.stdout.utf8)) as? [String: Any]
        let byPoint = json?["keypoint_error_by_point_percent"] as? [String: Double]
        let rows = try String(contentsOfFile: perCrop, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.first?.count == 19 && rows.first?[7] == "head_error_pct" && rows.first?[11] == "predicted_head_x")
        // The predicted keypoints: eight numbers per crop, in the crop's pixels (crops of at most a few hundred px).
        #expect(rows.dropFirst().allSatisfy { $0.count == 19 && $0[11...].allSatisfy { Double($0).map { abs($0) < 1_000 } ?? false } })
        #expect(rows.count - 1 == json?["samples"] as? Int, "\(rows.count - 1) rows")
        let heads = rows.dropFirst().compactMap { Double($0[7]) }, wings = rows.dropFirst().compactMap { Double($0[9]) }
        if let byPoint, let head = byPoint["head"], let wingTips = byPoint["wing_tips"], !heads.isEmpty {
            #expect(abs(heads.reduce(0, +) / Double(heads.count) - head) < 0.01, "per-crop head mean vs \(head)")
            #expect(abs(wings.reduce(0, +) / Double(wings.count) - wingTips) < 0.01, "per-crop wing-tip mean vs \(wingTips)")
        } else {
            Issue.record("no per-point keypoint errors in the JSON or the CSV: \(summary.stdout.prefix(300))")
        }
        let quantized = try FlyTallyBinary.run(["quantize", dir + "/run/model.safetensors", "--scheme", "dynamic-int8", "--out", dir + "/q.safetensors"])
        #expect(quantized.status == 1 && quantized.stderr.contains("not dynamic-int8"), "\(quantized.stderr)")
        let int8 = try FlyTallyBinary.run(["quantize", dir + "/run/model.safetensors", "--scheme", "static-int8", "--calibration", dir + "/sim/crops",
                                           "--out", dir + "/int8.safetensors"], timeout: 120)
        #expect(int8.status == 0, "\(int8.stderr)")
        let int8Eval = try FlyTallyBinary.run(["eval", "--model", dir + "/int8.safetensors", "--data", dir + "/sim/crops"], timeout: 120)
        #expect(int8Eval.status == 0 && int8Eval.stdout.contains("keypoints: mean error"), "\(int8Eval.stderr)")
        #expect((try TraitModelFile.load(dir + "/int8.safetensors")).quantization?.scheme == .staticInt8)
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
