import Foundation
import ImageIO
import ImageProcessing
import Testing

/// Black-box tests of the `flytally` executable: exit statuses, messages and outputs.
@Suite struct CLITests {
    @Test func helpExplainsTheToolAndListsWorkingSubcommands() throws {
        let result = try FlyTallyBinary.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Count Drosophila phenotypes in photos."))
        #expect(result.stdout.contains("inspect"))
        #expect(result.stdout.contains("Exit status: 0 success, 1 usage or input error"))
        #expect(try FlyTallyBinary.run([]).status == 0)   // no subcommand: help, success
    }

    @Test func versionPrintsOneLine() throws {
        let result = try FlyTallyBinary.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }

    @Test func usageErrorsExitWithOne() throws {
        for arguments in [["inspect"], ["inspect", "--quality", "0", "x.jpg"], ["inspect", "--bogus", "x.jpg"],
                          ["inspect", "--max-megapixels", "-3", "x.jpg"], ["frobnicate"],
                          ["inspect", "--resize", "12by7", "--out", "/tmp/o", "x.jpg"],
                          ["inspect", "--annotate", "x.jpg"]] {
            let result = try FlyTallyBinary.run(arguments)
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("flytally: "), "\(arguments): \(result.stderr)")
        }
    }

    @Test func inspectDescribesAnOrientedJPEG() throws {
        let path = FlyTallyBinary.fixture("orientation-6.jpg")
        let result = try FlyTallyBinary.run(["inspect", path])
        #expect(result.status == 0, "\(result.stderr)")
        let line = result.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(line.hasPrefix("\(path): JPEG baseline, 16x32 (stored 32x16, EXIF orientation 6 (rotated 90° clockwise)), 767 B, decoded in "))
        #expect(line.hasSuffix(" ms"))
    }

    @Test func inspectJSONRecords() throws {
        let good = FlyTallyBinary.fixture("rgb16.png"), bad = FlyTallyBinary.fixture("truncated.png")
        let result = try FlyTallyBinary.run(["inspect", "--json", good, bad])
        #expect(result.status == 1)   // one file skipped
        let records = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        #expect(records?.count == 2)
        let first = records?.first { $0["path"] as? String == good }
        #expect(first?["width"] as? Int == 13 && first?["height"] as? Int == 7)
        #expect(first?["format"] as? String == "png" && first?["encoding"] as? String == "16-bit RGB")
        #expect(first?["decode_ms"] is Double)
        let second = records?.first { $0["path"] as? String == bad }
        #expect(second?["error"] as? String == "truncated PNG (file ends before the image data does)")
    }

    @Test func batchSkipsBadFilesReportsThemAndFinishesTheRest() throws {
        let names = ["empty.jpg", "not-an-image.jpg", "truncated.jpg", "corrupt-crc.png", "zero-width.png",
                     "huge-header.jpg", "rgb8.png", "gray.jpg"]
        let result = try FlyTallyBinary.run(["inspect"] + names.map(FlyTallyBinary.fixture) + ["/nonexistent/photo.jpg"])
        #expect(result.status == 1)
        #expect(result.stdout.contains(FlyTallyBinary.fixture("rgb8.png") + ": PNG 8-bit RGB, 13x7"))
        #expect(result.stdout.contains(FlyTallyBinary.fixture("gray.jpg") + ": JPEG baseline, 32x16"))
        #expect(result.stderr.contains("Skipped 7 of 9 files:"))
        for (name, problem) in [("empty.jpg", "empty file (0 bytes)"),
                                ("not-an-image.jpg", "not a JPEG or PNG image"),
                                ("truncated.jpg", "truncated JPEG"), ("corrupt-crc.png", "corrupt PNG"),
                                ("zero-width.png", "image has no pixels (0x7)"),
                                ("huge-header.jpg", "image is 60000x60000 = 3600 MP, above the limit of 100 MP")] {
            #expect(result.stderr.contains("  " + FlyTallyBinary.fixture(name) + ": " + problem), "\(name)")
        }
        #expect(result.stderr.contains("  /nonexistent/photo.jpg: no such file"))
    }

    @Test func pixelLimitOption() throws {
        let path = FlyTallyBinary.fixture("quadrants.jpg")
        let refused = try FlyTallyBinary.run(["inspect", "--max-megapixels", "0.0001", path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("\(path): image is 32x16 = 0.000512 MP, above the limit of 0.0001 MP"))
    }

    @Test func directoryWithoutImages() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-empty-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try FlyTallyBinary.run(["inspect", directory])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(directory): directory contains no .jpg, .jpeg or .png files"))
    }

    @Test func writesResizedAndAnnotatedCopies() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-out-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try FlyTallyBinary.run(["inspect", "--out", directory + "/nested", "--max-side", "16", "--annotate",
                                             "--format", "png", FlyTallyBinary.fixture("orientation-6.jpg"),
                                             FlyTallyBinary.fixture("rgb8.png")])
        #expect(result.status == 0, "\(result.stderr)")
        let copy = try ImageDecoder.decode(fileAt: directory + "/nested/orientation-6.png")
        #expect(copy.image.width == 8 && copy.image.height == 16)   // upright, longer side 16
        let plain = try ImageDecoder.decode(fileAt: FlyTallyBinary.fixture("orientation-6.jpg")).image.resized(maxSide: 16)
        #expect(copy.image != plain, "annotation should have drawn on the copy")
        #expect(FileManager.default.fileExists(atPath: directory + "/nested/rgb8.png"))
        #expect(result.stdout.contains("wrote \(directory)/nested/orientation-6.png"))
    }

    @Test func copiesNeverOverwriteTheirInput() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-same-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let input = directory + "/photo.png"
        try FileManager.default.copyItem(atPath: FlyTallyBinary.fixture("rgb8.png"), toPath: input)
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        let result = try FlyTallyBinary.run(["inspect", "--out", directory, "--max-side", "4", input])
        #expect(result.status == 1)
        #expect(result.stderr.contains("refusing to overwrite the input image"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
    }
}

