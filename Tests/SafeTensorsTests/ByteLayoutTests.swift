import Testing
@testable import SafeTensors

/// The exact bytes `encode` writes, against expectations written out by hand.
@Suite struct ByteLayoutTests {
    @Test func tinyFileMatchesHandWrittenBytes() throws {
        let file = try SafeTensorsFile(
            entries: [
                SafeTensorsEntry(name: "b", shape: [2], floats: [1, -2]),
                SafeTensorsEntry(name: "a", shape: [3], int8s: [1, -1, 127]),
            ],
            metadata: ["k": "v"])

        // Metadata first, then tensors in name order ("a" before "b"), compact JSON.
        // Length by hand: {"__metadata__":{"k":"v"},  = 26 characters
        //   "a":{"dtype":"I8","shape":[3],"data_offsets":[0,3]},  = 52
        //   "b":{"dtype":"F32","shape":[2],"data_offsets":[3,11]}}  = 54
        // 26 + 52 + 54 = 132, padded with 4 spaces to 136 = 17 × 8 (0x88).
        let header = #"{"__metadata__":{"k":"v"},"a":{"dtype":"I8","shape":[3],"data_offsets":[0,3]},"#
            + #""b":{"dtype":"F32","shape":[2],"data_offsets":[3,11]}}"# + "    "
        #expect(header.utf8.count == 136)

        let expected: [UInt8] = [0x88, 0, 0, 0, 0, 0, 0, 0]
            + Array(header.utf8)
            + [0x01, 0xFF, 0x7F]                // I8: 1, -1, 127
            + [0x00, 0x00, 0x80, 0x3F]          // F32 1.0 = 0x3F800000, little-endian
            + [0x00, 0x00, 0x00, 0xC0]          // F32 -2.0 = 0xC0000000
        #expect(file.encode() == expected)
    }

    @Test func headerIsPaddedWithSpacesToAMultipleOfEight() throws {
        for length in 0..<10 {
            let name = String(repeating: "x", count: length + 1)
            let bytes = try SafeTensorsFile(entries: [SafeTensorsEntry(name: name, shape: [1], floats: [0])]).encode()
            let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
            #expect(headerLength % 8 == 0)
            let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
            let trimmed = header.reversed().drop { $0 == " " }
            #expect(header.count - trimmed.count < 8)
            #expect(trimmed.first == "}")
        }
    }

    @Test func namesAndMetadataAreEscapedInTheHeader() throws {
        let file = try SafeTensorsFile(
            entries: [SafeTensorsEntry(name: "a\"b\\c\nd\u{01}é", shape: [], floats: [0])],
            metadata: ["t": "tab\there\r\u{08}\u{0C}/"])
        let bytes = file.encode()
        let header = String(decoding: bytes[8...], as: UTF8.self)
        #expect(header.contains(#""a\"b\\c\nd\u0001é":{"dtype":"F32""#))
        #expect(header.contains(#"{"t":"tab\there\r\b\f/"}"#))
        #expect(try SafeTensorsFile.decode(bytes).names == ["a\"b\\c\nd\u{01}é"])
    }

    @Test func f16ValuesAreStoredAsLittleEndianHalfBits() throws {
        let entry = try SafeTensorsEntry(name: "h", shape: [3], float16s: [1, -2.5, 65504])
        #expect(entry.dtype == .f16)
        #expect(entry.data == [0x00, 0x3C, 0x00, 0xC1, 0xFF, 0x7B])
    }
}
