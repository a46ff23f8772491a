import Foundation
import ImageIO

/// Paths of the committed fixtures, made by scripts/make-test-fixtures.py.
enum Fixtures {
    static let directory: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/images").path
    }()

    static func path(_ name: String) -> String { directory + "/" + name }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    /// The raw RGB bytes the generator script says a correct decoder must produce.
    static func expectedPixels(_ name: String) throws -> [UInt8] {
        try bytes(String(name.prefix { $0 != "." }) + ".rgb")
    }
}

func maxAbsDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
    precondition(a.count == b.count)
    return zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? 0
}
