import Testing
@testable import SafeTensors

/// Problems with the file as a whole: missing, unreadable, too short, bad header length.
@Suite struct MalformedFileTests {
    @Test func missingFile() throws {
        let directory = try Support.makeTemporaryDirectory()
        defer { Support.removeDirectory(directory) }
        #expect(throws: SafeTensorsError.fileNotFound) {
            try SafeTensorsFile.read(path: directory + "/absent.safetensors")
        }
        #expect(SafeTensorsError.fileNotFound.description == "no such file")
    }

    @Test func directoryIsUnreadable() throws {
        let directory = try Support.makeTemporaryDirectory()
        defer { Support.removeDirectory(directory) }
        #expect(throws: SafeTensorsError.unreadable("is a directory")) {
            try SafeTensorsFile.read(path: directory)
        }
    }

    @Test func fileShorterThanEightBytes() {
        #expect(Support.decodeError([]) == .fileTooShort(byteCount: 0))
        #expect(Support.decodeError([1, 0, 0]) == .fileTooShort(byteCount: 3))
        #expect(SafeTensorsError.fileTooShort(byteCount: 3).description
            == "file is 3 bytes, too short for a safetensors file (it starts with an 8-byte header length)")
    }

    @Test func headerLengthLargerThanTheFile() {
        let bytes: [UInt8] = [100, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8)
        #expect(Support.decodeError(bytes) == .headerLengthTooLarge(headerLength: 100, bytesAfter: 2))
        #expect(Support.decodeError(bytes)?.description
            == "header length 100 is larger than the 2 bytes after it (truncated or not a safetensors file)")
    }

    @Test func headerLengthAboveIntMax() {
        let bytes = [UInt8](repeating: 0xFF, count: 8) + Array("{}".utf8)
        #expect(Support.decodeError(bytes) == .headerLengthTooLarge(headerLength: .max, bytesAfter: 2))
    }

    @Test func textFileIsNotASafetensorsFile() {
        // "# README" read as a little-endian length is an enormous number.
        guard case .headerLengthTooLarge? = Support.decodeError(Array("# README\nhello".utf8)) else {
            Issue.record("a text file was not rejected by its header length")
            return
        }
    }
}
