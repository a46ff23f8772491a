import Datasets
import Foundation
import Genetics
import ImageIO
import Testing
@testable import Counting

private func record(_ photo: String, _ fly: Int, eye: String = "red", wing: String = "long", sex: String = "female",
                    p: [Float] = [0.1, 0.1, 0.1]) -> FlyRecord {
    FlyRecord(photo: photo, fly: fly, box: [10, 20, 30, 15], score: 0.9, eye: eye, wing: wing, sex: sex,
              pWhite: p[0], pMiniature: p[1], pMale: p[2], keypoints: nil, review: ReviewPolicy().needsReview(p), corrected: false)
}

private func temporaryDirectory() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-count-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

@Suite struct CountingTests {
    @Test func reviewFlagsOnlyUncertainProbabilities() {
        let policy = ReviewPolicy(lower: 0.2, upper: 0.8)
        #expect(!policy.needsReview([0.05, 0.95, 0.2]))   // the bounds themselves are confident
        #expect(policy.needsReview([0.05, 0.95, 0.5]))
        #expect(policy.needsReview([0.79, 0.0, 1.0]))
    }

    @Test func tablesCountPhenotypesPerPhotoAndInTotal() {
        let a = [record("a.jpg", 1), record("a.jpg", 2, eye: "white", wing: "miniature", sex: "male"),
                 record("a.jpg", 3, p: [0.5, 0.1, 0.1])]
        let b = [record("b,c.jpg", 1, sex: "male")]
        let counts = CountTables.counts(a + b)
        #expect(counts.total == 4)
        #expect(counts[Phenotype(eye: .red, wing: .long, sex: .female)] == 2)
        #expect(CountTables.counts(a + b, excludingReview: true).total == 3)
        let summary = CountTables.summaryCSV([PhotoCount(photo: "a.jpg", width: 1, height: 1, flies: a, notes: []),
                                              PhotoCount(photo: "b,c.jpg", width: 1, height: 1, flies: b, notes: [])])
        let lines = summary.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[2].hasPrefix("\"b,c.jpg\","), "file names with commas are quoted")
        #expect(lines[3].hasPrefix("TOTAL,") && lines[3].hasSuffix(",4,1"))
        let flies = CountTables.fliesCSV(a)
        #expect(flies.split(separator: "\n").count == 4)
        #expect(flies.split(separator: "\n")[3].contains(",yes,no"))
    }

    @Test func correctionsChangeRemoveAndConfirmFlies() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/corrections.csv"
        try Data("""
            photo,fly,eye,wing,sex,remove
            a.jpg,1,white,,,
            a.jpg,2,,,,yes
            a.jpg,3,,,,
            a.jpg,9,red,,,
            a.jpg,x,red,,,
            a.jpg,1,purple,,,

            """.utf8).write(to: URL(fileURLWithPath: path))
        let (corrections, problems) = try Corrections.read(path: path)
        #expect(corrections.entries.count == 4)
        #expect(problems.count == 2 && problems.allSatisfy { $0.hasPrefix(path + ": line ") })
        let records = [record("a.jpg", 1), record("a.jpg", 2), record("a.jpg", 3, p: [0.5, 0.1, 0.1])]
        let (out, applyProblems) = corrections.apply(to: records)
        #expect(out.map(\.fly) == [1, 3])
        #expect(out[0].eye == "white" && out[0].corrected && out[0].wing == "long")
        #expect(!out[1].review && out[1].corrected, "a row without changes confirms the fly")
        #expect(applyProblems.count == 1 && applyProblems[0].contains("no fly 9"))
    }

    @Test func correctionsWithoutTheKeyColumnsAreRefused() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("file,eye\na.jpg,red\n".utf8).write(to: URL(fileURLWithPath: dir + "/c.csv"))
        #expect(throws: CountingError.self) { _ = try Corrections.read(path: dir + "/c.csv") }
        #expect(throws: CountingError.self) { _ = try Corrections.read(path: dir + "/missing.csv") }
    }

    @Test func reportIsSelfContainedAndStatesTheConclusion() throws {
        var flies: [FlyRecord] = []
        // 9:3:3:1-like counts for the dihybrid cross.
        for (i, (eye, wing, n)) in [("red", "long", 90), ("red", "miniature", 30), ("white", "long", 30), ("white", "miniature", 10)].enumerated() {
            for j in 0..<n { flies.append(record("p.jpg", i * 100 + j + 1, eye: eye, wing: wing, sex: j % 2 == 0 ? "female" : "male")) }
        }
        let photos = [PhotoCount(photo: "p.jpg", width: 100, height: 100, flies: flies, notes: ["a note"])]
        let analysis = try CrossAnalysis(cross: try Cross.named("dihybrid"), counts: CountTables.counts(flies))
        let html = ReportHTML.render(ReportHTML.Input(photos: photos, analysis: analysis, analysisWithoutReview: nil, analysisProblem: nil,
                                                      review: [ReviewThumbnail(record: flies[0], jpeg: [0xFF, 0xD8, 0xFF])],
                                                      reviewPolicy: ReviewPolicy(), skipped: ["bad.jpg: not an image"], models: "test <models>"))
        #expect(html.contains("<svg"))
        #expect(html.contains(analysis.conclusion.summary.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")))
        #expect(html.contains("data:image/jpeg;base64,/9j/"))
        #expect(html.contains("test &lt;models&gt;"))
        #expect(html.contains("bad.jpg: not an image") && html.contains("a note"))
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").count == 2, "only the SVG namespace")
        #expect(!html.contains("https://") && !html.contains("<script"))
    }

    @Test func outputsRoundTripForReview() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outputs = CountOutputs(directory: dir)
        try outputs.prepare()
        let photos = [PhotoCount(photo: "x/a.jpg", width: 640, height: 480, flies: [record("x/a.jpg", 1), record("x/a.jpg", 2, sex: "male")], notes: []),
                      PhotoCount(photo: "y/empty.jpg", width: 640, height: 480, flies: [], notes: ["no flies found"])]
        let analysis = try outputs.writeAll(photos, thumbnails: [], cross: try Cross.named("sex-ratio"), alpha: 0.05, recombination: nil,
                                            policy: ReviewPolicy(), skipped: [], models: "m")
        #expect(analysis?.totalFlies == 2)
        for name in ["flies.json", "flies.csv", "summary.csv", "photos.json", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + name), "\(name) missing")
        }
        let back = try outputs.readPrevious()
        #expect(back.map(\.photo) == ["x/a.jpg", "y/empty.jpg"])
        #expect(back[0].flies == photos[0].flies && back[1].notes == ["no flies found"])
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/flies.json"))) as! [[String: Any]]
        for key in ["photo", "box", "score", "eye", "wing", "sex", "p_white", "p_miniature", "p_male", "review"] {
            #expect(json[0][key] != nil, "flies.json lacks \(key)")
        }
        #expect(outputs.annotatedName(for: "x/a.jpg") != outputs.annotatedName(for: "y/a.jpg"))
    }

    @Test func annotatedPhotoDrawsBoxesInThePhenotypeColour() {
        let photo = RGBImage(width: 800, height: 600, fill: RGB(20, 20, 20))
        let fly = FlyRecord(photo: "a", fly: 1, box: [500, 400, 40, 30], score: 1, eye: "white", wing: "miniature", sex: "male",
                            pWhite: 0.9, pMiniature: 0.9, pMale: 0.9, keypoints: nil, review: false, corrected: false)
        let drawn = AnnotatedPhoto.draw(photo, flies: [fly])
        let colour = AnnotatedPhoto.colour(of: Phenotype(eye: .white, wing: .miniature, sex: .male))
        #expect(drawn[539, 420] == colour, "right edge of the box")
        #expect(drawn[520, 415] == RGB(20, 20, 20), "inside the box untouched")
        #expect(drawn[1, 1] == .white, "legend background")
    }

    @Test func scaleCheckWarnsAboutFliesFarFromTheTrainedSizes() {
        let small = (0..<5).map { _ in flyBox(4) }, normal = (0..<5).map { _ in flyBox(80) }, large = (0..<5).map { _ in flyBox(400) }
        #expect(ScaleCheck.notes(boxes: small, photoWidth: 1000, photoHeight: 800, detectorInput: 512, tiles: 1).first?.contains("small") == true)
        #expect(ScaleCheck.notes(boxes: normal, photoWidth: 1000, photoHeight: 800, detectorInput: 512, tiles: 1).isEmpty)
        #expect(ScaleCheck.notes(boxes: large, photoWidth: 1000, photoHeight: 800, detectorInput: 512, tiles: 1).first?.contains("further away") == true)
        // The same flies after automatic tiling shrank the photo to a third: 68 px, no note.
        #expect(ScaleCheck.notes(boxes: large, photoWidth: 1000, photoHeight: 800, detectorInput: 512, tiles: 1, zoom: 1.0 / 3).isEmpty)
        // 80-px flies are 41 px at the whole photo's input, 111 px on 3×3 tiles (× 2.7): fine;
        // 200-px flies on 3×3 tiles (276 px) are cut into pieces, and the note says to tile less.
        #expect(ScaleCheck.notes(boxes: normal, photoWidth: 1000, photoHeight: 800, detectorInput: 512, tiles: 3).isEmpty)
        let big = (0..<5).map { _ in flyBox(200) }
        #expect(ScaleCheck.notes(boxes: big, photoWidth: 1000, photoHeight: 800, detectorInput: 512, tiles: 3).first?.contains("--tiles auto or fewer tiles") == true)
        // 20-px flies are 10 px at the input of the whole photo, 19 px on 2×2 tiles (× 1.85).
        let twenty = (0..<5).map { _ in flyBox(20) }
        #expect(ScaleCheck.notes(boxes: twenty, photoWidth: 1000, photoHeight: 800, detectorInput: 512, tiles: 1).first?.contains("small") == true)
        #expect(ScaleCheck.notes(boxes: twenty, photoWidth: 1000, photoHeight: 800, detectorInput: 512, tiles: 2).isEmpty)
        // 40-px flies (20 px at the input) are within the trained sizes but small enough that
        // tiles would help: a suggestion on one pass, none once tiled (37 px).
        let forty = (0..<5).map { _ in flyBox(40) }
        #expect(ScaleCheck.notes(boxes: forty, photoWidth: 1000, photoHeight: 800, detectorInput: 512, tiles: 1).first?.contains("--tiles auto") == true)
        #expect(ScaleCheck.notes(boxes: forty, photoWidth: 1000, photoHeight: 800, detectorInput: 512, tiles: 2).isEmpty)
    }
}

private func flyBox(_ side: Double) -> BoundingBox { BoundingBox(x: 0, y: 0, width: side, height: side / 2) }
