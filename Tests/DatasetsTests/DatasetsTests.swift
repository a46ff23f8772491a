import Foundation
import ImageIO
import ImageProcessing
import Testing
@testable import Datasets

func temporaryDirectory(_ tag: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-\(tag)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

let sampleImages: [AnnotatedImage] = [
    AnnotatedImage(id: 1, fileName: "a.jpg", width: 640, height: 480, flies: [
        FlyAnnotation(id: 10, box: BoundingBox(x: 10.5, y: 20, width: 60, height: 30),
                      orientedBox: OrientedBox(center: Point2D(40.5, 35), length: 58, width: 22, angleDegrees: 12.5),
                      keypoints: FlyKeypoints(head: Point2D(68, 30), tail: Point2D(14, 40), wing1: Point2D(12, 25), wing2: Point2D(15, 45)),
                      traits: FlyTraits(eye: .white, wing: .miniature, sex: .male), pose: .lateral, visibleFraction: 0.9),
        FlyAnnotation(id: 11, box: BoundingBox(x: 300, y: 200, width: 50, height: 50), traits: FlyTraits(eye: .red)),
    ]),
    AnnotatedImage(id: 2, fileName: "b.png", width: 100, height: 80),
]

@Suite struct COCOTests {
    @Test func roundTrip() throws {
        let data = try COCOFormat.encode(sampleImages)
        let back = COCOFormat.decode(data, source: "mem")
        #expect(back.problems.isEmpty)
        #expect(back.images == sampleImages)
    }

    @Test func malformedRecordsAreReportedAndSkipped() {
        let json = """
        {"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100},
                    {"id": 1, "file_name": "dup.jpg", "width": 100, "height": 100},
                    {"id": 2, "file_name": "z.jpg", "width": 0, "height": 10}],
         "categories": [{"id": 1, "name": "fly"}],
         "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20]},
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20]},
            {"id": 2, "image_id": 9, "category_id": 1, "bbox": [10, 10, 20, 20]},
            {"id": 3, "image_id": 1, "category_id": 7, "bbox": [10, 10, 20, 20]},
            {"id": 4, "image_id": 1, "category_id": 1, "bbox": [90, 90, 30, 30]},
            {"id": 5, "image_id": 1, "category_id": 1, "bbox": [1, 2]},
            {"id": 6, "image_id": 1, "category_id": 1, "bbox": [5, 5, 10, 10], "attributes": {"eye": "unknown", "sex": "male"}}
         ]}
        """
        let result = COCOFormat.decode(Data(json.utf8), source: "bad.json")
        #expect(result.images.count == 1)
        #expect(result.images[0].flies.map(\.id) == [1, 6])
        #expect(result.images[0].flies[1].traits == FlyTraits(eye: nil, wing: nil, sex: .male))
        let messages = result.problems.map(\.description)
        #expect(messages.contains("bad.json: image 1: duplicate image id 1; the first is kept"))
        #expect(messages.contains("bad.json: image 2: size 0x10 is not positive"))
        #expect(messages.contains("bad.json: annotation 1: duplicate annotation id 1; the first is kept"))
        #expect(messages.contains { $0.hasPrefix("bad.json: annotation 2: image_id 9 names no usable image") })
        #expect(messages.contains("bad.json: annotation 3: unknown category_id 7"))
        #expect(messages.contains("bad.json: annotation 4: box [90.0, 90.0, 30.0, 30.0] lies outside the 100x100 image"))
        #expect(messages.contains("bad.json: annotation 5: bbox must be [x, y, width, height]"))
        #expect(result.problems.count == 7)
    }

    @Test func malformedJSONAndMissingImages() throws {
        let broken = COCOFormat.decode(Data("{\"images\": [".utf8), source: "broken.json")
        #expect(broken.images.isEmpty && broken.problems.count == 1)
        #expect(broken.problems[0].description.hasPrefix("broken.json: malformed JSON"))
        let directory = try temporaryDirectory("coco")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(FileManager.default.createFile(atPath: directory + "/a.jpg", contents: Data([1])))
        let result = COCOFormat.decode(try COCOFormat.encode(sampleImages), source: "s.json", imageDirectory: directory)
        #expect(result.images.map(\.fileName) == ["a.jpg"])
        #expect(result.problems.map(\.description) == ["s.json: image 2: image file b.png not found in \(directory)"])
    }

    static let realDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/real-aarongs").path

    @Test(.enabled(if: FileManager.default.fileExists(atPath: realDirectory + "/annotations.json"),
                   "needs ../shared/data/real-aarongs (real labelled photos)"))
    func readsTheRealAnnotationFile() {
        let result = COCOFormat.read(path: Self.realDirectory + "/annotations.json", imageDirectory: Self.realDirectory + "/images")
        #expect(result.problems.isEmpty, "\(result.problems)")
        #expect(result.images.count == 31 && result.flyCount == 155)
        let flies = result.images.flatMap(\.flies)
        // Counts from the data set's README.
        #expect(flies.filter { $0.traits.eye == .red }.count == 75)
        #expect(flies.filter { $0.traits.eye == .white }.count == 80)
        #expect(flies.filter { $0.traits.sex == .male }.count == 80 && flies.filter { $0.traits.sex == nil }.count == 18)
        #expect(flies.allSatisfy { $0.traits.wing == .long })
        #expect(flies.filter { $0.pose == .lateral }.count == 125)
    }
}

@Suite struct HiddenKeypointTests {
    /// A fly whose tail and second wing tip are hidden (FlySim: outside the photo or under another fly).
    static let partlyHidden = FlyAnnotation(
        id: 7, box: BoundingBox(x: 10, y: 20, width: 60, height: 30),
        keypoints: FlyKeypoints(head: Point2D(68, 30), tail: Point2D(14, 40), wing1: Point2D(12, 25), wing2: Point2D(15, 45),
                                visible: [true, false, true, false]),
        traits: FlyTraits(eye: .red, wing: .long, sex: .female))

    @Test func cocoWritesFlagOneForHiddenPointsAndReadsItBack() throws {
        let images = [AnnotatedImage(id: 1, fileName: "a.jpg", width: 100, height: 80, flies: [Self.partlyHidden])]
        let data = try COCOFormat.encode(images)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let annotation = try #require((json["annotations"] as? [[String: Any]])?.first)
        let flags = try #require(annotation["keypoints"] as? [Double]).enumerated().filter { $0.offset % 3 == 2 }.map(\.element)
        #expect(flags == [2, 1, 2, 1])
        let back = COCOFormat.decode(data, source: "mem")
        #expect(back.problems.isEmpty)
        #expect(back.images.first?.flies.first?.keypoints?.visible == [true, false, true, false])
        #expect(back.images.first?.flies.first?.keypoints?.hiddenNames == ["tail", "wing2"])
    }

    @Test func traitCSVHasAHiddenColumnOnlyWhenNeeded() {
        let visible = FlyAnnotation(id: 8, box: BoundingBox(x: 1, y: 1, width: 5, height: 5),
                                    keypoints: FlyKeypoints(head: Point2D(1, 1), tail: Point2D(5, 5), wing1: Point2D(2, 4), wing2: Point2D(3, 4)))
        let plain = TraitCSV.encode([TraitCSV.Row(file: "v.png", fly: visible)])
        #expect(!plain.split(separator: "\n")[0].contains("hidden"))
        let text = TraitCSV.encode([TraitCSV.Row(file: "h.png", fly: Self.partlyHidden), TraitCSV.Row(file: "v.png", fly: visible)])
        #expect(text.split(separator: "\n")[0].hasSuffix(",hidden"))
        #expect(text.split(separator: "\n")[1].hasSuffix(",tail wing2"))
        let parsed = TraitCSV.parse(text, source: "t.csv")
        #expect(parsed.problems.isEmpty)
        #expect(parsed.rows.map { $0.fly.keypoints?.visible } == [[true, false, true, false], [true, true, true, true]])
        let bad = TraitCSV.parse(text.replacingOccurrences(of: "tail wing2", with: "tail antenna"), source: "t.csv")
        #expect(bad.rows.map(\.file) == ["v.png"])
        #expect(bad.problems.map(\.description) == ["t.csv: row 2: hidden keypoint 'antenna' is not one of head, tail, wing1, wing2"])
    }

    @Test func cropsAndScalingKeepTheFlags() {
        let photo = RGBImage(width: 100, height: 80, fill: RGB(10, 20, 30))
        let (_, local) = FlyCropper.crop(photo, fly: Self.partlyHidden, margin: 0.25)
        #expect(local.keypoints?.visible == [true, false, true, false])
        #expect(local.keypoints?.head != Self.partlyHidden.keypoints?.head)
        let doubled = Self.partlyHidden.keypoints?.mapped { Point2D($0.x * 2, $0.y * 2) }
        #expect(doubled?.tail == Point2D(28, 80) && doubled?.visible == [true, false, true, false])
    }
}

@Suite struct VOCAndYOLOTests {
    @Test func vocFilesWithTraitNamesAndBadObjects() throws {
        let directory = try temporaryDirectory("voc")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = """
        <annotation><folder>x</folder><filename>p1.jpg</filename><size><width>200</width><height>100</height><depth>3</depth></size>
        <object><name>white-miniature-male</name><truncated>0</truncated><bndbox><xmin>10</xmin><ymin>20</ymin><xmax>50</xmax><ymax>40</ymax></bndbox></object>
        <object><name>fly</name><bndbox><xmin>150</xmin><ymin>20</ymin><xmax>260</xmax><ymax>40</ymax></bndbox></object>
        <object><name>red_female</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>zz</xmax><ymax>4</ymax></bndbox></object>
        </annotation>
        """
        try good.write(toFile: directory + "/p1.xml", atomically: true, encoding: .utf8)
        try "<annotation><filename>p2.jpg</filename>".write(toFile: directory + "/p2.xml", atomically: true, encoding: .utf8)
        let result = VOCFormat.readDirectory(directory)
        #expect(result.images.count == 1)
        #expect(result.images[0].flies.count == 1)
        #expect(result.images[0].flies[0].traits == FlyTraits(eye: .white, wing: .miniature, sex: .male))
        #expect(result.images[0].flies[0].box == BoundingBox(x: 10, y: 20, width: 40, height: 20))
        let messages = result.problems.map(\.description)
        #expect(messages.contains { $0.contains("p1.xml: object 2: box") && $0.contains("outside the 200x100 image") })
        #expect(messages.contains { $0.contains("p1.xml: object 3: missing or non-numeric <bndbox> coordinates") })
        #expect(messages.contains { $0.contains("p2.xml: malformed XML") }, "\(messages)")
    }

    @Test func yoloLabels() throws {
        let directory = try temporaryDirectory("yolo")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try ImageEncoder.write(RGBImage(width: 200, height: 100), to: directory + "/p1.png")
        try "fly\nred female\n".write(toFile: directory + "/classes.txt", atomically: true, encoding: .utf8)
        try "1 0.5 0.5 0.2 0.4\n0 0.1 0.1 0.1\n5 0.5 0.5 0.1 0.1\n".write(toFile: directory + "/p1.txt", atomically: true, encoding: .utf8)
        let result = YOLOFormat.read(labelDirectory: directory, imageDirectory: directory)
        #expect(result.images.count == 1)
        #expect(result.images[0].flies == [FlyAnnotation(id: 1, box: BoundingBox(x: 80, y: 30, width: 40, height: 40),
                                                         traits: FlyTraits(eye: .red, sex: .female))])
        #expect(result.problems.map(\.record) == ["line 2", "line 3"])
    }

    @Test func traitWordsParsing() {
        #expect(FlyTraits.parse(label: "White_Miniature_Male") == FlyTraits(eye: .white, wing: .miniature, sex: .male))
        #expect(FlyTraits.parse(label: "fly") == FlyTraits())
        #expect(FlyTraits.parse(label: "red white female") == FlyTraits(sex: .female))
    }
}

