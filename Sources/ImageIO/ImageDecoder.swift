import Foundation

/// Settings for decoding; the defaults suit photos.
public struct DecodeOptions: Sendable {
    /// Images with more pixels than this are refused after reading the header and before
    /// allocating pixel memory. Default 100 MP.
    public var maxPixels: Int
    /// Turn the pixels upright according to the file's EXIF orientation (JPEG).
    public var applyOrientation: Bool
    /// Colour that transparent PNG pixels are composited over.
    public var background: RGB

    public init(maxPixels: Int = 100_000_000, applyOrientation: Bool = true, background: RGB = .white) {
        self.maxPixels = maxPixels
        self.applyOrientation = applyOrientation
        self.background = background
    }
}

/// A decoded image and the facts about its file.
public struct DecodedImage: Sendable {
    /// Pixels, already turned upright when `DecodeOptions.applyOrientation` is set.
    public let image: RGBImage
    public let format: ImageFormat
    /// Size of the pixel grid as stored in the file (before orientation).
    public let storedWidth: Int
    public let storedHeight: Int
    /// The orientation the file declared (`.up` when it declared none).
    public let orientation: ExifOrientation
    /// Encoding details for people: "baseline", "progressive", "8-bit palette, interlaced", …
    public let encoding: String
    /// Non-fatal decoder remarks (the image is still usable).
    public let warnings: [String]
    public let fileBytes: Int
}

/// Decodes JPEG and PNG files into `RGBImage`s, recognising the format from the bytes.
public enum ImageDecoder {
    /// Files larger than this are refused before being read (no photo is this large).
    public static let maxFileBytes = 1 << 30

    /// Decodes an in-memory encoded image.
    public static func decode(_ data: [UInt8], options: DecodeOptions = DecodeOptions()) throws(ImageError) -> DecodedImage {
        guard !data.isEmpty else { throw .emptyFile }
        guard let format = ImageFormat.sniff(data) else { throw .notAnImage(describeStart(data)) }
        let result = data.withUnsafeBytes { bytes in
            Result { () throws(ImageError) in
                switch format {
                case .jpeg: return try decodeJPEG(bytes, options: options)
                case .png: return try decodePNG(bytes, options: options)
                }
            }
        }
        return try result.get()
    }

    /// Reads and decodes one file. Every failure names the file.
    public static func decode(fileAt path: String, options: DecodeOptions = DecodeOptions()) throws(ImageFileError) -> DecodedImage {
        do {
            let data = try readFile(path)
            return try decode(data, options: options)
        } catch {
            throw ImageFileError(path: path, error: error)
        }
    }

    /// The displayed size of an image file (after EXIF orientation), from its header only.
    public static func dimensions(fileAt path: String) throws(ImageFileError) -> (width: Int, height: Int) {
        do {
            let data = try readFile(path)
            guard !data.isEmpty else { throw ImageError.emptyFile }
            guard let format = ImageFormat.sniff(data) else { throw ImageError.notAnImage("unknown format") }
            let result = data.withUnsafeBytes { bytes in
                Result { () throws(ImageError) -> (Int, Int) in
                    switch format {
                    case .jpeg:
                        let header = try JPEGCodec.readHeader(bytes)
                        let turned = ExifReader.orientation(inJPEG: bytes).orientation?.swapsDimensions ?? false
                        return turned ? (header.height, header.width) : (header.width, header.height)
                    case .png:
                        let header = try PNGCodec.readHeader(bytes)
                        return (header.width, header.height)
                    }
                }
            }
            let (w, h) = try result.get()
            guard w > 0 && h > 0 else { throw ImageError.zeroSize(width: w, height: h) }
            return (w, h)
        } catch let error as ImageError {
            throw ImageFileError(path: path, error: error)
        } catch {
            throw ImageFileError(path: path, error: .unreadable("\(error)"))
        }
    }

    /// Reads a whole file, turning every file-system failure into an `ImageError`.
    static func readFile(_ path: String) throws(ImageError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .fileNotFound }
        guard !isDirectory.boolValue else { throw .isDirectory }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > maxFileBytes {
            throw .unreadable("file is \(size / (1 << 20)) MiB, larger than any photo FlyTally accepts")
        }
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .unreadable(shortReason(error))
        }
    }

    private static func decodeJPEG(_ bytes: UnsafeRawBufferPointer, options: DecodeOptions) throws(ImageError) -> DecodedImage {
        let header = try JPEGCodec.readHeader(bytes)
        try checkSize(width: header.width, height: header.height, options: options)
        let (stored, warnings) = try JPEGCodec.decode(bytes, header: header)
        let declared = ExifReader.orientation(inJPEG: bytes)
        var allWarnings = warnings
        if declared.orientation == nil, let raw = declared.rawValue {
            allWarnings.append("EXIF orientation value \(raw) is not 1…8; treated as 1")
        }
        let orientation = declared.orientation ?? .up
        return DecodedImage(
            image: options.applyOrientation ? stored.applying(orientation) : stored,
            format: .jpeg, storedWidth: header.width, storedHeight: header.height,
            orientation: orientation, encoding: header.progressive ? "progressive" : "baseline",
            warnings: allWarnings, fileBytes: bytes.count)
    }

    private static func decodePNG(_ bytes: UnsafeRawBufferPointer, options: DecodeOptions) throws(ImageError) -> DecodedImage {
        let header = try PNGCodec.readHeader(bytes)
        try checkSize(width: header.width, height: header.height, options: options)
        let image = try PNGCodec.decode(bytes, background: options.background)
        let encoding = "\(header.bitDepth)-bit \(header.colorType)" + (header.interlaced ? ", interlaced" : "")
        return DecodedImage(
            image: image, format: .png, storedWidth: header.width, storedHeight: header.height,
            orientation: .up, encoding: encoding, warnings: [], fileBytes: bytes.count)
    }

    private static func checkSize(width: Int, height: Int, options: DecodeOptions) throws(ImageError) {
        guard width > 0 && height > 0 else { throw .zeroSize(width: width, height: height) }
        // Compare without multiplying first, so absurd header values cannot overflow.
        guard width <= options.maxPixels / height else {
            throw .tooLarge(width: width, height: height, limitPixels: options.maxPixels)
        }
    }

    /// A short, printable description of what a non-image file starts with.
    private static func describeStart(_ data: [UInt8]) -> String {
        let head = data.prefix(8)
        let printable = head.allSatisfy { (0x20...0x7E).contains($0) || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        if printable {
            let text = String(decoding: head, as: UTF8.self)
                .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
            return "starts with text \"\(text)\""
        }
        return "starts with bytes " + head.map { String(format: "%02X", $0) }.joined(separator: " ")
    }
}

/// Foundation's error descriptions are long; keep the part a person needs.
func shortReason(_ error: any Error) -> String {
    let nsError = error as NSError
    if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
       underlying.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
        return String(cString: strerror(code.rawValue))
    }
    if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
    return nsError.localizedDescription
}
