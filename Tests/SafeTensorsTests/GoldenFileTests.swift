import Foundation
import Testing
@testable import SafeTensors

/// The reference file written by PyTorch's safetensors reads correctly. Needs ../shared
/// (the shared data checkout beside the repository): skipped, and listed as skipped, without it.
@Suite(.enabled(if: Support.goldenAvailable, "needs ../shared/golden/ops.safetensors (the shared data checkout)"))
struct GoldenFileTests {
    @Test func opsFileHasItsTensorsShapesAndMetadata() throws {
        let file = try SafeTensorsFile.read(path: Support.goldenOpsPath)
        #expect(file.entries.count == 118)
        #expect(file["conv1x1.w"]?.shape == [40, 24, 1, 1])
        #expect(file["conv1x1.w"]?.dtype == .f32)
        #expect(file.metadata["cases"]?.hasPrefix("[{\"name\": \"conv3x3_s1\"") == true)
        #expect(file.metadata["layout"]?.hasPrefix("NCHW") == true)
    }

    @Test func opsFileValuesMatchPython() throws {
        // First three values of conv1x1.w as printed by Python's struct.unpack('<3f', ...).
        let weights = try #require(try SafeTensorsFile.read(path: Support.goldenOpsPath)["conv1x1.w"]).floats()
        #expect(weights.count == 40 * 24)
        #expect(Array(weights.prefix(3)) == [0.8625020980834961, -1.1616171598434448, 0.6551983952522278])
    }

    @Test func reencodingTheReferenceFileGivesTheSameBytes() throws {
        // The reference writer also sorts names, writes compact JSON and pads with spaces,
        // and this file's two metadata keys are in sorted order, so the bytes must agree.
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Support.goldenOpsPath)))
        #expect(try SafeTensorsFile.decode(original).encode() == original)
    }
}
