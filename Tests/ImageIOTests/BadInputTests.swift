import Foundation
import Testing
@testable import ImageIO

/// Every kind of bad input gives a precise error naming the file: never a crash.
@Suite struct BadInputTests {
    private func error(for name: String, options: DecodeOptions = DecodeOptions()) -> ImageFileError? {
        do {
            _ = try ImageDecoder.decode(fileAt: Fixtures.path(name), options: options)
            return nil
        } catch {
            return error
        }
    }

    @Test func missingFile() {
        let e = error(for: "does-not-exist.jpg")
        #expect(e?.error == .fileNotFound)
        #expect(e?.description == Fixtures.path("does-not-exist.jpg") + ": no such file")
    }

    @Test func directory() throws {
        do {
            _ = try ImageDecoder.decode(fileAt: Fixtures.directory)
            Issue.record("a directory decoded")
        } catch {
            #expect(error.error == .isDirectory)
        }
    }

    @Test func emptyFile() { #expect(error(for: "empty.jpg")?.error == .emptyFile) }

    @Test func textWithImageExtension() {
        #expect(error(for: "not-an-image.jpg")?.error == .notAnImage("starts with text \"This is \""))
        #expect(error(for: "random-bytes.png")?.error == .notAnImage("starts with bytes 0D 6E CF 30 91 F2 53 B4"))
    }

    @Test func truncatedJPEGInScanAndInHeader() {
        #expect(error(for: "truncated.jpg")?.error == .truncated(.jpeg))
        #expect(error(for: "truncated-header.jpg")?.error == .truncated(.jpeg))
    }

    @Test func truncatedPNG() { #expect(error(for: "truncated.png")?.error == .truncated(.png)) }

    @Test func corruptPNG() {
        guard case .corrupt(.png, let reason)? = error(for: "corrupt-crc.png")?.error else {
            Issue.record("expected a corrupt PNG error, got \(String(describing: error(for: "corrupt-crc.png")))")
            return
        }
        #expect(!reason.isEmpty)
    }

    @Test func zeroSizedImages() {
        #expect(error(for: "zero-width.png")?.error == .zeroSize(width: 0, height: 7))
        guard case .zeroSize? = error(for: "zero-height.jpg")?.error else {
            Issue.record("zero-height JPEG: \(String(describing: error(for: "zero-height.jpg")))")
            return
        }
    }

    @Test func oversizedHeadersAreRefusedBeforeAllocating() {
        #expect(error(for: "huge-header.png")?.error == .tooLarge(width: 20000, height: 20000, limitPixels: 100_000_000))
        #expect(error(for: "huge-header.jpg")?.error == .tooLarge(width: 60000, height: 60000, limitPixels: 100_000_000))
    }

    @Test func pixelLimitIsConfigurable() throws {
        #expect(error(for: "quadrants.jpg", options: DecodeOptions(maxPixels: 511))?.error
            == .tooLarge(width: 32, height: 16, limitPixels: 511))
        #expect(error(for: "quadrants.jpg", options: DecodeOptions(maxPixels: 512)) == nil)
    }

    @Test func messagesAreOneLine() {
        let names = ["empty.jpg", "not-an-image.jpg", "truncated.jpg", "truncated.png", "corrupt-crc.png",
                     "zero-width.png", "zero-height.jpg", "huge-header.png", "missing.png"]
        for name in names {
            let message = error(for: name)?.description ?? ""
            #expect(message.hasPrefix(Fixtures.path(name) + ": "), "\(message)")
            #expect(!message.contains("\n"))
        }
    }

    @Test func encodingRefusesBadSettings() {
        let image = RGBImage(width: 4, height: 4)
        #expect(throws: ImageError.encodeFailed(.jpeg, "quality 0 is outside 1…100")) {
            _ = try ImageEncoder.jpeg(image, quality: 0)
        }
        #expect(throws: ImageError.self) { _ = try ImageEncoder.png(RGBImage(width: 0, height: 0)) }
    }

    @Test func writeReportsUnknownExtensionAndMissingDirectory() {
        let image = RGBImage(width: 2, height: 2)
        #expect(throws: ImageFileError(path: "/tmp/x.gif", error: .unknownOutputFormat("gif"))) {
            try ImageEncoder.write(image, to: "/tmp/x.gif")
        }
        do {
            try ImageEncoder.write(image, to: "/nonexistent-dir-flytally/x.png")
            Issue.record("write into a missing directory succeeded")
        } catch {
            guard case .writeFailed = error.error else { Issue.record("unexpected \(error)"); return }
            #expect(error.path == "/nonexistent-dir-flytally/x.png")
        }
    }

    @Test func writeThenReadBack() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var image = RGBImage(width: 9, height: 6, fill: RGB(10, 200, 30))
        image[8, 5] = .white
        try ImageEncoder.write(image, to: directory.appendingPathComponent("a.PNG").path)
        #expect(try ImageDecoder.decode(fileAt: directory.appendingPathComponent("a.PNG").path).image == image)
        try ImageEncoder.write(image, to: directory.appendingPathComponent("a.jpeg").path, jpegQuality: 95)
        #expect(try ImageDecoder.decode(fileAt: directory.appendingPathComponent("a.jpeg").path).format == .jpeg)
    }
}
