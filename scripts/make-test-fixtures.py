#!/usr/bin/env python3
"""Writes the small image fixtures in Tests/Fixtures/images/ and their expected pixels.

Independent of the code under test: PNGs are assembled here byte by byte with zlib and
struct (no libpng), and each decodable fixture gets a `.rgb` file with the raw 8-bit RGB
pixels a correct decoder must produce (transparent pixels composited over white as
out = (c*a + 255*(255-a) + 127) // 255; 16-bit samples scaled as round(v / 257)).
JPEGs are made with libjpeg-turbo's `cjpeg` (Debian package libjpeg-turbo-progs) and get
camera-style EXIF segments inserted here.

Run from the repository root:  python3 scripts/make-test-fixtures.py
The fixtures are committed; rerun only to change them (tests name this script).
"""
import os
import struct
import subprocess
import tempfile
import zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "images")
W, H = 13, 7  # odd sizes on purpose: no row or tile boundary lines up


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes(width, height, bit_depth, color_type, rows, palette=None, trns=None, interlace=0):
    """rows: list of per-row sample lists (already in the PNG's sample order)."""
    def pack_row(samples):
        if bit_depth == 16:
            return b"".join(struct.pack(">H", s) for s in samples)
        if bit_depth == 8:
            return bytes(samples)
        per_byte = 8 // bit_depth
        out = bytearray()
        for i in range(0, len(samples), per_byte):
            byte = 0
            group = samples[i:i + per_byte]
            for j, s in enumerate(group):
                byte |= s << (8 - bit_depth * (j + 1))
            out.append(byte)
        return bytes(out)

    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type]
    if interlace == 0:
        raw = b"".join(b"\x00" + pack_row(r) for r in rows)
    else:
        # Adam7: seven passes, each a small image of its own (filter type 0 per row).
        passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        raw = b""
        for x0, y0, dx, dy in passes:
            for y in range(y0, height, dy):
                xs = list(range(x0, width, dx))
                if not xs:
                    continue
                samples = []
                for x in xs:
                    samples.extend(rows[y][x * channels:(x + 1) * channels])
                raw += b"\x00" + pack_row(samples)
    data = b"\x89PNG\r\n\x1a\n"
    data += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, interlace))
    if palette is not None:
        data += chunk(b"PLTE", b"".join(bytes(c) for c in palette))
    if trns is not None:
        data += chunk(b"tRNS", trns)
    data += chunk(b"IDAT", zlib.compress(raw, 9))
    data += chunk(b"IEND", b"")
    return data


def over_white(c, a):
    return (c * a + 255 * (255 - a) + 127) // 255


def to8(v16):
    return (v16 * 255 + 32767) // 65535  # round(v / 257)


def write(name, data, expected_rgb=None):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    if expected_rgb is not None:
        stem = name.rsplit(".", 1)[0]
        with open(os.path.join(OUT, stem + ".rgb"), "wb") as f:
            f.write(bytes(expected_rgb))


def pattern(x, y, c):
    """A deterministic, position-dependent sample in 0..255 for channel c."""
    return (x * 37 + y * 91 + c * 53 + x * y * 7) % 256