@Suite struct DatasetCommandTests {
    @Test func statsOfACOCOFileWithABadRecord() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-ds-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/images", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(FileManager.default.createFile(atPath: directory + "/images/a.jpg", contents: Data([1])))
        let json = """
        {"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 80}],
         "categories": [{"id": 1, "name": "fly"}],
         "annotations": [
           {"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 10], "attributes": {"eye": "white", "sex": "male"}},
           {"id": 2, "image_id": 1, "category_id": 1, "bbox": [50, 50, 20, 10], "attributes": {"eye": "red", "wing": "miniature"}},
           {"id": 3, "image_id": 1, "category_id": 1, "bbox": [95, 75, 20, 10]}]}
        """
        try json.write(toFile: directory + "/annotations.json", atomically: true, encoding: .utf8)
        let result = try FlyTallyBinary.run(["dataset", "stats", directory])
        #expect(result.status == 1, "one record was skipped")
        #expect(result.stdout.contains("1 photos, 2 flies"))
        #expect(result.stdout.contains("eye:  red 1 (50.0%)  white 1 (50.0%)"))
        #expect(result.stderr.contains("annotation 3: box [95.0, 75.0, 20.0, 10.0] lies outside the 100x80 image"))
        let plot = try ImageDecoder.decode(fileAt: directory + "/stats/box-centres.png")
        #expect(plot.image.width > 100)
        #expect(FileManager.default.fileExists(atPath: directory + "/stats/box-sizes.png"))
        let missing = try FlyTallyBinary.run(["dataset", "stats", directory + "/nope"])
        #expect(missing.status == 1 && missing.stderr.contains("no such file or directory"))
    }
}

