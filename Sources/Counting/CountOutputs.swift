import Foundation
import Genetics
import ImageIO
import ImageProcessing

/// Everything `flytally count` writes into its output directory, and reading it back for
/// `--review`. Files are written atomically, so an interrupted run never leaves half a table.
public struct CountOutputs {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
    public var reportPath: String { path("report.html") }

    public func prepare() throws {
        do {
            try FileManager.default.createDirectory(atPath: path("annotated"), withIntermediateDirectories: true)
        } catch {
            throw CountingError(message: "\(directory): cannot create the output directory (\(error.localizedDescription))")
        }
    }

    /// Per-photo facts kept beside flies.json so `--review` can rebuild the report.
    struct PhotoEntry: Codable {
        var photo: String
        var width: Int
        var height: Int
        var notes: [String]
        var flies: Int
        var annotated: String?
    }

    public func annotatedName(for photo: String) -> String {
        // Keep names unique when photos from different folders share a file name.
        let base = ((photo as NSString).lastPathComponent as NSString).deletingPathExtension
        let hash = String(photo.utf8.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 } % 0xFFFF, radix: 16)
        return "annotated/\(base)-\(hash).jpg"
    }

    public func writeAnnotated(_ photo: PhotoCount, image: RGBImage, problems: ProblemSink) {
        let drawn = AnnotatedPhoto.draw(image, flies: photo.flies)
        do {
            try ImageEncoder.write(drawn, to: path(annotatedName(for: photo.photo)), jpegQuality: 88)
        } catch {
            problems.add("\(error)")
        }
    }

    /// Crops of the review flies as small JPEGs.
    public static func thumbnails(_ flies: [FlyRecord], from image: RGBImage, side: Int = 112) -> [ReviewThumbnail] {
        flies.compactMap { r in
            let b = r.boundingBox
            let s = Int(max(b.width, b.height) * 1.3)
            let crop = image.cropped(x: Int(b.center.x) - s / 2, y: Int(b.center.y) - s / 2, width: max(1, s), height: max(1, s),
                                     fill: RGB(128, 128, 128)).resized(width: side, height: side)
            guard let jpeg = try? ImageEncoder.jpeg(crop, quality: 85) else { return nil }
            return ReviewThumbnail(record: r, jpeg: jpeg)
        }
    }

    /// flies.json, flies.csv, summary.csv, photos.json and report.html; returns the analysis
    /// of the cross (nil when it could not be computed — the report says why).
    @discardableResult
    public func writeAll(_ photos: [PhotoCount], thumbnails: [ReviewThumbnail], cross: Cross, alpha: Double, recombination: Double?,
                         policy: ReviewPolicy, skipped: [String], models: String) throws -> CrossAnalysis? {
        let records = photos.flatMap(\.flies)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try write(try encoder.encode(records), "flies.json")
        try write(Data(CountTables.fliesCSV(records).utf8), "flies.csv")
        try write(Data(CountTables.summaryCSV(photos).utf8), "summary.csv")
        let entries = photos.map { PhotoEntry(photo: $0.photo, width: $0.width, height: $0.height, notes: $0.notes, flies: $0.flies.count,
                                              annotated: annotatedName(for: $0.photo)) }
        try write(try encoder.encode(entries), "photos.json")
        var analysis: CrossAnalysis? = nil, withoutReview: CrossAnalysis? = nil, problem: String? = nil
        do {
            analysis = try CrossAnalysis(cross: cross, counts: CountTables.counts(records), alpha: alpha, recombination: recombination)
            if records.contains(where: \.review) {
                withoutReview = try CrossAnalysis(cross: cross, counts: CountTables.counts(records, excludingReview: true), alpha: alpha,
                                                  recombination: recombination)
            }
        } catch {
            problem = "\(error)"
        }
        let html = ReportHTML.render(ReportHTML.Input(photos: photos, analysis: analysis, analysisWithoutReview: withoutReview,
                                                      analysisProblem: problem, review: thumbnails, reviewPolicy: policy,
                                                      skipped: skipped, models: models))
        try write(Data(html.utf8), "report.html")
        return analysis
    }

    /// Photos and flies of an earlier count in this directory.
    public func readPrevious() throws -> [PhotoCount] {
        let fliesPath = path("flies.json"), photosPath = path("photos.json")
        guard let fliesData = FileManager.default.contents(atPath: fliesPath) else {
            throw CountingError(message: "\(fliesPath): not found — run flytally count on the photos with this --out first")
        }
        let records: [FlyRecord]
        do { records = try JSONDecoder().decode([FlyRecord].self, from: fliesData) } catch {
            throw CountingError(message: "\(fliesPath): not a FlyTally flies.json (\(error))")
        }
        var entries: [PhotoEntry] = []
        if let data = FileManager.default.contents(atPath: photosPath) {
            do { entries = try JSONDecoder().decode([PhotoEntry].self, from: data) } catch {
                throw CountingError(message: "\(photosPath): unreadable (\(error))")
            }
        }
        // Photos named only in flies.json (photos.json lost) still count.
        for photo in Set(records.map(\.photo)) where !entries.contains(where: { $0.photo == photo }) {
            entries.append(PhotoEntry(photo: photo, width: 0, height: 0, notes: [], flies: 0, annotated: nil))
        }
        let byPhoto = Dictionary(grouping: records, by: \.photo)
        let photos = entries.map { PhotoCount(photo: $0.photo, width: $0.width, height: $0.height, flies: byPhoto[$0.photo] ?? [], notes: $0.notes) }
        return photos
    }

    func write(_ data: Data, _ name: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path(name)), options: .atomic)
        } catch {
            throw CountingError(message: "\(path(name)): cannot write (\(error.localizedDescription))")
        }
    }
}

/// Where problems found while writing go (the CLI's ProblemReport conforms).
public protocol ProblemSink {
    func add(_ line: String)
}
