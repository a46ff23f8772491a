import Foundation
import Testing
@testable import SafeTensors

/// `write(path:)` goes through a temporary file and a rename.
@Suite struct AtomicWriteTests {
    @Test func writeLeavesOnlyTheFinalFile() throws {
        let directory = try Support.makeTemporaryDirectory()
        defer { Support.removeDirectory(directory) }
        try Support.smallFile().write(path: directory + "/model.safetensors")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["model.safetensors"])
    }

    @Test func writeReplacesAnExistingFile() throws {
        let directory = try Support.makeTemporaryDirectory()
        defer { Support.removeDirectory(directory) }
        let path = directory + "/model.safetensors"
        try Data(repeating: 0x41, count: 5000).write(to: URL(fileURLWithPath: path))

        let file = try SafeTensorsFile(entries: [SafeTensorsEntry(name: "new", shape: [1], floats: [2])])
        try file.write(path: path)
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) == file.encode())
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["model.safetensors"])
    }

    @Test func failedWriteLeavesNothingBehind() throws {
        let directory = try Support.makeTemporaryDirectory()
        defer { Support.removeDirectory(directory) }
        // Renaming a file over a non-empty directory fails after the temporary file was written.
        let target = directory + "/taken"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        try Data([1]).write(to: URL(fileURLWithPath: target + "/inside"))

        let error = #expect(throws: SafeTensorsError.self) { try Support.smallFile().write(path: target) }
        guard case .writeFailed? = error else {
            Issue.record("expected writeFailed, got \(String(describing: error))")
            return
        }
        #expect(error?.description.hasPrefix("cannot write file (") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["taken"])
    }

    @Test func writeIntoAMissingDirectoryFails() throws {
        let directory = try Support.makeTemporaryDirectory()
        defer { Support.removeDirectory(directory) }
        #expect(throws: SafeTensorsError.writeFailed("No such file or directory")) {
            try Support.smallFile().write(path: directory + "/absent/model.safetensors")
        }
    }

    @Test func temporaryFileIsHiddenInTheSameDirectory() {
        let temporary = FileIO.temporaryPath(beside: "/data/models/net.safetensors")
        #expect(temporary.hasPrefix("/data/models/.net.safetensors.tmp-"))
        #expect(FileIO.temporaryPath(beside: "net.safetensors").hasPrefix(".net.safetensors.tmp-"))
    }
}
