import Foundation
import Testing
@testable import ImageIO

@Suite struct ImageFileCollectorTests {
    @Test func expandsDirectoriesAndReportsUnusableArguments() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-collect-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/photos/sub", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/empty", withIntermediateDirectories: true)
        for name in ["photos/b.JPG", "photos/a.png", "photos/sub/c.jpeg", "photos/notes.txt", "photos/.hidden.jpg"] {
            #expect(fm.createFile(atPath: root + "/" + name, contents: Data([1])))
        }
        let result = ImageFileCollector.collect([root + "/photos", root + "/empty", root + "/missing.jpg",
                                                 root + "/photos/a.png"])
        #expect(result.files == [root + "/photos/a.png", root + "/photos/b.JPG", root + "/photos/sub/c.jpeg"])
        #expect(result.problems == [
            ImageFileError(path: root + "/empty", error: .noImagesInDirectory),
            ImageFileError(path: root + "/missing.jpg", error: .fileNotFound),
        ])
    }

    /// A folder given through a symbolic link is searched like the folder itself; the paths
    /// keep the link, as the user typed it.
    @Test func followsALinkedDirectory() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-link-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/real", withIntermediateDirectories: true)
        #expect(fm.createFile(atPath: root + "/real/a.jpg", contents: Data([1])))
        try fm.createSymbolicLink(atPath: root + "/linked", withDestinationPath: root + "/real")
        let result = ImageFileCollector.collect([root + "/linked"])
        #expect(result.files == [root + "/linked/a.jpg"])
        #expect(result.problems.isEmpty)
    }

    /// Photos that are symbolic links (a split of a data set made of links) are found like
    /// the files they point to; a dangling link is skipped.
    @Test func findsLinkedPhotosInADirectory() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-linkfile-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/all", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/split", withIntermediateDirectories: true)
        #expect(fm.createFile(atPath: root + "/all/a.jpg", contents: Data([1])))
        try fm.createSymbolicLink(atPath: root + "/split/a.jpg", withDestinationPath: root + "/all/a.jpg")
        try fm.createSymbolicLink(atPath: root + "/split/gone.jpg", withDestinationPath: root + "/all/gone.jpg")
        let result = ImageFileCollector.collect([root + "/split"])
        #expect(result.files == [root + "/split/a.jpg"])
        #expect(result.problems.isEmpty)
    }
}