@Suite struct SimulateCommandTests {
    @Test func writesPhotosLabelsAndCrops() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-sim-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try FlyTallyBinary.run(["simulate", "--photos", "2", "--flies", "3...5", "--megapixels", "0.5",
                                             "--domain", "petri-dish", "--seed", "4", "--crops", "--out", directory],
                                            timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try Data(contentsOf: URL(fileURLWithPath: directory + "/annotations.json"))
        let root = try JSONSerialization.jsonObject(with: json) as? [String: Any]
        let images = root?["images"] as? [[String: Any]] ?? []
        let annotations = root?["annotations"] as? [[String: Any]] ?? []
        #expect(images.count == 2 && (6...10).contains(annotations.count))
        #expect(Set(annotations.compactMap { $0["id"] as? Int }).count == annotations.count, "annotation ids are unique")
        for image in images {
            let name = image["file_name"] as? String ?? ""
            let decoded = try ImageDecoder.decode(fileAt: directory + "/images/" + name)
            #expect(decoded.image.width == image["width"] as? Int)
        }
        let csv = try String(contentsOfFile: directory + "/crops/crops.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == annotations.count + 1)
        // Same seed, same photos.
        let again = directory + "/again"
        _ = try FlyTallyBinary.run(["simulate", "--photos", "1", "--flies", "3...5", "--megapixels", "0.5",
                                    "--domain", "petri-dish", "--seed", "4", "--out", again, "--quiet"], timeout: 120)
        let first = images.first?["file_name"] as? String ?? ""
        #expect(try Data(contentsOf: URL(fileURLWithPath: again + "/images/" + first))
                == Data(contentsOf: URL(fileURLWithPath: directory + "/images/" + first)))
    }

    /// `--domain varied` (domain randomisation) is accepted; its photos differ in look.
    @Test func variedDomain() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-sim-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try FlyTallyBinary.run(["simulate", "--photos", "3", "--flies", "3", "--megapixels", "0.5",
                                             "--domain", "varied", "--seed", "11", "--out", directory, "--quiet"], timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        let images = try FileManager.default.contentsOfDirectory(atPath: directory + "/images").sorted()
        #expect(images.count == 3)
        let means = try images.map { name -> Double in
            let px = try ImageDecoder.decode(fileAt: directory + "/images/" + name).image.pixels
            return Double(px.reduce(0) { $0 + Int($1) }) / Double(px.count)
        }
        #expect((means.max() ?? 0) - (means.min() ?? 0) > 5, "\(means)")
        let refused = try FlyTallyBinary.run(["simulate", "--out", "/tmp/x", "--domain", "moon"])
        #expect(refused.stderr.contains("varied"), "the message lists 'varied' among the choices")
    }

    /// `--fly-length` sets the females' head-to-tail length in pixels (close-up photos); an
    /// out-of-range value is refused with a message naming the option.
    @Test func flyLengthSetsTheMagnification() throws {
        func femaleLengths(_ length: String) throws -> [Double] {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-sim-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let result = try FlyTallyBinary.run(["simulate", "--photos", "1", "--flies", "4", "--megapixels", "1", "--poses", "1,0,0",
                                                 "--fly-length", length, "--seed", "21", "--out", directory, "--quiet"], timeout: 120)
            #expect(result.status == 0, "\(result.stderr)")
            let json = try Data(contentsOf: URL(fileURLWithPath: directory + "/annotations.json"))
            let annotations = (try JSONSerialization.jsonObject(with: json) as? [String: Any])?["annotations"] as? [[String: Any]] ?? []
            return annotations.compactMap { a -> Double? in
                guard (a["attributes"] as? [String: Any])?["sex"] as? String == "female",
                      let k = (a["keypoints"] as? [Double]) ?? (a["keypoints"] as? [Int])?.map(Double.init), k.count >= 6 else { return nil }
                return ((k[0] - k[3]) * (k[0] - k[3]) + (k[1] - k[4]) * (k[1] - k[4])).squareRoot()
            }
        }
        let long = try femaleLengths("320")
        let short = try femaleLengths("80")
        #expect(!long.isEmpty && !short.isEmpty, "the seed gives females in both photos")
        #expect(long.allSatisfy { (250...380).contains($0) }, "\(long)")
        #expect(short.allSatisfy { (60...95).contains($0) }, "\(short)")
        let refused = try FlyTallyBinary.run(["simulate", "--out", "/tmp/x", "--fly-length", "5"])
        #expect(refused.status == 1 && refused.stderr.contains("--fly-length"), "\(refused.stderr)")
    }

