import Testing
@testable import SafeTensors

/// Building entries and files checks sizes and names; floats need a numeric dtype.
@Suite struct EntryTests {
    @Test func rawBytesMustMatchTheShape() {
        #expect(throws: SafeTensorsError.dataSizeMismatch(tensor: "w", shape: [2, 2], dtype: .f32, needed: 16, given: 12)) {
            try SafeTensorsEntry(name: "w", dtype: .f32, shape: [2, 2], data: Array(repeating: 0, count: 12))
        }
        #expect(SafeTensorsError.dataSizeMismatch(tensor: "w", shape: [2, 2], dtype: .f32, needed: 16, given: 12).description
            == "tensor 'w': shape [2, 2] in F32 needs 16 bytes, got 12")
    }

    @Test func valueCountMustMatchTheShape() {
        #expect(throws: SafeTensorsError.elementCountMismatch(tensor: "w", shape: [2, 3], count: 5)) {
            try SafeTensorsEntry(name: "w", shape: [2, 3], floats: [1, 2, 3, 4, 5])
        }
        #expect(throws: SafeTensorsError.elementCountMismatch(tensor: "h", shape: [], count: 2)) {
            try SafeTensorsEntry(name: "h", shape: [], float16s: [1, 2])
        }
        #expect(throws: SafeTensorsError.elementCountMismatch(tensor: "q", shape: [4], count: 3)) {
            try SafeTensorsEntry(name: "q", shape: [4], int8s: [1, 2, 3])
        }
        #expect(SafeTensorsError.elementCountMismatch(tensor: "w", shape: [2, 3], count: 5).description
            == "tensor 'w': shape [2, 3] has 6 elements, got 5 values")
    }

    @Test func negativeAndOverflowingShapesAreRefused() {
        #expect(throws: SafeTensorsError.invalidShape(tensor: "w", shape: "[-1]")) {
            try SafeTensorsEntry(name: "w", shape: [-1], floats: [])
        }
        #expect(throws: SafeTensorsError.shapeTooLarge(tensor: "w", shape: [Int.max, 2], dtype: .i8)) {
            try SafeTensorsEntry(name: "w", shape: [Int.max, 2], int8s: [])
        }
    }

    @Test func floatsFromBoolIsAnError() throws {
        let entry = try SafeTensorsEntry(name: "mask", dtype: .bool, shape: [2], data: [1, 0])
        #expect(throws: SafeTensorsError.notNumeric(tensor: "mask", dtype: .bool)) { try entry.floats() }
        #expect(SafeTensorsError.notNumeric(tensor: "mask", dtype: .bool).description
            == "tensor 'mask' holds BOOL values, which cannot be read as floats")
    }

    @Test func unsignedAndWideIntegersConvert() throws {
        let u64 = try SafeTensorsEntry(name: "u64", dtype: .u64, shape: [1], data: littleEndianBytes([UInt64.max]))
        #expect(try u64.floats() == [1.8446744e19])
        let u32 = try SafeTensorsEntry(name: "u32", dtype: .u32, shape: [1], data: littleEndianBytes([UInt32(4_000_000_000)]))
        #expect(try u32.floats() == [4e9])
        let u16 = try SafeTensorsEntry(name: "u16", dtype: .u16, shape: [1], data: [0xFF, 0xFF])
        #expect(try u16.floats() == [65535])
    }

    @Test func elementCountAndByteSizes() throws {
        #expect(try SafeTensorsEntry(name: "s", shape: [], floats: [3]).elementCount == 1)
        #expect(try SafeTensorsEntry(name: "e", shape: [3, 0], floats: []).elementCount == 0)
        #expect(SafeTensorsDType.allCases.map(\.byteSize) == [8, 4, 2, 2, 8, 4, 2, 1, 8, 4, 2, 1, 1])
    }

    @Test func duplicateNamesWhenBuildingAFile() throws {
        let a = try SafeTensorsEntry(name: "a", shape: [1], floats: [1])
        #expect(throws: SafeTensorsError.duplicateName("a")) { try SafeTensorsFile(entries: [a, a]) }
        var file = try SafeTensorsFile(entries: [a])
        #expect(throws: SafeTensorsError.duplicateName("a")) { try file.append(a) }
        #expect(file.entries.count == 1)
        #expect(SafeTensorsError.duplicateName("a").description == "two tensors named 'a'")
    }

    @Test func metadataKeyCannotNameATensor() throws {
        let entry = try SafeTensorsEntry(name: "__metadata__", shape: [1], floats: [1])
        #expect(throws: SafeTensorsError.reservedName("__metadata__")) { try SafeTensorsFile(entries: [entry]) }
    }

    @Test func lookupByName() throws {
        let file = try Support.smallFile()
        #expect(file["w"]?.shape == [2, 2])
        #expect(file["q"]?.dtype == .i8)
        #expect(file["missing"] == nil)
        #expect(file.names == ["w", "h", "q", "s"])
    }
}
