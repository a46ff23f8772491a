import Testing
@testable import SafeTensors

/// Files written by `encode` read back with the same tensors, values and metadata.
@Suite struct RoundTripTests {
    /// One entry of every dtype, a 0-dim scalar and an empty tensor.
    private func allDTypeEntries() throws -> [SafeTensorsEntry] {
        [
            try SafeTensorsEntry(name: "f32", shape: [2, 3], floats: [0, 1, -1, 0.25, 1e-30, -3.0e38]),
            try SafeTensorsEntry(name: "f16", shape: [4], float16s: [0, 1, -2.5, 65504]),
            try SafeTensorsEntry(name: "bf16", dtype: .bf16, shape: [2], data: littleEndianBytes([UInt16(0x3F80), 0xC020])),
            try SafeTensorsEntry(name: "f64", dtype: .f64, shape: [2],
                                 data: littleEndianBytes([(0.5 as Double).bitPattern, (-8.0 as Double).bitPattern])),
            try SafeTensorsEntry(name: "i64", dtype: .i64, shape: [2], data: littleEndianBytes([Int64(-3), 1 << 40])),
            try SafeTensorsEntry(name: "i32", dtype: .i32, shape: [1, 2], data: littleEndianBytes([Int32(-70000), 5])),
            try SafeTensorsEntry(name: "i16", dtype: .i16, shape: [2], data: littleEndianBytes([Int16(-300), 300])),
            try SafeTensorsEntry(name: "i8", shape: [3], int8s: [-128, 0, 127]),
            try SafeTensorsEntry(name: "u8", dtype: .u8, shape: [2], data: [0, 255]),
            try SafeTensorsEntry(name: "bool", dtype: .bool, shape: [3], data: [1, 0, 1]),
            try SafeTensorsEntry(name: "scalar", shape: [], floats: [42]),
            try SafeTensorsEntry(name: "empty", shape: [0, 3], floats: []),
        ]
    }

    @Test func everyDTypeScalarAndMetadataSurviveEncodeDecode() throws {
        let metadata = ["format": "pt", "quote\"and\\slash": "line\nbreak\ttab\u{01} µm ✓", "": "empty key"]
        let original = try SafeTensorsFile(entries: allDTypeEntries(), metadata: metadata)
        let decoded = try SafeTensorsFile.decode(original.encode())

        #expect(decoded.metadata == metadata)
        #expect(Set(decoded.names) == Set(original.names))
        #expect(decoded.entries.count == original.entries.count)
        for entry in original.entries {
            #expect(decoded[entry.name] == entry, "tensor \(entry.name)")
        }
        #expect(decoded["scalar"]?.shape == [])
        #expect(try decoded["scalar"]?.floats() == [42])
        #expect(decoded["empty"]?.shape == [0, 3])
        #expect(decoded["empty"]?.data == [])
    }

    @Test func decodedEntriesAreInDataOrderWhichIsNameOrder() throws {
        let file = try SafeTensorsFile(entries: allDTypeEntries())
        let decoded = try SafeTensorsFile.decode(file.encode())
        #expect(decoded.names == file.names.sorted())
    }

    @Test func encodingIsDeterministicWhateverTheInsertionOrder() throws {
        let entries = try allDTypeEntries()
        let forward = try SafeTensorsFile(entries: entries, metadata: ["a": "1", "b": "2"])
        let backward = try SafeTensorsFile(entries: entries.reversed(), metadata: ["b": "2", "a": "1"])
        #expect(forward.encode() == backward.encode())
    }

    @Test func decodedValuesConvertToTheExpectedFloats() throws {
        let decoded = try SafeTensorsFile.decode(SafeTensorsFile(entries: allDTypeEntries()).encode())
        #expect(try decoded["f32"]?.floats() == [0, 1, -1, 0.25, 1e-30, -3.0e38])
        #expect(try decoded["f16"]?.floats() == [0, 1, -2.5, 65504])
        #expect(try decoded["bf16"]?.floats() == [1, -2.5])
        #expect(try decoded["f64"]?.floats() == [0.5, -8])
        #expect(try decoded["i64"]?.floats() == [-3, 1_099_511_627_776])
        #expect(try decoded["i32"]?.floats() == [-70000, 5])
        #expect(try decoded["i16"]?.floats() == [-300, 300])
        #expect(try decoded["i8"]?.floats() == [-128, 0, 127])
        #expect(try decoded["u8"]?.floats() == [0, 255])
    }

    @Test func writeThenReadFromDisk() throws {
        let directory = try Support.makeTemporaryDirectory()
        defer { Support.removeDirectory(directory) }
        let path = directory + "/model.safetensors"
        let original = try Support.smallFile()
        try original.write(path: path)
        let read = try SafeTensorsFile.read(path: path)
        #expect(read.metadata == original.metadata)
        for entry in original.entries { #expect(read[entry.name] == entry) }
    }

    @Test func emptyFileRoundTrips() throws {
        let bytes = try SafeTensorsFile().encode()
        #expect(bytes == [8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8))
        let decoded = try SafeTensorsFile.decode(bytes)
        #expect(decoded.entries.isEmpty)
        #expect(decoded.metadata.isEmpty)
    }
}
