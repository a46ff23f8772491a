import ArgumentParser
import ConsoleOutput
import Datasets
import FlySim
import Foundation
import ImageIO

/// `flytally simulate`: FlySim photos with exact ground truth.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render synthetic photos of anaesthetised flies with exact labels (FlySim).",
        discussion: """
            Writes OUT/images/*.jpg and OUT/annotations.json (COCO: boxes, oriented boxes, four \
            keypoints, traits, pose, visible fraction). With --crops also OUT/crops/ (one PNG per \
            fly, 15 % margin) and OUT/crops/crops.csv (traits and keypoints in crop coordinates). \
            Everything is determined by --seed. Domains: \(FlySim.domainNames.joined(separator: ", ")); \
            'varied' draws a new surface, light and camera for every photo (domain randomisation).
            """)

    @Option(help: "Number of photos.")
    var photos: Int = 10

    @Option(help: "Random seed (photo i uses seed + i).")
    var seed: UInt64 = 1

    @Option(help: "Flies per photo: a number or a range like 40...70.")
    var flies: String = "40...70"

    @Option(help: "Scene preset (lighting, background, camera, magnification), 'all' to cycle through the presets, or 'varied' (every photo its own).")
    var domain: String = "lab-blue-card"

    @Option(help: "Photo size range in megapixels, e.g. 2...4 (default: the domain's).")
    var megapixels: String?

    @Option(name: .customLong("fly-length"), help: ArgumentHelp("Head-to-tail length of a female in pixels, a number or range like 250...450 (8…2000; default: from the domain's magnification, 60–270 px). Long flies make close-up photos, as through a microscope.", valueName: "px"))
    var flyLength: String?

    @Option(help: "Trait frequencies: balanced, or white-miniature-f2 (the X-linked teaching cross, r = 0.34).")
    var traits: String = "balanced"

    @Option(help: ArgumentHelp("Probability that a fly is dropped against another one, touching or overlapping it (0…1; default 0.12). Higher values make piles of flies, for training a detector on them.", valueName: "p"))
    var touching: Double?

    @Option(help: ArgumentHelp("Relative frequencies of the poses lateral,dorsal,ventral (default 0.8,0.13,0.07: anaesthetised flies mostly lie on their side). More dorsal and ventral flies give a classifier more of the poses it finds hardest to sex.", valueName: "l,d,v"))
    var poses: String?

    @Flag(help: "Also export one crop per fly with crops.csv.")
    var crops = false

    @Option(name: .customLong("contact-sheet"), help: ArgumentHelp("Also write a contact sheet of the photos (PNG).", valueName: "file"))
    var contactSheet: String?

    @Option(help: ArgumentHelp("Output directory.", valueName: "dir"))
    var out: String

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (1...100_000).contains(photos) else { throw ValidationError("--photos must be 1…100000.") }
        guard Self.range(flies).map({ $0.lowerBound >= 1 && $0.upperBound <= 150 }) == true else {
            throw ValidationError("--flies must be a number or range within 1…150 (got '\(flies)').")
        }
        guard domain == "all" || FlySimDomain.named(domain) != nil else {
            throw ValidationError("--domain '\(domain)' is unknown; choose one of \((FlySim.domainNames + ["varied", "all"]).joined(separator: ", ")).")
        }
        if let megapixels {
            guard let r = Self.doubleRange(megapixels), r.lowerBound >= 0.5, r.upperBound <= 12 else {
                throw ValidationError("--megapixels must be a number or range within 0.5…12 (got '\(megapixels)').")
            }
        }
        if let flyLength {
            guard let r = Self.doubleRange(flyLength), r.lowerBound >= 8, r.upperBound <= 2000 else {
                throw ValidationError("--fly-length must be a number or range within 8…2000 px (got '\(flyLength)').")
            }
        }
        if let touching, !(0...1).contains(touching) { throw ValidationError("--touching must be within 0…1 (got \(touching)).") }
        if let poses, Self.poseWeights(poses) == nil {
            throw ValidationError("--poses must be three non-negative numbers lateral,dorsal,ventral, not all zero (got '\(poses)').")
        }
        guard ["balanced", "white-miniature-f2"].contains(traits) else {
            throw ValidationError("--traits must be balanced or white-miniature-f2 (got '\(traits)').")
        }
    }

    static func range(_ text: String) -> ClosedRange<Int>? {
        let parts = text.components(separatedBy: "...").flatMap { $0.components(separatedBy: "-") }.filter { !$0.isEmpty }
        let values = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == parts.count, (1...2).contains(values.count), values[0] <= values.last! else { return nil }
        return values[0]...values.last!
    }

    static func poseWeights(_ text: String) -> FlySimPoseWeights? {
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == 3, let l = values[0], let d = values[1], let v = values[2],
              [l, d, v].allSatisfy({ $0 >= 0 && $0.isFinite }), l + d + v > 0 else { return nil }
        return FlySimPoseWeights(lateral: l, dorsal: d, ventral: v)
    }

    static func doubleRange(_ text: String) -> ClosedRange<Double>? {
        let parts = text.components(separatedBy: "...")
        let values = parts.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == parts.count, (1...2).contains(values.count), values[0] <= values.last! else { return nil }
        return values[0]...values.last!
    }

    func run() throws {
        let domains = domain == "all" ? FlySimDomain.all : [FlySimDomain.named(domain)!]
        var configuration = FlySimConfiguration(domain: domains[0])
        configuration.flyCount = Self.range(flies)!
        configuration.megapixels = megapixels.flatMap(Self.doubleRange)
        configuration.flyLength = flyLength.flatMap(Self.doubleRange)
        configuration.traits = traits == "balanced" ? .balanced : .whiteMiniatureF2()
        if let touching { configuration.touchingProbability = touching }
        if let poses { configuration.poses = Self.poseWeights(poses)! }
        let imageDirectory = (out as NSString).appendingPathComponent("images")
        let cropDirectory = (out as NSString).appendingPathComponent("crops")
        do {
            try FileManager.default.createDirectory(atPath: imageDirectory, withIntermediateDirectories: true)
        } catch {
            throw InputFailure("\(out): cannot create output directory (\(error.localizedDescription))")
        }
        let annotationsPath = (out as NSString).appendingPathComponent("annotations.json")
        let progress = ProgressBar(title: "simulate", total: photos, unit: "photos", style: output.progressStyle)
        var annotations: [AnnotatedImage] = []
        var exporter = crops ? CropExporter(directory: cropDirectory) : nil
        var nextFlyID = 1
        var thumbnails: [(image: RGBImage, caption: String)] = []
        for i in 0..<photos {
            configuration.domain = domains[i % domains.count]
            let photoSeed = seed &+ UInt64(i)
            let name = String(format: "flysim-%06llu.jpg", photoSeed)
            var photo: FlySimPhoto
            do {
                photo = try FlySim.render(configuration, seed: photoSeed, imageID: i + 1, fileName: name)
                // A fly wholly outside the picture (e.g. beyond a phone's eyepiece circle) is not
                // in the photo: it gets no annotation. COCO annotation ids are unique across
                // the file, not per photo.
                photo.annotation.flies.removeAll { $0.box.width <= 0 || $0.box.height <= 0 }
                for f in photo.annotation.flies.indices {
                    photo.annotation.flies[f].id = nextFlyID
                    nextFlyID += 1
                }
                try ImageEncoder.write(photo.image, to: (imageDirectory as NSString).appendingPathComponent(name),
                                       jpegQuality: photo.jpegQuality)
                // Crops come from the saved JPEG's pixels, as a user's crops would.
                if exporter != nil {
                    let saved = try ImageDecoder.decode(fileAt: (imageDirectory as NSString).appendingPathComponent(name)).image
                    try exporter!.add(photo: saved, annotation: photo.annotation)
                }
            } catch {
                throw InputFailure("photo \(i + 1) (seed \(photoSeed)): \(error)")
            }
            annotations.append(photo.annotation)
            if contactSheet != nil && thumbnails.count < 12 {
                thumbnails.append((photo.image.resized(maxSide: 640), "\(photo.domain), \(photo.annotation.flies.count) flies"))
            }
            // Keep the labels on disk as we go, so an interrupted run loses nothing it rendered.
            if (i + 1) % 50 == 0 { try writeAnnotations(annotations, to: annotationsPath) }
            progress.advance()
        }
        progress.finish()
        try writeAnnotations(annotations, to: annotationsPath)
        if let exporter { try exporter.finish() }
        if let contactSheet {
            do {
                try ImageEncoder.write(DatasetPlots.contactSheet(thumbnails), to: contactSheet, jpegQuality: 88)
            } catch {
                throw InputFailure(error.description)
            }
        }
        let total = annotations.reduce(0) { $0 + $1.flies.count }
        print("\(photos) photos, \(total) flies → \(out)" + (crops ? " (crops in \(cropDirectory))" : ""))
    }

    func writeAnnotations(_ images: [AnnotatedImage], to path: String) throws {
        do {
            try COCOFormat.write(images, to: path, description: "FlySim \(domain), seed \(seed)")
        } catch {
            throw InputFailure("\(path): cannot write annotations (\(error.localizedDescription))")
        }
    }
}

