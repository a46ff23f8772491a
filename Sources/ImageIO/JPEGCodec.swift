import CTurboJPEG

/// JPEG decoding and encoding through libjpeg-turbo's TurboJPEG API.
enum JPEGCodec {
    struct Header {
        let width: Int
        let height: Int
        let progressive: Bool
    }

    /// Reads the frame header only: no pixel memory is touched.
    static func readHeader(_ bytes: UnsafeRawBufferPointer) throws(ImageError) -> Header {
        guard let handle = tjInitDecompress() else { throw .corrupt(.jpeg, "cannot start the JPEG decoder") }
        defer { tjDestroy(handle) }
        var w: Int32 = 0, h: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        if tjDecompressHeader3(handle, base, UInt(bytes.count), &w, &h, &subsampling, &colorspace) != 0 {
            throw classify(message: errorMessage(handle), fatal: true)
        }
        return Header(width: Int(w), height: Int(h), progressive: isProgressive(bytes))
    }

    /// Decodes to RGB. Warnings that mean missing data (a truncated file) become errors;
    /// other libjpeg warnings (e.g. stray bytes before a marker) are returned so callers can
    /// mention them while still using the image.
    static func decode(_ bytes: UnsafeRawBufferPointer, header: Header) throws(ImageError) -> (RGBImage, [String]) {
        guard let handle = tjInitDecompress() else { throw .corrupt(.jpeg, "cannot start the JPEG decoder") }
        defer { tjDestroy(handle) }
        var pixels = [UInt8](repeating: 0, count: header.width * header.height * 3)
        let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let status = pixels.withUnsafeMutableBufferPointer { out in
            tjDecompress2(handle, base, UInt(bytes.count), out.baseAddress,
                          Int32(header.width), 0, Int32(header.height), Int32(TJPF_RGB.rawValue),
                          TJFLAG_ACCURATEDCT)
        }
        var warnings: [String] = []
        if status != 0 {
            let message = errorMessage(handle)
            let fatal = tjGetErrorCode(handle) != Int32(TJERR_WARNING.rawValue)
            let error = classify(message: message, fatal: fatal)
            if fatal || error == .truncated(.jpeg) { throw error }
            warnings.append(message)
        }
        return (RGBImage(width: header.width, height: header.height, pixels: pixels), warnings)
    }

    /// Encodes with 4:2:0 chroma subsampling (what cameras write).
    /// - Parameter quality: 1…100.
    static func encode(_ image: RGBImage, quality: Int, progressive: Bool = false) throws(ImageError) -> [UInt8] {
        guard (1...100).contains(quality) else { throw .encodeFailed(.jpeg, "quality \(quality) is outside 1…100") }
        guard !image.isEmpty else { throw .encodeFailed(.jpeg, "image has no pixels (\(image.width)x\(image.height))") }
        guard let handle = tjInitCompress() else { throw .encodeFailed(.jpeg, "cannot start the JPEG encoder") }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let flags = TJFLAG_ACCURATEDCT | (progressive ? TJFLAG_PROGRESSIVE : 0)
        let status = image.pixels.withUnsafeBufferPointer { src in
            tjCompress2(handle, src.baseAddress, Int32(image.width), 0, Int32(image.height),
                        Int32(TJPF_RGB.rawValue), &output, &size, Int32(TJSAMP_420.rawValue),
                        Int32(quality), flags)
        }
        defer { if let output { tjFree(output) } }
        guard status == 0, let output else { throw .encodeFailed(.jpeg, errorMessage(handle)) }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }

    private static func errorMessage(_ handle: tjhandle) -> String {
        guard let cString = tjGetErrorStr2(handle) else { return "unknown libjpeg-turbo error" }
        return String(cString: cString)
    }

    /// Maps libjpeg's English messages onto our cases; missing data is always "truncated".
    private static func classify(message: String, fatal: Bool) -> ImageError {
        let lower = message.lowercased()
        // "Premature end" comes mid-scan; "missing SOS" when the file stops inside the headers.
        if lower.contains("premature end") || lower.contains("missing sos") { return .truncated(.jpeg) }
        if lower.contains("unsupported color conversion") || lower.contains("unsupported") {
            return .unsupported(.jpeg, message)
        }
        if lower.contains("empty") && lower.contains("image") { return .zeroSize(width: 0, height: 0) }
        return .corrupt(.jpeg, message)
    }

    /// True when a progressive (SOF2) frame marker appears before the first scan.
    private static func isProgressive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var pos = 2
        while pos + 4 <= bytes.count, bytes[pos] == 0xFF {
            let marker = bytes[pos + 1]
            if marker == 0xFF { pos += 1; continue }
            if marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE { return true }
            if marker == 0xDA || marker == 0xD9 { return false }
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { pos += 2; continue }
            pos += 2 + (Int(bytes[pos + 2]) << 8 | Int(bytes[pos + 3]))
        }
        return false
    }
}
