import Detector
import Foundation
import SafeTensors
import Tensors
import Testing

/// `flytally bench detector --network-only --save-io`: the network alone, and the input and
/// output map a peer runtime is checked against (benchmarks/peers/ort_detector.py).
@Suite struct BenchDetectorCLITests {
    @Test func networkOnlyWritesTheInputAndOutputOfTheForwardPass() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-benchdet-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let io = dir + "/io.safetensors"
        let result = try FlyTallyBinary.run(["bench", "detector", FlyTallyBinary.fixture("gray.jpg"), "--sizes", "fast",
                                             "--network-only", "--repeats", "1", "--threads", "1", "--save-io", io], timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("network") && result.stdout.contains("512×512"), "\(result.stdout)")
        let file = try SafeTensorsFile.read(path: io)
        let input = try #require(file.entries.first { $0.name == "input" }), output = try #require(file.entries.first { $0.name == "output" })
        #expect(input.shape == [1, 512, 512, 3] && output.shape == [1, 64, 64, 5])
        // The saved output is what the same network (bench's random weights, seed 1) makes of
        // the saved input.
        let detector = FlyDetector(.fast, seed: 1)
        let expected = detector.outputMap(normalized: Tensor(shape: input.shape, scalars: try input.floats()))
        let saved = try output.floats()
        let worst = zip(saved, expected.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-4, "max difference \(worst)")

        let refused = try FlyTallyBinary.run(["bench", "detector", FlyTallyBinary.fixture("gray.jpg"), "--save-io", io])
        #expect(refused.status != 0 && refused.stderr.contains("--save-io needs --network-only"), "\(refused.stderr)")
    }
}
