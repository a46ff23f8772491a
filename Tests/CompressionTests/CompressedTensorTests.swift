import Quantization
import SafeTensors
import Testing

@Suite struct CompressedTensorTests {
    /// Dense and sparse storage, uniform and power-of-two grids: the file gives back exactly the
    /// levels, and the decoded values are level × scale / ±2^e.
    @Test func roundTripsThroughAFile() throws {
        let uniformLevels: [Int32] = [0, 0, 0, 7, -7, 0, 3, 0, 0, 0, 0, -1]   // mostly zero → sparse
        let uniform = try CompressedTensor(shape: [2, 6], bits: 4, grid: .uniform(scales: [0.5, 0.25]), levels: uniformLevels)
        #expect(uniform.isStoredSparse)  // see the storage sizes below
        let pow2 = try CompressedTensor(shape: [5], bits: 5, grid: .powerOfTwo(smallestExponent: -8), levels: [8, -1, 3, 0, -8])
        #expect(!pow2.isStoredSparse)
        var metadata: [String: String] = [:]
        var entries: [SafeTensorsEntry] = []
        for (name, t) in [("a", uniform), ("b", pow2)] {
            entries += try t.entries(name: name)
            metadata[name] = t.descriptor
        }
        let file = try SafeTensorsFile(entries: entries, metadata: metadata)
        let a = try CompressedTensor(name: "a", descriptor: metadata["a"]!, file: file)
        let b = try CompressedTensor(name: "b", descriptor: metadata["b"]!, file: file)
        #expect(a == uniform && b == pow2)
        #expect(a.decoded() == [0, 0, 0, 3.5, -3.5, 0, 0.75, 0, 0, 0, 0, -0.25])
        let expectedPowers: [Float] = [0.5, -0.00390625, 0.015625, 0, -0.5]
        #expect(b.decoded() == expectedPowers)
        // 12 values at 4 bits dense = 48 bits; bitmap 12 bits; Rice gaps (3, 0, 1, 4) with k = 1:
        // 3 + 2 + 2 + 4 = 11 bits → the gaps win; plus 4 codes × 4 bits: 2 + 2 bytes.
        #expect(uniform.index == .riceGaps(k: 1))
        #expect(uniform.storedCodeBytes == 4)
        #expect((file["a"]?.data.count ?? 0) + (file["a.gaps"]?.data.count ?? 0) == 2 + 2)
    }

    /// At high sparsity Rice-coded gaps beat the bitmap, and read back exactly (first and last
    /// positions, long and short runs).
    @Test func riceCodedGapsAtHighSparsity() throws {
        var levels = [Int32](repeating: 0, count: 1000)
        for (i, p) in [0, 3, 4, 50, 51, 300, 301, 302, 777, 999].enumerated() { levels[p] = Int32(i % 7) - 3 == 0 ? 2 : Int32(i % 7) - 3 }
        let t = try CompressedTensor(shape: [10, 100], bits: 3, grid: .uniform(scales: [0.1]), levels: levels)
        guard case .riceGaps(let k) = t.index else { Issue.record("expected Rice gaps, got \(t.index)"); return }
        #expect(t.storedCodeBytes < (1000 + 7) / 8, "smaller than the bitmap alone")
        let file = try SafeTensorsFile(entries: try t.entries(name: "w"), metadata: [:])
        #expect(file["w.gaps"] != nil && file["w.nonzero"] == nil)
        #expect(try CompressedTensor(name: "w", descriptor: t.descriptor, file: file) == t, "k = \(k)")
        // A corrupted gap stream is reported, not crashed on.
        var entries = try t.entries(name: "w")
        entries[entries.firstIndex { $0.name == "w.gaps" }!] = try SafeTensorsEntry(name: "w.gaps", dtype: .u8, shape: [2], data: [0xFF, 0xFF])
        let bad = try SafeTensorsFile(entries: entries, metadata: [:])
        #expect(throws: QuantizedFileError.self) { try CompressedTensor(name: "w", descriptor: t.descriptor, file: bad) }
    }

    @Test func rejectsLevelsThatDoNotFit() {
        #expect(throws: QuantizedFileError.self) { try CompressedTensor(shape: [2], bits: 3, grid: .uniform(scales: [1]), levels: [4, 0]) }
        #expect(throws: QuantizedFileError.self) { try CompressedTensor(shape: [3], bits: 3, grid: .uniform(scales: [1]), levels: [1, 0]) }
        #expect(throws: QuantizedFileError.self) { try CompressedTensor(shape: [1], bits: 3, grid: .uniform(scales: [-1]), levels: [1]) }
    }

    @Test func truncatedCodesAreReportedNotCrashed() throws {
        let t = try CompressedTensor(shape: [16], bits: 8, grid: .uniform(scales: [1]), levels: Array(repeating: 5, count: 16))
        var entries = try t.entries(name: "w")
        entries[entries.firstIndex { $0.name == "w" }!] = try SafeTensorsEntry(name: "w", dtype: .u8, shape: [3], data: [1, 2, 3])
        let file = try SafeTensorsFile(entries: entries, metadata: [:])
        #expect(throws: QuantizedFileError.self) { try CompressedTensor(name: "w", descriptor: t.descriptor, file: file) }
        #expect(throws: QuantizedFileError.self) { try CompressedTensor(name: "w", descriptor: "bits=9 shape=16", file: file) }
    }
}
