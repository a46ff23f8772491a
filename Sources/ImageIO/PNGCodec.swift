import CPNG

/// PNG decoding and encoding through libpng's "simplified" API, which reports errors
/// through the `png_image` struct instead of longjmp (so it is safe to call from Swift).
enum PNGCodec {
    struct Header {
        let width: Int
        let height: Int
        let bitDepth: Int
        let colorType: String
        let interlaced: Bool
    }

    /// Reads IHDR directly: gives the facts `inspect` prints without starting libpng.
    static func readHeader(_ bytes: UnsafeRawBufferPointer) throws(ImageError) -> Header {
        // signature (8) + chunk length (4) + "IHDR" (4) + 13 data bytes
        guard bytes.count >= 8 + 8 + 13 else { throw .truncated(.png) }
        guard Array(bytes[12..<16]) == Array("IHDR".utf8) else { throw .corrupt(.png, "first chunk is not IHDR") }
        func u32(_ at: Int) -> Int {
            Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
        }
        let width = u32(16), height = u32(20)
        let depth = Int(bytes[24])
        let colorType: String
        switch bytes[25] {
        case 0: colorType = "gray"
        case 2: colorType = "RGB"
        case 3: colorType = "palette"
        case 4: colorType = "gray+alpha"
        case 6: colorType = "RGBA"
        default: throw .corrupt(.png, "unknown colour type \(bytes[25])")
        }
        return Header(width: width, height: height, bitDepth: depth, colorType: colorType, interlaced: bytes[28] == 1)
    }

    /// Decodes any PNG (1/2/4/8/16-bit gray, gray+alpha, RGB, RGBA, palette, interlaced) to
    /// 8-bit RGB. Transparent pixels are composited over `background` in sRGB values:
    /// out = (c·a + bg·(255 − a) + 127) / 255.
    /// 16-bit samples without gamma information are taken as sRGB-encoded and scaled to 8 bits.
    static func decode(_ bytes: UnsafeRawBufferPointer, background: RGB) throws(ImageError) -> RGBImage {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_memory(&image, bytes.baseAddress, bytes.count) != 0 else {
            throw failure(&image)
        }
        let width = Int(image.width), height = Int(image.height)
        image.flags |= png_uint_32(PNG_IMAGE_FLAG_16BIT_sRGB)
        image.format = png_uint_32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)  // PNG_FORMAT_RGBA
        var rgba = [UInt8](repeating: 0, count: width * height * 4)
        let ok = rgba.withUnsafeMutableBytes { out in
            png_image_finish_read(&image, nil, out.baseAddress, 0, nil)
        }
        guard ok != 0 else { throw failure(&image) }

        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        let bg = (Int(background.r), Int(background.g), Int(background.b))
        rgba.withUnsafeBufferPointer { src in
            rgb.withUnsafeMutableBufferPointer { dst in
                for i in 0..<(width * height) {
                    let a = Int(src[i * 4 + 3])
                    if a == 255 {
                        dst[i * 3] = src[i * 4]; dst[i * 3 + 1] = src[i * 4 + 1]; dst[i * 3 + 2] = src[i * 4 + 2]
                    } else {
                        dst[i * 3] = UInt8((Int(src[i * 4]) * a + bg.0 * (255 - a) + 127) / 255)
                        dst[i * 3 + 1] = UInt8((Int(src[i * 4 + 1]) * a + bg.1 * (255 - a) + 127) / 255)
                        dst[i * 3 + 2] = UInt8((Int(src[i * 4 + 2]) * a + bg.2 * (255 - a) + 127) / 255)
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: rgb)
    }

    /// Encodes an 8-bit RGB PNG.
    static func encode(_ rgbImage: RGBImage) throws(ImageError) -> [UInt8] {
        guard !rgbImage.isEmpty else {
            throw .encodeFailed(.png, "image has no pixels (\(rgbImage.width)x\(rgbImage.height))")
        }
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(rgbImage.width)
        image.height = png_uint_32(rgbImage.height)
        image.format = png_uint_32(PNG_FORMAT_FLAG_COLOR)  // PNG_FORMAT_RGB
        var size = 0
        let sized = rgbImage.pixels.withUnsafeBytes { src in
            png_image_write_to_memory(&image, nil, &size, 0, src.baseAddress, 0, nil)
        }
        guard sized != 0 else { throw failure(&image, encoding: true) }
        var output = [UInt8](repeating: 0, count: size)
        let written = rgbImage.pixels.withUnsafeBytes { src in
            output.withUnsafeMutableBytes { dst in
                png_image_write_to_memory(&image, dst.baseAddress, &size, 0, src.baseAddress, 0, nil)
            }
        }
        guard written != 0 else { throw failure(&image, encoding: true) }
        return Array(output.prefix(size))
    }

    private static func failure(_ image: inout png_image, encoding: Bool = false) -> ImageError {
        let message = withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        png_image_free(&image)
        if encoding { return .encodeFailed(.png, message) }
        let lower = message.lowercased()
        if lower.contains("read error") || lower.contains("beyond end") || lower.contains("eof") || lower.contains("truncat")
            || lower.contains("not enough") || lower.contains("unexpected end") {
            return .truncated(.png)
        }
        if lower.contains("image width is zero") || lower.contains("image height is zero") {
            return .zeroSize(width: 0, height: 0)
        }
        return .corrupt(.png, message.isEmpty ? "libpng gave no reason" : message)
    }
}
