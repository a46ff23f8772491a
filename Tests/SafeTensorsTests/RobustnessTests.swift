import Testing
@testable import SafeTensors

/// No input makes the reader trap: every truncation and single-byte corruption of a valid
/// file either decodes into a consistent file or gives an error.
@Suite struct RobustnessTests {
    @Test func everyTruncationIsAnError() throws {
        let bytes = try Support.smallFile().encode()
        for length in 0..<bytes.count {
            let error = Support.decodeError(Array(bytes.prefix(length)))
            #expect(error != nil, "a file cut to \(length) of \(bytes.count) bytes decoded")
            switch error {
            case .fileTooShort?, .headerLengthTooLarge?, .offsetsOutsideData?: break
            default: Issue.record("cut to \(length) bytes: unexpected \(String(describing: error))")
            }
        }
        #expect(Support.decodeError(bytes) == nil)
    }

    @Test func singleByteCorruptionsNeverTrap() throws {
        let bytes = try Support.smallFile().encode()
        var rejected = 0
        for index in bytes.indices {
            for replacement: UInt8 in [0x00, 0x22, 0x2D, 0x39, 0x5B, 0x7D, 0xFF] where replacement != bytes[index] {
                var corrupt = bytes
                corrupt[index] = replacement
                do {
                    let file = try SafeTensorsFile.decode(corrupt)
                    for entry in file.entries {
                        let needed = entry.shape.reduce(entry.dtype.byteSize, *)
                        #expect(entry.data.count == needed, "byte \(index) = \(replacement)")
                    }
                } catch {
                    rejected += 1
                    #expect(!error.description.isEmpty)
                }
            }
        }
        // Most corruptions hit the header length or the JSON; corrupted data bytes still decode.
        #expect(rejected > bytes.count)
    }

    @Test func hugeNumbersInTheHeaderAreErrorsNotTraps() {
        let header = #"{"w": {"dtype": "U8", "shape": [9223372036854775807], "data_offsets": [0, 9223372036854775807]}}"#
        #expect(Support.headerError(header) == .offsetsOutsideData(tensor: "w", begin: 0, end: .max, dataSize: 0))
        let beyond = #"{"w": {"dtype": "U8", "shape": [1], "data_offsets": [0, 9223372036854775808]}}"#
        #expect(Support.headerError(beyond) == .invalidDataOffsets(tensor: "w", offsets: "[0, 9223372036854775808]"))
    }
}
