import Detector
import Foundation
import ImageIO
import Tensors
import Testing
import Traits

/// Black-box tests of `flytally count` with small untrained models (the pipeline, outputs and
/// error handling are what is tested here; model quality is measured in docs/RESULTS.md).
@Suite struct CountCLITests {
    /// A directory with a tiny detector and classifier and two small photos.
    static func workspace() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-countcli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/photos", withIntermediateDirectories: true)
        let detector = FlyDetector(FlyDetectorConfiguration(variant: .small, widthMultiplier: 0.25, inputSize: 128, neckChannels: 8), seed: 1)
        // Threshold just above 0 so the untrained detector reports flies and every stage runs.
        try DetectorModelFile.save(detector, threshold: 0.001, to: dir + "/detector.safetensors")
        let classifier = TraitClassifier(TraitClassifierConfiguration(variant: .small, widthMultiplier: 0.25, inputSize: 32))
        try TraitModelFile.save(classifier, to: dir + "/traits.safetensors")
        for (i, colour) in [RGB(40, 80, 160), RGB(200, 190, 170)].enumerated() {
            var image = RGBImage(width: 160, height: 120, fill: colour)
            image.fillRectangle(x: 50, y: 40, width: 30, height: 14, color: RGB(120, 60, 30))
            try ImageEncoder.write(image, to: dir + "/photos/p\(i).jpg")
        }
        return dir
    }

    @Test func countWritesEveryOutputAndSkipsBadPhotos() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("not a jpeg".utf8).write(to: URL(fileURLWithPath: dir + "/photos/bad.jpg"))
        let result = try FlyTallyBinary.run(["count", dir + "/photos", "--out", dir + "/out", "--detector", dir + "/detector.safetensors",
                                             "--model", dir + "/traits.safetensors", "--cross", "dihybrid", "--timings"], timeout: 120)
        #expect(result.status == 1, "one photo was bad: \(result.stderr)")
        #expect(result.stderr.contains("bad.jpg") && result.stderr.contains("decode"))
        for name in ["flies.json", "flies.csv", "summary.csv", "photos.json", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/out/" + name), "\(name) missing")
        }
        let records = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/flies.json"))) as! [[String: Any]]
        #expect(!records.isEmpty)
        let photos = Set(records.compactMap { $0["photo"] as? String })
        #expect(photos.isSubset(of: [dir + "/photos/p0.jpg", dir + "/photos/p1.jpg"]))
        let annotated = try FileManager.default.contentsOfDirectory(atPath: dir + "/out/annotated")
        #expect(annotated.count == 2)
        #expect(result.stdout.contains("report: "))
        let summary = try String(contentsOfFile: dir + "/out/summary.csv", encoding: .utf8)
        #expect(summary.split(separator: "\n").last!.hasPrefix("TOTAL,"))

        // Corrections: remove fly 1 of p0 without running the models again.
        let firstPhoto = records.first!["photo"] as! String
        try Data("photo,fly,remove\n\(firstPhoto),1,yes\n\(firstPhoto),999,yes\n".utf8).write(to: URL(fileURLWithPath: dir + "/fix.csv"))
        let review = try FlyTallyBinary.run(["count", "--review", dir + "/fix.csv", "--out", dir + "/out", "--cross", "dihybrid"])
        #expect(review.status == 1, "fly 999 does not exist: \(review.stderr)")
        #expect(review.stderr.contains("fix.csv: line 3"))
        let after = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/flies.json"))) as! [[String: Any]]
        #expect(after.count == records.count - 1)
    }

    /// `--ensemble`: each fly's trait probabilities are the mean of the two classifiers' own.
    @Test func ensembleAveragesTheClassifiersProbabilities() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let other = TraitClassifier(TraitClassifierConfiguration(variant: .small, widthMultiplier: 0.25, inputSize: 32), seed: 7)
        // Untrained heads give ≈ 0.5 everywhere; a bias makes the two classifiers disagree.
        other.traitHead.bias!.value = Tensor(shape: [3], scalars: [1.5, -1, 0.5])
        try TraitModelFile.save(other, to: dir + "/other.safetensors")
        func probabilities(_ extra: [String], _ out: String) throws -> [[Double]] {
            let result = try FlyTallyBinary.run(["count", dir + "/photos", "--out", dir + "/" + out, "--detector", dir + "/detector.safetensors",
                                                 "--cross", "dihybrid", "--quiet"] + extra, timeout: 120)
            #expect(result.status == 0, "\(result.stderr)")
            let records = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/" + out + "/flies.json"))) as! [[String: Any]]
            return records.map { r in ["p_white", "p_miniature", "p_male"].map { (r[$0] as! NSNumber).doubleValue } }
        }
        let a = try probabilities(["--model", dir + "/traits.safetensors"], "a")
        let b = try probabilities(["--model", dir + "/other.safetensors"], "b")
        let both = try probabilities(["--model", dir + "/traits.safetensors", "--ensemble", dir + "/other.safetensors"], "both")
        #expect(!a.isEmpty && a.count == b.count && a.count == both.count)
        #expect(zip(a, b).contains { zip($0, $1).contains { abs($0 - $1) > 1e-3 } }, "the two classifiers must differ for the test to mean anything")
        for ((x, y), m) in zip(zip(a, b), both) {
            for t in 0..<3 { #expect(abs(m[t] - (x[t] + y[t]) / 2) < 1e-5) }
        }
        let missing = try FlyTallyBinary.run(["count", dir + "/photos", "--out", dir + "/c", "--detector", dir + "/detector.safetensors",
                                              "--ensemble", dir + "/nope.safetensors"])
        #expect(missing.status == 1 && missing.stderr.contains("nope.safetensors"), "\(missing.stderr)")
    }

    /// Crop copies — 4 (the default), `--crop-views 2` (the mirror image) and `--no-mirror` (one):
    /// the same flies (detection is untouched), other trait probabilities (the
    /// bundled classifier — an untrained one answers ≈ 0.5 whatever the crop — is not
    /// mirror-symmetric, so averaging in the mirrored crops moves them; the averaging itself is
    /// checked in EnsembleAveragingTests), and the report says so.
    @Test func mirrorReachesTheClassifierOnly() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The untrained detector's boxes are points, whose crops are one flat colour, the same
        // mirrored: a size bias gives them 4 cells (32 px) a side, and noise photos give the
        // crops something to mirror.
        let detector = FlyDetector(FlyDetectorConfiguration(variant: .small, widthMultiplier: 0.25, inputSize: 128, neckChannels: 8), seed: 1)
        let sizes = try #require(detector.stateEntries().first { $0.name == "box.2.bias" })
        sizes.set(Tensor(shape: [4], scalars: [4, 4, 0.5, 0.5]))
        try DetectorModelFile.save(detector, threshold: 0.001, to: dir + "/detector.safetensors")
        var rng = RandomSource(seed: 6)
        for i in 0..<2 {
            var image = RGBImage(width: 160, height: 120)
            for k in image.pixels.indices { image.pixels[k] = UInt8.random(in: 0...255, using: &rng) }
            try ImageEncoder.write(image, to: dir + "/photos/p\(i).jpg")
        }
        func run(_ extra: [String], _ out: String) throws -> (records: [[String: Any]], report: String) {
            let result = try FlyTallyBinary.run(["count", dir + "/photos", "--out", dir + "/" + out, "--detector", dir + "/detector.safetensors",
                                                 "--cross", "dihybrid"] + extra, timeout: 120)
            #expect(result.status == 0, "\(result.stderr)")
            let records = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/" + out + "/flies.json"))) as! [[String: Any]]
            return (records, try String(contentsOfFile: dir + "/" + out + "/report.html", encoding: .utf8))
        }
        let plain = try run(["--no-mirror"], "plain"), mirrored = try run(["--crop-views", "2"], "mirrored")
        func boxes(_ r: [[String: Any]]) -> [String] { r.map { "\($0["photo"]!) \($0["box"]!)" } }
        func probabilities(_ r: [[String: Any]]) -> [[Double]] { r.map { r in ["p_white", "p_miniature", "p_male"].map { (r[$0] as! NSNumber).doubleValue } } }
        #expect(!plain.records.isEmpty && boxes(plain.records) == boxes(mirrored.records))
        #expect(zip(probabilities(plain.records), probabilities(mirrored.records)).contains { zip($0, $1).contains { abs($0 - $1) > 1e-6 } })
        #expect(mirrored.report.contains("crops mirrored too") && !plain.report.contains("crops mirrored too"))
        // Four copies, the default: the same boxes, other probabilities, and the report names them.
        let flipped = try run([], "flipped")
        #expect(boxes(flipped.records) == boxes(mirrored.records))
        #expect(zip(probabilities(flipped.records), probabilities(mirrored.records)).contains { zip($0, $1).contains { abs($0 - $1) > 1e-6 } })
        #expect(flipped.report.contains("flipped top to bottom too (4 copies)"))
        // --no-mirror with more than one copy contradicts itself; a count of copies not offered is refused.
        for bad in [["--no-mirror", "--crop-views", "4"], ["--mirror", "--crop-views", "1"], ["--crop-views", "3"]] {
            let refused = try FlyTallyBinary.run(["count", dir + "/photos", "--out", dir + "/refused", "--detector", dir + "/detector.safetensors"] + bad)
            #expect(refused.status != 0 && refused.stderr.contains("--crop-views"), "\(refused.stderr)")
        }
    }

    /// `--views`: every setting runs the whole pipeline; one view and eight differ (the untrained
    /// detector is not symmetric), so the option reaches the detector.
    @Test func detectorViewsReachTheDetector() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var boxes: [String: [String]] = [:]
        for views in ["1", "2", "8"] {
            let result = try FlyTallyBinary.run(["count", dir + "/photos", "--out", dir + "/v" + views, "--detector", dir + "/detector.safetensors",
                                                 "--model", dir + "/traits.safetensors", "--cross", "dihybrid", "--quiet", "--views", views],
                                                timeout: 120)
            #expect(result.status == 0, "\(views) views: \(result.stderr)")
            let records = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/v\(views)/flies.json"))) as! [[String: Any]]
            boxes[views] = records.map { "\($0["photo"]!) \($0["box"]!) \($0["score"]!)" }
        }
        #expect(boxes["1"] != boxes["8"], "one view and eight gave the same flies")
    }

    static let realPhotos = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/real-aarongs/images").path

    /// A real close-up on fixed 3×3 tiles: its flies come out in pieces of ordinary size, so the
    /// size note must judge them from a whole-photo pass (with the bundled models); on
    /// `--tiles auto` the same photo gets no note.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: realPhotos + "/D100__1_02_02.jpg"),
                   "needs ../shared/data/real-aarongs (real labelled photos)"))
    func fixedTilesOnACloseUpGetTheSizeNote() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-tilenote-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func notes(_ tiles: String) throws -> [String] {
            let result = try FlyTallyBinary.run(["count", Self.realPhotos + "/D100__1_02_02.jpg", "--tiles", tiles, "--out", dir + "/" + tiles, "-q"],
                                                timeout: 120)
            #expect(result.status == 0, "\(result.stderr)")
            let photos = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/" + tiles + "/photos.json"))) as! [[String: Any]]
            return photos.first?["notes"] as? [String] ?? []
        }
        #expect(try notes("3").first?.contains("very large on 3×3 tiles") == true)
        #expect(try notes("auto").isEmpty)
    }

    /// A FlySim close-up (three females 600 px long in a 2-MP photo: flies ≈ 180 px at the
    /// detector's input): `--tiles 1` boxes them in pieces (six boxes for this seed), and the
    /// note names `--tiles auto`, which shrinks the photo and finds the three (bundled models).
    @Test func oneTileOnACloseUpNamesTheFix() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-closeup-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let simulated = try FlyTallyBinary.run(["simulate", "--photos", "1", "--flies", "3", "--megapixels", "2", "--fly-length", "600",
                                                "--touching", "0", "--seed", "32", "--out", dir + "/sim", "-q"], timeout: 120)
        #expect(simulated.status == 0, "\(simulated.stderr)")
        func count(_ tiles: String) throws -> (notes: [String], flies: Int) {
            let result = try FlyTallyBinary.run(["count", dir + "/sim/images", "--tiles", tiles, "--out", dir + "/" + tiles, "-q"], timeout: 120)
            #expect(result.status == 0, "\(result.stderr)")
            let photos = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/" + tiles + "/photos.json"))) as! [[String: Any]]
            return (photos.first?["notes"] as? [String] ?? [], photos.first?["flies"] as? Int ?? -1)
        }
        let one = try count("1"), auto = try count("auto")
        #expect(one.notes.contains { $0.contains("use --tiles auto") }, "\(one.notes)")
        #expect(!auto.notes.contains { $0.contains("too large") }, "\(auto.notes)")
        #expect(auto.flies == 3, "--tiles auto finds the three flies (found \(auto.flies))")
    }

    @Test func wrongModelsAndOptionsGiveOneLineMessages() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A classifier given as the detector.
        let swapped = try FlyTallyBinary.run(["count", dir + "/photos", "--out", dir + "/out", "--detector", dir + "/traits.safetensors",
                                              "--model", dir + "/traits.safetensors"])
        #expect(swapped.status == 1)
        #expect(swapped.stderr.contains("traits.safetensors: not a FlyTally fly detector"))
        let badCross = try FlyTallyBinary.run(["count", dir + "/photos", "--out", dir + "/out", "--cross", "no-such-cross"])
        #expect(badCross.status == 1 && badCross.stderr.contains("no-such-cross"))
        for arguments in [["count"], ["count", "x.jpg", "--review-bounds", "0.7,0.9"], ["count", "x.jpg", "--tiles", "0"],
                          ["count", "x.jpg", "--tiles", "9"], ["count", "x.jpg", "--tiles", "automatic"],
                          ["count", "x.jpg", "--review", "c.csv"], ["count", "x.jpg", "--views", "3"],
                          ["eval", "--detector", "--model", "m", "--data", "d", "--views", "0"],
                          ["bench", "detector", "x.jpg", "--views", "2", "--network-only"]] {
            let r = try FlyTallyBinary.run(arguments)
            #expect(r.status == 1, "\(arguments)")
            #expect(r.stderr.split(separator: "\n").first?.hasPrefix("flytally: ") == true || r.stderr.contains("Error:"), "\(arguments): \(r.stderr)")
        }
        let badTiles = try FlyTallyBinary.run(["count", "x.jpg", "--tiles", "9"])
        #expect(badTiles.status == 1 && badTiles.stderr.contains("--tiles must be a grid size 1…8, 'auto' or 'auto-zoom' (got '9')"))
        let badViews = try FlyTallyBinary.run(["count", "x.jpg", "--views", "3"])
        #expect(badViews.status == 1 && badViews.stderr.contains("--views must be 1, 2, 4 or 8 (got '3')"), "\(badViews.stderr)")
        let badMerge = try FlyTallyBinary.run(["count", "x.jpg", "--tile-merge", "all"])
        #expect(badMerge.status == 1 && badMerge.stderr.contains("--tile-merge must be 'overlaps' or 'across-tiles' (got 'all')"), "\(badMerge.stderr)")
        let noFlies = try FlyTallyBinary.run(["count", "--review", dir + "/none.csv", "--out", dir + "/empty-out"])
        #expect(noFlies.status == 1 && noFlies.stderr.contains("flies.json"))
    }

    @Test func quantizeHalvesAModelAndKeepsItUsable() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try FlyTallyBinary.run(["quantize", dir + "/traits.safetensors", "--scheme", "fp16", "--out", dir + "/half.safetensors"])
        #expect(r.status == 0, "\(r.stderr)")
        let full = try FileManager.default.attributesOfItem(atPath: dir + "/traits.safetensors")[.size] as! Int
        let half = try FileManager.default.attributesOfItem(atPath: dir + "/half.safetensors")[.size] as! Int
        #expect(Double(half) < 0.56 * Double(full) && Double(half) > 0.45 * Double(full), "\(full) → \(half)")
        let original = try TraitModelFile.load(dir + "/traits.safetensors"), loaded = try TraitModelFile.load(dir + "/half.safetensors")
        let crop = RGBImage(width: 40, height: 40, fill: RGB(90, 100, 110))
        let a = TraitEvaluator.predict(original, crops: [crop])[0].probabilities, b = TraitEvaluator.predict(loaded, crops: [crop])[0].probabilities
        for (x, y) in zip(a, b) { #expect(abs(x - y) < 0.01, "fp16 storage changed a probability: \(a) vs \(b)") }
        let same = try FlyTallyBinary.run(["quantize", dir + "/traits.safetensors", "--scheme", "fp16", "--out", dir + "/traits.safetensors"])
        #expect(same.status == 1)
    }
}

