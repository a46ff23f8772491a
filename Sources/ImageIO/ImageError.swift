import Foundation

/// What went wrong with one image. Each case reads as the second half of a
/// "FILE: problem" line, so batch commands can report one line per bad file.
public enum ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    case fileNotFound
    case isDirectory
    case noImagesInDirectory
    case unreadable(String)
    case emptyFile
    /// The bytes are neither JPEG nor PNG; the payload describes what was found.
    case notAnImage(String)
    case truncated(ImageFormat)
    case corrupt(ImageFormat, String)
    case unsupported(ImageFormat, String)
    case zeroSize(width: Int, height: Int)
    /// Refused before any pixel memory was allocated.
    case tooLarge(width: Int, height: Int, limitPixels: Int)
    case encodeFailed(ImageFormat, String)
    case writeFailed(String)
    case unknownOutputFormat(String)

    public var description: String {
        switch self {
        case .fileNotFound: return "no such file"
        case .isDirectory: return "is a directory, not an image file"
        case .noImagesInDirectory: return "directory contains no .jpg, .jpeg or .png files"
        case .unreadable(let reason): return "cannot read file (\(reason))"
        case .emptyFile: return "empty file (0 bytes)"
        case .notAnImage(let found): return "not a JPEG or PNG image (\(found))"
        case .truncated(let format): return "truncated \(format.displayName) (file ends before the image data does)"
        case .corrupt(let format, let reason): return "corrupt \(format.displayName): \(reason)"
        case .unsupported(let format, let reason): return "unsupported \(format.displayName): \(reason)"
        case .zeroSize(let w, let h): return "image has no pixels (\(w)x\(h))"
        case .tooLarge(let w, let h, let limit):
            return "image is \(w)x\(h) = \(formatMegapixels(w * h)) MP, above the limit of \(formatMegapixels(limit)) MP"
        case .encodeFailed(let format, let reason): return "cannot encode \(format.displayName): \(reason)"
        case .writeFailed(let reason): return "cannot write file (\(reason))"
        case .unknownOutputFormat(let ext):
            return "cannot tell the output format from '\(ext)' (use .jpg, .jpeg or .png)"
        }
    }
}

/// An `ImageError` together with the file it concerns: prints as "PATH: problem".
public struct ImageFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let error: ImageError

    public init(path: String, error: ImageError) {
        self.path = path
        self.error = error
    }

    public var description: String { "\(path): \(error)" }
}

extension ImageFormat {
    public var displayName: String {
        switch self {
        case .jpeg: return "JPEG"
        case .png: return "PNG"
        }
    }
}

func formatMegapixels(_ pixels: Int) -> String {
    let mp = Double(pixels) / 1_000_000
    if mp >= 10 { return String(Int(mp.rounded())) }
    if mp >= 0.1 { return String(Double((mp * 10).rounded()) / 10) }
    return String(format: "%.3g", mp)   // tiny limits (tests, thumbnails) stay readable
}