@Suite struct TraitCSVAndCropTests {
    @Test func csvRoundTripAndBadRows() {
        let rows = sampleImages[0].flies.map { TraitCSV.Row(file: "crop \"1\", a.png", fly: $0) }
        let parsed = TraitCSV.parse(TraitCSV.encode(rows), source: "t.csv")
        #expect(parsed.problems.isEmpty)
        #expect(parsed.rows.count == 2)
        #expect(parsed.rows[0].file == "crop \"1\", a.png")
        #expect(parsed.rows[0].fly.traits == rows[0].fly.traits && parsed.rows[0].fly.pose == .lateral)
        #expect(parsed.rows[0].fly.keypoints == rows[0].fly.keypoints)
        let bad = TraitCSV.parse("file,eye,sex\na.png,purple,male\nb.png,red\nc.png,white,female\n", source: "b.csv")
        #expect(bad.rows.map(\.file) == ["c.png"])
        #expect(bad.problems.map(\.description) == ["b.csv: row 2: eye 'purple' is not one of the known values",
                                                     "b.csv: row 3: 2 fields, header has 3"])
        #expect(TraitCSV.parse("eye,sex\n", source: "h.csv").problems.first?.message == "header has no 'file' column")
    }

    @Test func cropsAreSquareCentredAndMoveKeypoints() throws {
        var photo = RGBImage(width: 100, height: 60, fill: RGB(10, 20, 30))
        photo[50, 30] = .white
        let fly = FlyAnnotation(id: 3, box: BoundingBox(x: 40, y: 25, width: 20, height: 10),
                                keypoints: FlyKeypoints(head: Point2D(60, 30), tail: Point2D(40, 30),
                                                        wing1: Point2D(45, 26), wing2: Point2D(45, 34)))
        let (crop, local) = FlyCropper.crop(photo, fly: fly, margin: 0.25)
        // side = 20 · 1.5 = 30, centred on (50, 30): origin (35, 15).
        #expect(crop.width == 30 && crop.height == 30)
        #expect(crop[15, 15] == .white)
        #expect(local.box == BoundingBox(x: 5, y: 10, width: 20, height: 10))
        #expect(local.keypoints?.head == Point2D(25, 15))
        // A fly at the border: the part outside is filled.
        let edge = FlyCropper.crop(photo, fly: FlyAnnotation(id: 4, box: BoundingBox(x: 0, y: 0, width: 10, height: 10)), margin: 0.5)
        #expect(edge.image[0, 0] == RGB(128, 128, 128))
        let directory = try temporaryDirectory("crops")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var exporter = CropExporter(directory: directory)
        try exporter.add(photo: photo, annotation: AnnotatedImage(id: 1, fileName: "dir/p.jpg", width: 100, height: 60, flies: [fly]))
        try exporter.finish()
        #expect(FileManager.default.fileExists(atPath: directory + "/p_fly3.png"))
        let csv = TraitCSV.read(path: directory + "/crops.csv")
        #expect(csv.rows.count == 1 && csv.rows[0].file == "p_fly3.png")
    }
}
