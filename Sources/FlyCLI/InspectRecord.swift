import Foundation
import ImageIO

/// One line of `flytally inspect` output; also its JSON record (snake_case keys).
struct InspectRecord: Encodable {
    var path: String
    var format: String?
    var encoding: String?
    /// Displayed size (after EXIF orientation).
    var width: Int?
    var height: Int?
    var storedWidth: Int?
    var storedHeight: Int?
    var orientation: Int?
    var fileBytes: Int?
    var decodeMs: Double?
    var warnings: [String]?
    var output: String?
    var error: String?

    init(path: String, error: String) {
        self.path = path
        self.error = error
    }

    init(path: String, decoded: DecodedImage, decodeMs: Double) {
        self.path = path
        format = decoded.format.rawValue
        encoding = decoded.encoding
        width = decoded.image.width
        height = decoded.image.height
        storedWidth = decoded.storedWidth
        storedHeight = decoded.storedHeight
        orientation = decoded.orientation.rawValue
        fileBytes = decoded.fileBytes
        self.decodeMs = (decodeMs * 100).rounded() / 100
        warnings = decoded.warnings
    }

    enum CodingKeys: String, CodingKey {
        case path, format, encoding, width, height, orientation, warnings, output, error
        case storedWidth = "stored_width", storedHeight = "stored_height"
        case fileBytes = "file_bytes", decodeMs = "decode_ms"
    }

    /// "a.jpg: JPEG baseline, 768x1094 (stored 1094x768, EXIF orientation 6 (rotated 90° clockwise)), 245.1 KB, decoded in 6.21 ms"
    var textLine: String {
        guard let format, let width, let height else { return "\(path): \(error ?? "unknown problem")" }
        var line = "\(path): \(format.uppercased()) \(encoding ?? ""), \(width)x\(height)"
        if let orientation, orientation != 1, let storedWidth, let storedHeight,
           let described = ExifOrientation(rawValue: orientation) {
            line += " (stored \(storedWidth)x\(storedHeight), EXIF orientation \(described))"
        }
        if let fileBytes { line += ", " + Self.formatBytes(fileBytes) }
        if let decodeMs { line += String(format: ", decoded in %.2f ms", decodeMs) }
        for warning in warnings ?? [] { line += "\n  warning: \(warning)" }
        if let output { line += "\n  wrote \(output)" }
        if let error { line += "\n  error: \(error)" }
        return line
    }

    static func formatBytes(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        if bytes < 1 << 20 { return String(format: "%.1f KB", Double(bytes) / 1024) }
        return String(format: "%.1f MB", Double(bytes) / Double(1 << 20))
    }
}

enum JSONOutput {
    /// Pretty, key-sorted JSON, so output is stable for scripts and tests.
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
