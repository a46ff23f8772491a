import Testing
@testable import SafeTensors

/// Every way a header can be wrong gives its own precise error, naming the tensor.
@Suite struct MalformedHeaderTests {
    @Test func headerNotJSON() {
        let error = Support.headerError(#"{"w": {"dtype": "F32",, }}"#)
        #expect(error == .headerNotJSON("expected a string key but found ',' at byte 22 of the header"))
        #expect(error?.description
            == "header is not valid JSON (expected a string key but found ',' at byte 22 of the header)")
    }

    @Test func headerCutShort() {
        #expect(Support.headerError(#"{"w": {"dtype""#)
            == .headerNotJSON("header ends where ':' was expected at byte 14 of the header"))
    }

    @Test func emptyHeader() {
        #expect(Support.headerError("        ") == .headerNotJSON("header is empty"))
        #expect(Support.headerError("") == .headerNotJSON("header is empty"))
    }

    @Test func headerWithInvalidUTF8() {
        let bytes = Support.fileBytes(header: "{\"w\u{FF}\":1}").map { $0 == 0xC3 ? 0xFF : $0 }
        #expect(Support.decodeError(bytes) == .headerNotJSON("string is not valid UTF-8 at byte 1 of the header"))
    }

    @Test func deeplyNestedHeaderIsRefusedNotOverflowingTheStack() {
        let header = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(Support.headerError(header) == .headerNotJSON("nested more than 64 levels deep at byte 64 of the header"))
    }

    @Test func headerNotAnObject() {
        #expect(Support.headerError("[1, 2]") == .headerNotObject)
        #expect(Support.headerError(#""text""#) == .headerNotObject)
        #expect(SafeTensorsError.headerNotObject.description == "header is not a JSON object")
    }

    @Test func entryNotAnObject() {
        #expect(Support.headerError(#"{"w": [0, 4]}"#) == .entryNotObject(tensor: "w"))
    }

    @Test(arguments: ["dtype", "shape", "data_offsets"])
    func entryMissingAField(_ field: String) {
        let fields = [#""dtype": "F32""#, #""shape": [1]"#, #""data_offsets": [0, 4]"#]
            .filter { !$0.hasPrefix("\"\(field)\"") }
        let error = Support.headerError(#"{"layer.w": {"# + fields.joined(separator: ", ") + "}}", data: [0, 0, 0, 0])
        #expect(error == .missingField(tensor: "layer.w", field: field))
        #expect(error?.description == "tensor 'layer.w': missing \"\(field)\"")
    }

    @Test func entryWithADuplicatedField() {
        let header = #"{"w": {"dtype": "F32", "dtype": "F16", "shape": [1], "data_offsets": [0, 4]}}"#
        #expect(Support.headerError(header, data: [0, 0, 0, 0]) == .duplicateField(tensor: "w", field: "dtype"))
    }

    @Test func unknownDType() {
        let error = Support.headerError(#"{"w": {"dtype": "F8_E4M3", "shape": [1], "data_offsets": [0, 1]}}"#, data: [0])
        #expect(error == .unknownDType(tensor: "w", dtype: "F8_E4M3"))
        #expect(error?.description == "tensor 'w': unknown dtype 'F8_E4M3' "
            + "(known: F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL)")
        #expect(Support.headerError(#"{"w": {"dtype": 32, "shape": [1], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0])
            == .unknownDType(tensor: "w", dtype: "32"))
    }

    @Test func negativeDimension() {
        let error = Support.headerError(#"{"w": {"dtype": "F32", "shape": [2, -1], "data_offsets": [0, 0]}}"#)
        #expect(error == .invalidShape(tensor: "w", shape: "[2, -1]"))
        #expect(error?.description == "tensor 'w': shape must be a list of non-negative integers, got [2, -1]")
    }

    @Test func nonIntegerDimensions() {
        for (shape, shown) in [("[2.5]", "[2.5]"), ("[2.0]", "[2.0]"), ("[1e2]", "[1e2]"), (#"["3"]"#, #"["3"]"#),
                               ("[true]", "[true]"), ("[null]", "[null]"), ("3", "3"),
                               ("[99999999999999999999]", "[99999999999999999999]")] {
            let header = #"{"w": {"dtype": "F32", "shape": "# + shape + #", "data_offsets": [0, 4]}}"#
            #expect(Support.headerError(header, data: [0, 0, 0, 0]) == .invalidShape(tensor: "w", shape: shown),
                    "shape \(shape)")
        }
    }

    @Test func shapeWhoseByteSizeOverflows() {
        let header = #"{"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 4]}}"#
        let error = Support.headerError(header, data: [0, 0, 0, 0])
        #expect(error == .shapeTooLarge(tensor: "w", shape: [4_294_967_296, 4_294_967_296], dtype: .f32))
        #expect(error?.description
            == "tensor 'w': shape [4294967296, 4294967296] in F32 is too large (its byte size overflows)")
        // Elements fit in Int, but times 8 bytes they do not.
        let f64 = #"{"w": {"dtype": "F64", "shape": [2305843009213693952], "data_offsets": [0, 8]}}"#
        #expect(Support.headerError(f64, data: Array(repeating: 0, count: 8))
            == .shapeTooLarge(tensor: "w", shape: [2_305_843_009_213_693_952], dtype: .f64))
    }

    @Test func dataOffsetsNotMatchingTheShape() {
        let header = #"{"features.0.0.weight": {"dtype": "F32", "shape": [16, 3, 3, 3], "data_offsets": [0, 1700]}}"#
        let error = Support.headerError(header, data: Array(repeating: 0, count: 1700))
        #expect(error == .dataOffsetsMismatch(tensor: "features.0.0.weight", shape: [16, 3, 3, 3], dtype: .f32,
                                              needed: 1728, given: 1700))
        #expect(error?.description
            == "tensor 'features.0.0.weight': shape [16, 3, 3, 3] in F32 needs 1728 bytes, data_offsets give 1700")
    }

    @Test func malformedDataOffsets() {
        for offsets in ["[4, 0]", "[0]", "[0, 4, 8]", "[-4, 0]", #"["0", "4"]"#, "[0, 4.0]", "{}", "null"] {
            let header = #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": "# + offsets + "}}"
            #expect(Support.headerError(header, data: [0, 0, 0, 0]) == .invalidDataOffsets(tensor: "w", offsets: offsets),
                    "data_offsets \(offsets)")
        }
        #expect(SafeTensorsError.invalidDataOffsets(tensor: "w", offsets: "[4, 0]").description
            == "tensor 'w': data_offsets must be [begin, end] with 0 <= begin <= end, got [4, 0]")
    }

    @Test func dataOffsetsPastTheEndOfTheData() {
        let header = #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "#
            + #""b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#
        let error = Support.headerError(header, data: Array(repeating: 0, count: 10))
        #expect(error == .offsetsOutsideData(tensor: "b", begin: 4, end: 12, dataSize: 10))
        #expect(error?.description
            == "tensor 'b': data_offsets [4, 12] go past the end of the 10-byte data section (truncated file?)")
    }

    @Test func overlappingTensors() {
        let header = #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "#
            + #""b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#
        let error = Support.headerError(header, data: Array(repeating: 0, count: 12))
        #expect(error == .overlappingTensors(tensor: "b", other: "a"))
        #expect(error?.description == "tensor 'b' overlaps tensor 'a' in the data section")
    }

    @Test func twoTensorsSharingTheSameBytes() {
        let header = #"{"b": {"dtype": "I32", "shape": [1], "data_offsets": [0, 4]}, "#
            + #""a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#
        #expect(Support.headerError(header, data: [0, 0, 0, 0]) == .overlappingTensors(tensor: "a", other: "b"))
    }

    @Test func emptyTensorsMaySitAtAnyBoundary() throws {
        let header = #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "#
            + #""z": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]}, "#
            + #""e": {"dtype": "F32", "shape": [2, 0], "data_offsets": [0, 0]}}"#
        let file = try SafeTensorsFile.decode(Support.fileBytes(header: header, data: [0, 0, 0x80, 0x3F]))
        #expect(file.names == ["e", "a", "z"])
        #expect(try file["a"]?.floats() == [1])
    }

    @Test func gapBetweenTensors() {
        let header = #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "#
            + #""b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}"#
        let error = Support.headerError(header, data: Array(repeating: 0, count: 12))
        #expect(error == .gapBeforeTensor(tensor: "b", begin: 8, previousEnd: 4))
        #expect(error?.description
            == "tensor 'b' starts at data byte 8, but the data before it ends at byte 4 (tensors must be contiguous)")
    }

    @Test func bytesAfterTheLastTensor() {
        let header = #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#
        let error = Support.headerError(header, data: Array(repeating: 0, count: 6))
        #expect(error == .unusedData(used: 4, dataSize: 6))
        #expect(error?.description == "data section is 6 bytes, but the tensors end at byte 4 (unused bytes at the end)")
    }

    @Test func metadataValueNotAString() {
        let error = Support.headerError(#"{"__metadata__": {"format": "pt", "epochs": 3}}"#)
        #expect(error == .metadataValueNotString(key: "epochs", value: "3"))
        #expect(error?.description == "__metadata__ value for 'epochs' is not a string (got 3)")
        #expect(Support.headerError(#"{"__metadata__": {"cfg": {"lr": 0.1}}}"#)
            == .metadataValueNotString(key: "cfg", value: #"{"lr": 0.1}"#))
    }

    @Test func metadataNotAnObject() {
        #expect(Support.headerError(#"{"__metadata__": ["a", "b"]}"#) == .metadataNotObject)
        #expect(Support.headerError(#"{"__metadata__": "a"}"#) == .metadataNotObject)
    }

    @Test func nullMetadataIsNoMetadata() throws {
        #expect(try SafeTensorsFile.decode(Support.fileBytes(header: #"{"__metadata__": null}"#)).metadata == [:])
    }

    @Test func metadataKeyRepeated() {
        #expect(Support.headerError(#"{"__metadata__": {"a": "1", "a": "2"}}"#) == .duplicateMetadataKey("a"))
    }

    @Test func tensorNameRepeatedInTheHeader() {
        let header = #"{"w": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}, "#
            + #""w": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}}"#
        #expect(Support.headerError(header, data: [0, 0]) == .duplicateName("w"))
    }

    @Test func firstBadTensorInHeaderOrderIsReported() {
        let header = #"{"z": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 0]}, "#
            + #""a": {"dtype": "X", "shape": [1], "data_offsets": [0, 0]}}"#
        #expect(Support.headerError(header) == .invalidShape(tensor: "z", shape: "[-1]"))
    }

    @Test func controlCharactersInTensorNamesStayOnOneLine() {
        let error = Support.headerError(#"{"evil\nname": 5}"#)
        #expect(error == .entryNotObject(tensor: "evil\nname"))
        #expect(error?.description == #"tensor 'evil\nname': entry is not a JSON object"#)
    }

    @Test func headerMayBePaddedAndSpacedFreely() throws {
        let header = "\n { \"w\" : {\"shape\":[1],\"data_offsets\":[0,1],\"dtype\":\"I8\", \"extra\": 1}\t}\r\n        "
        let file = try SafeTensorsFile.decode(Support.fileBytes(header: header, data: [0xFE]))
        #expect(try file["w"]?.floats() == [-2])
    }

    @Test func escapedNamesAreDecoded() throws {
        let header = #"{"\u00e9\ud83d\ude00\/\"": {"dtype": "U8", "shape": [], "data_offsets": [0, 1]}}"#
        #expect(try SafeTensorsFile.decode(Support.fileBytes(header: header, data: [9])).names == ["é😀/\""])
        let lone = #"{"\ud83d": {"dtype": "U8", "shape": [], "data_offsets": [0, 1]}}"#
        guard case .headerNotJSON? = Support.headerError(lone, data: [9]) else {
            Issue.record("a lone surrogate escape was accepted")
            return
        }
    }
}