/// `flytally bench flysim`: rendering speed.
struct BenchFlySim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flysim", abstract: "FlySim rendering speed (photos per second).")

    @Option(help: "Photo size in megapixels.")
    var megapixels: Double = 3

    @Option(help: "Flies per photo.")
    var flies: Int = 60

    @Option(help: "Photos to time (after one warm-up photo).")
    var photos: Int = 8

    @Option(help: "Repeat the measurement this many times and report the median.")
    var repeats: Int = 3

    func validate() throws {
        guard megapixels >= 0.5 && megapixels <= 12 else { throw ValidationError("--megapixels must be 0.5…12.") }
        guard (1...150).contains(flies) else { throw ValidationError("--flies must be 1…150.") }
        guard (1...1000).contains(photos), (1...20).contains(repeats) else { throw ValidationError("--photos 1…1000, --repeats 1…20.") }
    }

    func run() throws {
        var rates: [Double] = []
        var last: FlySimBenchmark.Result? = nil
        for _ in 0..<repeats {
            do {
                let r = try FlySimBenchmark.run(megapixels: megapixels, flies: flies, photos: photos)
                rates.append(r.photosPerSecond)
                last = r
            } catch {
                throw InputFailure("\(error)")
            }
        }
        let median = rates.sorted()[rates.count / 2]
        if let r = last {
            print(String(format: "FlySim %dx%d (%.1f MP), %d flies, %d threads: median %.2f photos/s over %d runs of %d photos (runs: %@)",
                         r.width, r.height, Double(r.width * r.height) / 1e6, r.flies, r.threads, median, repeats, photos,
                         rates.map { String(format: "%.2f", $0) }.joined(separator: ", ") as NSString))
        }
    }
}