def make_pngs():
    # 8-bit RGB
    rows = [[pattern(x, y, c) for x in range(W) for c in range(3)] for y in range(H)]
    write("rgb8.png", png_bytes(W, H, 8, 2, rows), [v for r in rows for v in r])
    write("rgb8-interlaced.png", png_bytes(W, H, 8, 2, rows, interlace=1), [v for r in rows for v in r])
    # 16-bit RGB
    rows16 = [[pattern(x, y, c) * 257 + (x * 13 + c) % 257 for x in range(W) for c in range(3)] for y in range(H)]
    write("rgb16.png", png_bytes(W, H, 16, 2, rows16), [to8(v) for r in rows16 for v in r])
    # RGBA 8 and 16
    rgba = [[(pattern(x, y, c) if c < 3 else (x * 19 + y * 41) % 256) for x in range(W) for c in range(4)] for y in range(H)]
    expected = []
    for r in rgba:
        for x in range(W):
            a = r[x * 4 + 3]
            expected += [over_white(r[x * 4 + c], a) for c in range(3)]
    write("rgba8.png", png_bytes(W, H, 8, 6, rgba), expected)
    # Gray 1, 2, 4, 8, 16 bit
    for depth in (1, 2, 4, 8, 16):
        top = (1 << depth) - 1
        g = [[(x + y * 3) % (top + 1) for x in range(W)] for y in range(H)]
        if depth == 16:
            g = [[(x * 4099 + y * 7001) % 65536 for x in range(W)] for y in range(H)]
            exp = [to8(v) for r in g for v in r for _ in range(3)]
        else:
            exp = [v * 255 // top for r in g for v in r for _ in range(3)]
        write("gray%d.png" % depth, png_bytes(W, H, depth, 0, g), exp)
    # Gray + alpha 8-bit
    ga = [[(pattern(x, y, 0) if c == 0 else (x * 23 + y * 11) % 256) for x in range(W) for c in range(2)] for y in range(H)]
    exp = []
    for r in ga:
        for x in range(W):
            v = over_white(r[x * 2], r[x * 2 + 1])
            exp += [v, v, v]
    write("gray-alpha8.png", png_bytes(W, H, 8, 4, ga), exp)
    # Palette 4-bit without and 8-bit with transparency
    palette = [(i * 16, 255 - i * 12, (i * 77) % 256) for i in range(16)]
    idx = [[(x * 3 + y * 5) % 16 for x in range(W)] for y in range(H)]
    write("palette4.png", png_bytes(W, H, 4, 3, idx, palette=palette),
          [v for r in idx for i in r for v in palette[i]])
    alphas = bytes((i * 17) % 256 for i in range(16))
    write("palette8-trns.png", png_bytes(W, H, 8, 3, idx, palette=palette, trns=alphas),
          [over_white(v, alphas[i]) for r in idx for i in r for v in palette[i]])

    # Malformed PNGs
    good = png_bytes(W, H, 8, 2, rows)
    write("truncated.png", good[: len(good) // 2])
    bad_crc = bytearray(good)
    idat = bad_crc.index(b"IDAT")
    bad_crc[idat + 10] ^= 0xFF  # corrupt compressed data; the chunk CRC no longer matches
    write("corrupt-crc.png", bytes(bad_crc))
    write("zero-width.png", png_bytes(0, H, 8, 2, []))
    # Header promises 20000 x 20000 (400 MP); there is almost no data behind it.
    huge = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0))
    huge += chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b"")
    write("huge-header.png", huge)


def tiff_ifd(entries, little):
    """entries: list of (tag, type, count, value_bytes<=4). Returns a TIFF blob with IFD0."""
    e = "<" if little else ">"
    head = (b"II" if little else b"MM") + struct.pack(e + "HI", 42, 8)
    body = struct.pack(e + "H", len(entries))
    for tag, typ, count, value in entries:
        body += struct.pack(e + "HHI", tag, typ, count) + value.ljust(4, b"\x00")
    body += struct.pack(e + "I", 0)  # no next IFD
    return head + body


def exif_app1(orientation, little):
    e = "<" if little else ">"
    entries = [
        (0x010F, 2, 4, b"Fly\x00"),                        # Make (ASCII, fits inline)
        (0x0110, 2, 4, b"Cam\x00"),                        # Model
        (0x0112, 3, 1, struct.pack(e + "H", orientation)),  # Orientation
        (0x011A, 5, 1, b""),                               # XResolution (offset unused here)
    ]
    payload = b"Exif\x00\x00" + tiff_ifd(entries, little)
    return b"\xFF\xE1" + struct.pack(">H", len(payload) + 2) + payload