@Suite struct ExplainAuditCLITests {
    @Test func explainAndAuditWriteTheirOutputs() throws {
        let dir = try CountCLITests.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Crops with crops.csv labels, as `simulate --crops` writes them.
        try FileManager.default.createDirectory(atPath: dir + "/crops", withIntermediateDirectories: true)
        var csv = "file,eye,wing,sex\n"
        for i in 0..<6 {
            var crop = RGBImage(width: 48, height: 48, fill: RGB(60, 90, UInt8(120 + 10 * i)))
            crop.fillRectangle(x: 10, y: 18, width: 28, height: 12, color: RGB(140, 70, 40))
            try ImageEncoder.write(crop, to: dir + "/crops/c\(i).png")
            csv += "c\(i).png,\(i % 2 == 0 ? "red" : "white"),long,\(i < 3 ? "female" : "male")\n"
        }
        try Data(csv.utf8).write(to: URL(fileURLWithPath: dir + "/crops/crops.csv"))
        let explain = try FlyTallyBinary.run(["explain", dir + "/traits.safetensors", dir + "/crops/c0.png", dir + "/crops/c1.png",
                                              "--out", dir + "/explain"])
        #expect(explain.status == 0, "\(explain.stderr)")
        let sheet = try ImageDecoder.decode(fileAt: dir + "/explain/c0-explain.png").image
        #expect(sheet.width == 4 * 160 + 6 && sheet.height == 160)
        let audit = try FlyTallyBinary.run(["audit", dir + "/crops", "--models", dir + "/traits.safetensors", "--out", dir + "/audit"])
        #expect(audit.status == 0, "\(audit.stderr)")
        let rows = try String(contentsOfFile: dir + "/audit/audit.csv", encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 7 && rows[0].hasPrefix("rank,source"))
        #expect(FileManager.default.fileExists(atPath: dir + "/audit/suspects.png"))
        // Pseudo-labels at a confidence an untrained teacher (probabilities near 0.5) cannot reach: nothing kept.
        let pseudo = try FlyTallyBinary.run(["pseudo-label", dir + "/crops", "--teacher", dir + "/traits.safetensors", "--confidence", "0.999",
                                             "--out", dir + "/pseudo"])
        #expect(pseudo.status == 0, "\(pseudo.stderr)")
        #expect(pseudo.stdout.hasPrefix("0 of 6 crops pseudo-labelled"))
        let wrong = try FlyTallyBinary.run(["explain", dir + "/detector.safetensors", dir + "/crops/c0.png", "--out", dir + "/x"])
        #expect(wrong.status == 1 && wrong.stderr.contains("not a FlyTally trait classifier"))
    }
}
