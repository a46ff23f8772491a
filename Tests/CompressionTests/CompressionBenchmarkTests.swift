import CompressionBenchmark
import Foundation
import Testing

@Suite struct CompressionBenchmarkTests {
    @Test func shapesAreDeterministicBalancedAndDistinct() {
        let a = SyntheticShapes.make(count: 400, seed: 3), b = SyntheticShapes.make(count: 400, seed: 3)
        #expect(a.images == b.images && a.labels == b.labels, "same seed, same images")
        #expect(SyntheticShapes.make(count: 10, seed: 4).images != SyntheticShapes.make(count: 10, seed: 5).images)
        let counts = (0..<10).map { c in a.labels.filter { $0 == c }.count }
        #expect(counts.allSatisfy { $0 >= 20 && $0 <= 60 }, "classes roughly balanced: \(counts)")
        // Plain and striped versions of a shape differ in how often neighbouring pixels change.
        func edgeDensity(_ label: Int) -> Float {
            let side = SyntheticShapes.side
            var total: Float = 0, n = 0
            for i in a.labels.indices where a.labels[i] == label {
                let base = i * side * side * 3
                for y in 0..<side { for x in 1..<side {
                    total += abs(a.images.scalars[base + (y * side + x) * 3] - a.images.scalars[base + (y * side + x - 1) * 3])
                    n += 1
                }}
            }
            return total / Float(n)
        }
        #expect(edgeDensity(1) > edgeDensity(0) && edgeDensity(3) > edgeDensity(2), "striped shapes have more edges")
    }

    /// A tiny end-to-end run: fp32 training, one compressed row, results kept; the second run
    /// reads the finished row instead of training again.
    @Test func runsARowAndResumesFromItsResult() throws {
        let dir = NSTemporaryDirectory() + "bench-compress-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var settings = CompressionBenchmark.Settings()
        settings.trainCount = 128
        settings.testCount = 64
        settings.widthMultiplier = 0.25
        settings.epochs = 1
        settings.finetuneEpochs = 1
        let bench = CompressionBenchmark(settings: settings, directory: dir)
        var lines: [String] = []
        let rows = try bench.run(only: ["inq-w5"]) { lines.append($0) }
        #expect(rows.map(\.name) == ["fp32", "inq-w5"])
        let inq = rows[1]
        #expect(inq.averageBits == 5 && inq.compressionRatio > 3, "5-bit codes against fp32: \(inq.compressionRatio)")
        #expect(FileManager.default.fileExists(atPath: dir + "/inq-w5.safetensors"))
        var again: [String] = []
        let second = try bench.run(only: ["inq-w5"]) { again.append($0) }
        #expect(second[1].accuracy == inq.accuracy && !again.contains { $0.contains("INQ round") }, "the finished row is read back")
        #expect(CompressionBenchmark.table(second).contains("| inq-w5 | W5/A32 |"))
    }
}