def quadrant_colour(x, y, w, h):
    """Top-left red, top-right green, bottom-left blue, bottom-right white."""
    left, top = x < w // 2, y < h // 2
    return {(True, True): (220, 30, 30), (False, True): (30, 200, 30),
            (True, False): (30, 30, 220), (False, False): (240, 240, 240)}[(left, top)]


def cjpeg(ppm, *flags):
    with tempfile.NamedTemporaryFile(suffix=".ppm") as f:
        f.write(ppm)
        f.flush()
        return subprocess.run(["cjpeg", "-quality", "95", *flags, f.name], check=True, capture_output=True).stdout


def djpeg_rgb(name):
    """Reference decode by libjpeg-turbo's own djpeg (accurate integer DCT, as FlyTally
    asks for), stored raw so tests check the wrapper passes pixels through unchanged."""
    ppm = subprocess.run(["djpeg", "-dct", "int", "-ppm", os.path.join(OUT, name)],
                         check=True, capture_output=True).stdout
    # P6 header: magic, width, height, maxval separated by whitespace, then raw bytes.
    parts = ppm.split(maxsplit=4)
    with open(os.path.join(OUT, name.rsplit(".", 1)[0] + ".djpeg.rgb"), "wb") as f:
        f.write(parts[4])


def make_jpegs():
    # Stored pixels 32 x 16 with coloured quadrants: after applying EXIF orientation N the
    # displayed image must show the quadrants where the EXIF spec puts them.
    w, h = 32, 16
    pix = bytes(v for y in range(h) for x in range(w) for v in quadrant_colour(x, y, w, h))
    ppm = b"P6\n%d %d\n255\n" % (w, h) + pix
    base = cjpeg(ppm)
    write("quadrants.jpg", base)
    for n in range(1, 9):
        little = n % 2 == 1  # both byte orders: odd as Intel (II), even as Motorola (MM)
        write("orientation-%d.jpg" % n, base[:2] + exif_app1(n, little) + base[2:])
    write("orientation-invalid.jpg", base[:2] + exif_app1(9, True) + base[2:])
    write("progressive.jpg", cjpeg(ppm, "-progressive"))
    djpeg_rgb("quadrants.jpg")
    djpeg_rgb("progressive.jpg")
    gray = b"P5\n%d %d\n255\n" % (w, h) + bytes((x * 8) % 256 for y in range(h) for x in range(w))
    write("gray.jpg", cjpeg(gray))
    # Truncated inside the entropy-coded scan (the usual case: an interrupted copy) and
    # inside the headers. A noisy 48 x 48 image gives the scan enough bytes to cut.
    noisy = bytes((x * 73 + y * 151 + (x * y) % 17 * 29) % 256 for y in range(48) for x in range(48) for _ in range(3))
    full = cjpeg(b"P6\n48 48\n255\n" + noisy)
    sos = full.index(b"\xFF\xDA")
    write("truncated.jpg", full[: sos + (len(full) - sos) // 2])
    write("truncated-header.jpg", base[: base.index(b"\xFF\xDA") - 20])
    # Zero height in the SOF0 frame header.
    zero = bytearray(base)
    sof = zero.index(b"\xFF\xC0")
    zero[sof + 5:sof + 7] = b"\x00\x00"
    write("zero-height.jpg", bytes(zero))
    # 60000 x 60000 declared in the frame header (3600 MP).
    huge = bytearray(base)
    huge[sof + 5:sof + 9] = struct.pack(">HH", 60000, 60000)
    write("huge-header.jpg", bytes(huge))


def make_others():
    write("empty.jpg", b"")
    write("not-an-image.jpg", b"This is a text file with an image extension.\n")
    write("random-bytes.png", bytes((i * 97 + 13) % 256 for i in range(200)))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    make_pngs()
    make_jpegs()
    make_others()
    print("fixtures written to", os.path.normpath(OUT))
