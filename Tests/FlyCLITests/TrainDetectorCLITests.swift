import Detector
import Foundation
import Testing

/// `flytally train --detector --model accurate` with a config file: the accurate detector keeps
/// its own input size (768 px) unless the config writes `model.inputSize` itself.
@Suite struct TrainDetectorCLITests {
    @Test func accurateModelKeepsItsInputSizeUnlessTheConfigSetsOne() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-traindet-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let simulated = try FlyTallyBinary.run(["simulate", "--photos", "1", "--flies", "3...4", "--megapixels", "0.5",
                                                "--seed", "5", "--out", dir + "/photos", "-q"], timeout: 120)
        #expect(simulated.status == 0, "\(simulated.stderr)")
        let tiny = #""epochs": 1, "batchSize": 1, "cropSize": 64"#
        try Data("{\(tiny)}".utf8).write(to: URL(fileURLWithPath: dir + "/plain.json"))
        try Data(#"{\#(tiny), "model": {"variant": "small", "widthMultiplier": 1, "inputSize": 640, "neckChannels": 64}}"#.utf8)
            .write(to: URL(fileURLWithPath: dir + "/sized.json"))
        for (config, expected) in [("plain", 768), ("sized", 640)] {
            let result = try FlyTallyBinary.run(["train", "--detector", "--model", "accurate", "--config", dir + "/\(config).json",
                                                 "--data", dir + "/photos", "--out", dir + "/run-\(config)", "-q"], timeout: 300)
            #expect(result.status == 0, "\(config): \(result.stderr)")
            let (model, _) = try DetectorModelFile.load(dir + "/run-\(config)/model.safetensors")
            #expect(model.configuration.inputSize == expected, "\(config)")
            #expect(model.configuration.variant == .large, "\(config)")
        }
    }

    /// `--output-stride 4 --init-from` a stride-8 detector: the refined model is a stride-4 one;
    /// strides other than 4 and 8, and the option without --detector, are refused.
    @Test func outputStrideFourRefinesAStrideEightDetector() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-stride-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let simulated = try FlyTallyBinary.run(["simulate", "--photos", "1", "--flies", "3...4", "--megapixels", "0.5",
                                                "--seed", "6", "--out", dir + "/photos", "-q"], timeout: 120)
        #expect(simulated.status == 0, "\(simulated.stderr)")
        try Data(#"{"epochs": 1, "batchSize": 1, "cropSize": 64}"#.utf8).write(to: URL(fileURLWithPath: dir + "/tiny.json"))
        let common = ["train", "--detector", "--config", dir + "/tiny.json", "--data", dir + "/photos", "-q"]
        let coarse = try FlyTallyBinary.run(common + ["--out", dir + "/coarse"], timeout: 300)
        #expect(coarse.status == 0, "\(coarse.stderr)")
        let fine = try FlyTallyBinary.run(common + ["--out", dir + "/fine", "--output-stride", "4",
                                                    "--init-from", dir + "/coarse/model.safetensors"], timeout: 300)
        #expect(fine.status == 0, "\(fine.stderr)")
        #expect(try DetectorModelFile.load(dir + "/coarse/model.safetensors").model.configuration.outputStride == 8)
        #expect(try DetectorModelFile.load(dir + "/fine/model.safetensors").model.configuration.outputStride == 4)
        let odd = try FlyTallyBinary.run(common + ["--out", dir + "/odd", "--output-stride", "2"], timeout: 60)
        #expect(odd.status != 0 && odd.stderr.contains("--output-stride must be 4 or 8"), "\(odd.stderr)")
        let traits = try FlyTallyBinary.run(["train", "--data", dir + "/photos", "--out", dir + "/t", "--output-stride", "4", "-q"], timeout: 60)
        #expect(traits.status != 0 && traits.stderr.contains("--output-stride apply to --detector"), "\(traits.stderr)")
    }
}
