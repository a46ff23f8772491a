/// Reads the orientation tag from a JPEG's EXIF (APP1) segment.
///
/// Only the marker structure before the first scan is walked, with every offset checked
/// against the buffer: malformed EXIF never throws, it simply yields no orientation.
enum ExifReader {
    /// The declared orientation, or nil when there is none or it cannot be read.
    /// `rawValue` is also returned when it is outside 1…8 so callers can mention it.
    static func orientation(inJPEG bytes: UnsafeRawBufferPointer) -> (orientation: ExifOrientation?, rawValue: Int?) {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return (nil, nil) }
        var pos = 2
        while pos + 4 <= bytes.count {
            guard bytes[pos] == 0xFF else { return (nil, nil) }
            let marker = bytes[pos + 1]
            if marker == 0xFF { pos += 1; continue }                 // fill byte
            if marker == 0xD9 || marker == 0xDA { return (nil, nil) } // EOI / start of scan
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { pos += 2; continue } // no length
            let length = Int(bytes[pos + 2]) << 8 | Int(bytes[pos + 3])
            guard length >= 2, pos + 2 + length <= bytes.count else { return (nil, nil) }
            let payload = pos + 4
            let payloadEnd = pos + 2 + length
            if marker == 0xE1, payloadEnd - payload >= 14,
               Array(bytes[payload..<payload + 6]) == [0x45, 0x78, 0x69, 0x66, 0, 0] {  // "Exif\0\0"
                if let raw = orientationTag(tiff: UnsafeRawBufferPointer(rebasing: bytes[payload + 6..<payloadEnd])) {
                    return (ExifOrientation(rawValue: raw), raw)
                }
            }
            pos = payloadEnd
        }
        return (nil, nil)
    }

    /// Finds tag 0x0112 in IFD0 of a TIFF structure.
    private static func orientationTag(tiff: UnsafeRawBufferPointer) -> Int? {
        guard tiff.count >= 8 else { return nil }
        let littleEndian: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): littleEndian = true     // "II"
        case (0x4D, 0x4D): littleEndian = false    // "MM"
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= tiff.count else { return nil }
            let a = Int(tiff[at]), b = Int(tiff[at + 1])
            return littleEndian ? a | b << 8 : a << 8 | b
        }
        func u32(_ at: Int) -> Int? {
            guard let lo = u16(littleEndian ? at : at + 2), let hi = u16(littleEndian ? at + 2 : at) else { return nil }
            return hi << 16 | lo
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for i in 0..<count {
            let entry = ifd + 2 + i * 12
            guard let tag = u16(entry) else { return nil }
            if tag == 0x0112 {
                guard u16(entry + 2) == 3 else { return nil }   // must be SHORT
                return u16(entry + 8)
            }
        }
        return nil
    }
}
