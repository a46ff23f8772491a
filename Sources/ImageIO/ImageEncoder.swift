import Foundation

/// Encodes `RGBImage`s and writes them to files.
public enum ImageEncoder {
    /// JPEG bytes. - Parameter quality: 1…100 (default 90).
    public static func jpeg(_ image: RGBImage, quality: Int = 90, progressive: Bool = false) throws(ImageError) -> [UInt8] {
        try JPEGCodec.encode(image, quality: quality, progressive: progressive)
    }

    /// PNG bytes (8-bit RGB, lossless).
    public static func png(_ image: RGBImage) throws(ImageError) -> [UInt8] {
        try PNGCodec.encode(image)
    }

    /// Writes `image` to `path`, choosing the format from the extension. The file is
    /// written to a temporary name and renamed, so an interrupted run never leaves half a file.
    public static func write(_ image: RGBImage, to path: String, jpegQuality: Int = 90) throws(ImageFileError) {
        do {
            guard let format = ImageFormat.fromExtension(of: path) else {
                throw ImageError.unknownOutputFormat((path as NSString).pathExtension)
            }
            let bytes = try format == .jpeg ? jpeg(image, quality: jpegQuality) : png(image)
            do {
                try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw ImageError.writeFailed(shortReason(error))
            }
        } catch let error as ImageError {
            throw ImageFileError(path: path, error: error)
        } catch {
            throw ImageFileError(path: path, error: .writeFailed(shortReason(error)))
        }
    }
}
