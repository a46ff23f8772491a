import ArgumentParser
import ConsoleOutput
import Foundation
import ImageIO
import ImageProcessing

/// `flytally inspect`: decode photos, report what they are, optionally write copies.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe images (size, format, EXIF orientation, decode time); optionally write resized or annotated copies.",
        discussion: """
            IMAGE may be a JPEG or PNG file or a directory (searched recursively for .jpg, \
            .jpeg and .png files). Bad files are reported one line each and skipped; the rest \
            are processed, and the exit status is then 1.

            Sizes are given as displayed, i.e. after applying the EXIF orientation. An \
            annotated copy shows an arrow pointing to what FlyTally takes as 'up', a dot at \
            the top-left origin and a label with the file's facts.
            """)

    @Argument(help: "Image files or directories.")
    var images: [String]

    @OptionGroup var output: OutputOptions
    @OptionGroup var limits: DecodeLimitOptions

    @Option(help: ArgumentHelp("Write a copy of each image into this directory.", valueName: "dir"))
    var out: String?

    @Option(help: ArgumentHelp("Resize the copies to exactly WIDTHxHEIGHT pixels.", valueName: "WxH"))
    var resize: String?

    @Option(name: .customLong("max-side"), help: "Shrink the copies so the longer side is at most this many pixels.")
    var maxSide: Int?

    @Flag(help: "Draw the orientation arrow, origin dot and a label on the copies.")
    var annotate = false

    @Option(help: "Format of the copies: jpg or png (default: that of each input).")
    var format: OutputFormat?

    @Option(help: "JPEG quality of the copies, 1–100.")
    var quality: Int = 90

    @Flag(name: .customLong("ignore-orientation"), help: "Do not apply EXIF orientation (show the pixels as stored).")
    var ignoreOrientation = false

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case jpg, png
        var imageFormat: ImageFormat { self == .jpg ? .jpeg : .png }
    }

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("Give at least one image file or directory.") }
        if out == nil && (resize != nil || maxSide != nil || annotate || format != nil) {
            throw ValidationError("--resize, --max-side, --annotate and --format apply to copies: add --out DIR.")
        }
        if resize != nil && maxSide != nil { throw ValidationError("Use either --resize or --max-side, not both.") }
        if let resize, Self.parseSize(resize) == nil {
            throw ValidationError("--resize must look like 640x480 with both sides 1…65535 (got '\(resize)').")
        }
        if let maxSide, !(1...65535).contains(maxSide) {
            throw ValidationError("--max-side must be 1…65535 (got \(maxSide)).")
        }
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be 1…100 (got \(quality)).") }
        if let out {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), !isDirectory.boolValue {
                throw ValidationError("--out \(out) is a file; give a directory.")
            }
        }
    }

    static func parseSize(_ text: String) -> (width: Int, height: Int)? {
        let parts = text.lowercased().split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]),
              (1...65535).contains(w), (1...65535).contains(h) else { return nil }
        return (w, h)
    }

    func run() throws {
        let collected = ImageFileCollector.collect(images)
        let problems = ProblemReport()
        for problem in collected.problems { problems.add(problem.description) }
        if let out {
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            } catch {
                throw InputFailure("\(out): cannot create output directory (\(error.localizedDescription))")
            }
        }
        let options = DecodeOptions(maxPixels: limits.maxPixels, applyOrientation: !ignoreOrientation)
        let progress = ProgressBar(title: "inspect", total: collected.files.count, unit: "images",
                                   style: output.json ? .silent : output.progressStyle)
        var records: [InspectRecord] = collected.problems.map { InspectRecord(path: $0.path, error: "\($0.error)") }
        var outputNames = OutputNamer()

        for path in collected.files {
            defer { progress.advance() }
            let started = ContinuousClock.now
            let decoded: DecodedImage
            do {
                decoded = try ImageDecoder.decode(fileAt: path, options: options)
            } catch {
                problems.add(error.description)
                records.append(InspectRecord(path: path, error: "\(error.error)"))
                continue
            }
            let decodeMs = (ContinuousClock.now - started).milliseconds
            var record = InspectRecord(path: path, decoded: decoded, decodeMs: decodeMs)
            if let out {
                do {
                    record.output = try writeCopy(of: decoded, from: path, into: out, names: &outputNames)
                } catch {
                    problems.add(error.description)
                    record.error = "\(error.error)"
                }
            }
            records.append(record)
            if !output.json { progress.printResult(record.textLine) }
        }
        progress.finish()

        if output.json {
            print(try JSONOutput.encode(records))
        }
        if !problems.isEmpty {
            StandardError.write(problems.summary(total: collected.files.count + collected.problems.count))
            throw BatchHadProblems()
        }
    }

    /// Resizes/annotates one decoded image and writes it; returns the path written.
    private func writeCopy(of decoded: DecodedImage, from path: String, into directory: String,
                           names: inout OutputNamer) throws(ImageFileError) -> String {
        var image = decoded.image
        if let resize, let size = Self.parseSize(resize) {
            image = image.resized(width: size.width, height: size.height)
        } else if let maxSide {
            image = image.resized(maxSide: maxSide)
        }
        if annotate { OrientationAnnotation.draw(on: &image, label: annotationLabel(decoded, path: path)) }
        let format = format?.imageFormat ?? decoded.format
        let target = names.path(for: path, in: directory, format: format)
        if URL(fileURLWithPath: target).standardizedFileURL.path == URL(fileURLWithPath: path).standardizedFileURL.path {
            throw ImageFileError(path: target, error: .writeFailed("refusing to overwrite the input image"))
        }
        try ImageEncoder.write(image, to: target, jpegQuality: quality)
        return target
    }

    private func annotationLabel(_ decoded: DecodedImage, path: String) -> String {
        let name = (path as NSString).lastPathComponent
        return "\(name)\n\(decoded.image.width)x\(decoded.image.height) EXIF \(decoded.orientation.rawValue)"
    }
}

/// Chooses output file names: the input's name with the output format's extension, made
/// unique within one run ("a.jpg", "a-2.jpg", …) so two inputs never overwrite each other.
struct OutputNamer {
    private var used = Set<String>()

    mutating func path(for input: String, in directory: String, format: ImageFormat) -> String {
        let stem = ((input as NSString).lastPathComponent as NSString).deletingPathExtension
        let ext = format == .jpeg ? "jpg" : "png"
        var candidate = "\(stem).\(ext)"
        var n = 2
        while used.contains(candidate) {
            candidate = "\(stem)-\(n).\(ext)"
            n += 1
        }
        used.insert(candidate)
        return (directory as NSString).appendingPathComponent(candidate)
    }
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