    /// `--touching 1` drops every fly against another: the flies' nearest neighbours come much
    /// closer than with `--touching 0` (same seed, same fly count).
    @Test func touchingMakesPilesOfFlies() throws {
        func meanNearestNeighbour(_ touching: String) throws -> Double {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-sim-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let result = try FlyTallyBinary.run(["simulate", "--photos", "2", "--flies", "12", "--megapixels", "0.5", "--touching", touching,
                                                 "--seed", "21", "--out", directory, "--quiet"], timeout: 120)
            #expect(result.status == 0, "\(result.stderr)")
            let coco = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/annotations.json"))) as! [String: Any]
            var centres: [Int: [(Double, Double, Double)]] = [:]   // image → (x, y, side)
            for a in coco["annotations"] as! [[String: Any]] {
                let b = a["bbox"] as! [Double]
                centres[a["image_id"] as! Int, default: []].append((b[0] + b[2] / 2, b[1] + b[3] / 2, max(b[2], b[3])))
            }
            var ratios: [Double] = []
            for flies in centres.values {
                for (i, f) in flies.enumerated() {
                    let nearest = flies.enumerated().filter { $0.offset != i }.map { ((f.0 - $0.element.0) * (f.0 - $0.element.0) + (f.1 - $0.element.1) * (f.1 - $0.element.1)).squareRoot() }.min()!
                    ratios.append(nearest / f.2)
                }
            }
            return ratios.reduce(0, +) / Double(ratios.count)
        }
        let apart = try meanNearestNeighbour("0"), piled = try meanNearestNeighbour("1")
        #expect(piled < 0.6 * apart, "nearest neighbour in fly lengths: touching 1 → \(piled), touching 0 → \(apart)")
        let refused = try FlyTallyBinary.run(["simulate", "--out", "/tmp/x", "--touching", "1.5"])
        #expect(refused.status == 1 && refused.stderr.contains("--touching must be within 0…1"), "\(refused.stderr)")
    }

    /// `--poses` sets how often each pose is drawn: all-dorsal flies come out dorsal, and the
    /// default mix is mostly lateral.
    @Test func posesChooseHowFliesLie() throws {
        func poseCounts(_ extra: [String]) throws -> [String: Int] {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-sim-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let result = try FlyTallyBinary.run(["simulate", "--photos", "2", "--flies", "15", "--megapixels", "0.5",
                                                 "--seed", "31", "--out", directory, "--quiet"] + extra, timeout: 120)
            #expect(result.status == 0, "\(result.stderr)")
            let coco = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/annotations.json"))) as! [String: Any]
            var counts: [String: Int] = [:]
            for a in coco["annotations"] as! [[String: Any]] {
                counts[(a["attributes"] as! [String: Any])["pose"] as! String, default: 0] += 1
            }
            return counts
        }
        let dorsal = try poseCounts(["--poses", "0,1,0"])
        #expect(dorsal.keys.sorted() == ["dorsal"], "\(dorsal)")
        let usual = try poseCounts([])
        #expect((usual["lateral"] ?? 0) > (usual["dorsal"] ?? 0) + (usual["ventral"] ?? 0), "\(usual)")
        for bad in ["1,2", "0,0,0", "1,-1,1", "a,b,c"] {
            let refused = try FlyTallyBinary.run(["simulate", "--out", "/tmp/x", "--poses", bad])
            #expect(refused.status == 1 && refused.stderr.contains("--poses must be three non-negative numbers"), "\(bad): \(refused.stderr)")
        }
    }

    @Test func refusesBadOptions() throws {
        for arguments in [["simulate", "--out", "/tmp/x", "--domain", "moon"], ["simulate", "--out", "/tmp/x", "--flies", "0...3"],
                          ["simulate", "--out", "/tmp/x", "--megapixels", "40"], ["simulate"]] {
            let result = try FlyTallyBinary.run(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.hasPrefix("flytally: "))
        }
    }
}
