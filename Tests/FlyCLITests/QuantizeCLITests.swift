import Foundation
import ImageIO
import Testing
import Traits

/// `flytally quantize` end to end with a tiny untrained classifier: every scheme writes a
/// file that `eval`, `count` and `explain` accept, `--compare` measures them all, and bad
/// requests get one-line messages.
@Suite struct QuantizeCLITests {
    /// The count workspace plus `crops/` with `count` labelled crops.
    static func workspace(crops count: Int = 12) throws -> String {
        let dir = try CountCLITests.workspace()
        try FileManager.default.createDirectory(atPath: dir + "/crops", withIntermediateDirectories: true)
        var csv = "file,eye,wing,sex\n"
        for i in 0..<count {
            var crop = RGBImage(width: 40, height: 40, fill: RGB(UInt8(50 + 7 * i), 90, UInt8(200 - 9 * i)))
            crop.fillRectangle(x: 6 + i % 5, y: 14, width: 24, height: 10, color: RGB(150, UInt8(40 + 5 * i), 40))
            try ImageEncoder.write(crop, to: dir + "/crops/c\(i).png")
            csv += "c\(i).png,\(i % 2 == 0 ? "red" : "white"),\(i % 3 == 0 ? "miniature" : "long"),\(i < count / 2 ? "female" : "male")\n"
        }
        try Data(csv.utf8).write(to: URL(fileURLWithPath: dir + "/crops/crops.csv"))
        return dir
    }

    static func size(_ path: String) throws -> Int { try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int }

    @Test(arguments: ["dynamic-int8", "static-int8", "int8-io"])
    func everyIntegerSchemeRunsThroughEvalCountAndExplain(scheme: String) throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/q.safetensors"
        let q = try FlyTallyBinary.run(["quantize", dir + "/traits.safetensors", "--scheme", scheme, "--calibration", dir + "/crops",
                                        "--method", "mse", "--out", out])
        #expect(q.status == 0, "\(q.stderr)")
        #expect(Double(try Self.size(out)) < 0.40 * Double(try Self.size(dir + "/traits.safetensors")))
        let model = try TraitModelFile.load(out)
        #expect(model.quantization?.scheme.rawValue == scheme)
        #expect(TraitPredictor(model).precision == scheme)
        // The quantised predictions follow the float model's on the same crops.
        let float = try TraitModelFile.load(dir + "/traits.safetensors")
        let crops = (0..<12).map { try! ImageDecoder.decode(fileAt: dir + "/crops/c\($0).png").image }
        for (a, b) in zip(TraitEvaluator.predict(float, crops: crops), TraitEvaluator.predict(model, crops: crops)) {
            for (x, y) in zip(a.probabilities, b.probabilities) { #expect(abs(x - y) < 0.1, "\(scheme): \(a.probabilities) vs \(b.probabilities)") }
        }
        let eval = try FlyTallyBinary.run(["eval", "--model", out, "--data", dir + "/crops"])
        #expect(eval.status == 0 && eval.stdout.contains("eye"), "\(eval.stderr)")
        let count = try FlyTallyBinary.run(["count", dir + "/photos", "--out", dir + "/out", "--detector", dir + "/detector.safetensors",
                                            "--model", out], timeout: 120)
        #expect(count.status == 0, "\(count.stderr)")
        let explain = try FlyTallyBinary.run(["explain", out, dir + "/crops/c0.png", "--out", dir + "/explain"])
        #expect(explain.status == 0, "\(explain.stderr)")
    }

    @Test func compareMeasuresEverySchemeAndNamesTheSmallestScore() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try FlyTallyBinary.run(["quantize", dir + "/traits.safetensors", "--compare", "--data", dir + "/crops",
                                        "--calibration", dir + "/crops", "--out-dir", dir + "/compare"], timeout: 300)
        #expect(r.status == 0, "\(r.stderr)")
        for scheme in ["fp32", "fp16", "dynamic-int8", "static-int8", "int8-io", "static-int8-a7", "static-int8-w6a7"] {
            #expect(r.stdout.contains("| \(scheme) |"), "row \(scheme) missing: \(r.stdout)")
            #expect(FileManager.default.fileExists(atPath: dir + "/compare/traits-\(scheme).safetensors"))
        }
        #expect(r.stdout.contains("| fp32 |") && r.stdout.contains("+0.000 |"), "L(fp32) is 0 by definition")
        #expect(r.stdout.contains("choice (smallest L): "))
    }

    @Test func badRequestsAreRefusedWithOneLine() throws {
        let dir = try Self.workspace(crops: 3)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = dir + "/traits.safetensors"
        let tooFew = try FlyTallyBinary.run(["quantize", model, "--scheme", "static-int8", "--calibration", dir + "/crops", "--out", dir + "/q.safetensors"])
        #expect(tooFew.status == 1 && tooFew.stderr.contains("at least 8 images"), "\(tooFew.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/q.safetensors"), "nothing written when calibration fails")
        let noData = try FlyTallyBinary.run(["quantize", model, "--scheme", "int8-io", "--out", dir + "/q.safetensors"])
        #expect(noData.status == 1 && noData.stderr.contains("needs --calibration"))
        let method = try FlyTallyBinary.run(["quantize", model, "--scheme", "static-int8", "--calibration", dir + "/crops", "--method", "median",
                                             "--out", dir + "/q.safetensors"])
        #expect(method.status == 1 && method.stderr.contains("--method"))
        let unknown = try FlyTallyBinary.run(["quantize", model, "--scheme", "int4", "--out", dir + "/q.safetensors"])
        #expect(unknown.status == 1 && unknown.stderr.contains("--scheme must be one of"))
        let detector = try FlyTallyBinary.run(["quantize", dir + "/detector.safetensors", "--scheme", "dynamic-int8", "--out", dir + "/d.safetensors"])
        #expect(detector.status == 1 && detector.stderr.contains("no detector form"), "\(detector.stderr)")
        let dynamic = try FlyTallyBinary.run(["quantize", model, "--scheme", "dynamic-int8", "--out", dir + "/dyn.safetensors"])
        #expect(dynamic.status == 0, "dynamic-int8 needs no calibration: \(dynamic.stderr)")
        let again = try FlyTallyBinary.run(["quantize", dir + "/dyn.safetensors", "--scheme", "fp16", "--out", dir + "/again.safetensors"])
        #expect(again.status == 1 && again.stderr.contains("already quantised"))
        // A truncated quantised file.
        var damaged = try Data(contentsOf: URL(fileURLWithPath: dir + "/dyn.safetensors"))
        damaged.removeLast(4096)
        try damaged.write(to: URL(fileURLWithPath: dir + "/damaged.safetensors"))
        let broken = try FlyTallyBinary.run(["eval", "--model", dir + "/damaged.safetensors", "--data", dir + "/crops"])
        #expect(broken.status == 1 && broken.stderr.contains("damaged.safetensors"), "\(broken.stderr)")
    }

    @Test func narrowCodesRunThroughEvalAndCountAndBadWidthsAreRefused() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/narrow.safetensors"
        let q = try FlyTallyBinary.run(["quantize", dir + "/traits.safetensors", "--scheme", "static-int8", "--activation-bits", "7",
                                        "--weight-bits", "6", "--calibration", dir + "/crops", "--out", out])
        #expect(q.status == 0, "\(q.stderr)")
        let model = try TraitModelFile.load(out)
        #expect(model.quantization?.network.activationBits == 7)
        #expect(model.quantization?.network.layers["classifier.0"]?.weight.map { abs(Int($0)) }.max() == 31)
        let eval = try FlyTallyBinary.run(["eval", "--model", out, "--data", dir + "/crops"])
        #expect(eval.status == 0 && eval.stdout.contains("eye"), "\(eval.stderr)")
        let count = try FlyTallyBinary.run(["count", dir + "/photos", "--out", dir + "/out", "--detector", dir + "/detector.safetensors",
                                            "--model", out], timeout: 120)
        #expect(count.status == 0, "\(count.stderr)")
        for (options, message) in [(["--activation-bits", "6"], "--activation-bits must be 8 or 7"),
                                   (["--weight-bits", "8"], "--weight-bits must be 7 or 6"),
                                   (["--activation-bits", "7", "--scheme", "dynamic-int8"], "applies to static-int8 and int8-io only")] {
            var arguments = ["quantize", dir + "/traits.safetensors", "--calibration", dir + "/crops", "--out", dir + "/bad.safetensors"] + options
            if !options.contains("--scheme") { arguments += ["--scheme", "static-int8"] }
            let r = try FlyTallyBinary.run(arguments)
            #expect(r.status != 0 && r.stderr.contains(message), "\(options): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/bad.safetensors"))
    }

    @Test func aStaticInt8DetectorCountsWithAStaticInt8Classifier() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Unlabelled photos are enough to calibrate a detector: eight small ones, one corrupt.
        try FileManager.default.createDirectory(atPath: dir + "/calibration", withIntermediateDirectories: true)
        for i in 0..<8 {
            var image = RGBImage(width: 150 + 10 * i, height: 110, fill: RGB(UInt8(30 + 20 * i), 120, 160))
            image.fillRectangle(x: 20 + 5 * i, y: 30, width: 30, height: 14, color: RGB(120, 60, 30))
            try ImageEncoder.write(image, to: dir + "/calibration/p\(i).jpg")
        }
        try Data("broken".utf8).write(to: URL(fileURLWithPath: dir + "/calibration/broken.jpg"))
        let d = try FlyTallyBinary.run(["quantize", dir + "/detector.safetensors", "--scheme", "static-int8", "--calibration", dir + "/calibration",
                                        "--out", dir + "/detector-int8.safetensors"])
        #expect(d.status == 0, "\(d.stderr)")
        #expect(d.stderr.contains("broken.jpg"), "the unreadable photo is named")
        #expect(Double(try Self.size(dir + "/detector-int8.safetensors")) < 0.45 * Double(try Self.size(dir + "/detector.safetensors")))
        let c = try FlyTallyBinary.run(["quantize", dir + "/traits.safetensors", "--scheme", "static-int8", "--calibration", dir + "/crops",
                                        "--out", dir + "/traits-int8.safetensors"])
        #expect(c.status == 0, "\(c.stderr)")
        let count = try FlyTallyBinary.run(["count", dir + "/photos", "--out", dir + "/out", "--detector", dir + "/detector-int8.safetensors",
                                            "--model", dir + "/traits-int8.safetensors"], timeout: 120)
        #expect(count.status == 0, "\(count.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/out/report.html"))
        let twice = try FlyTallyBinary.run(["quantize", dir + "/detector-int8.safetensors", "--scheme", "static-int8", "--calibration",
                                            dir + "/calibration", "--out", dir + "/again.safetensors"])
        #expect(twice.status == 1 && twice.stderr.contains("already quantised"))
    }

    @Test func compressFineTunesWithFakeQuantisationAndResumes() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let arguments = ["compress", dir + "/traits.safetensors", "--method", "lsq", "--weight-bits", "4", "--activation-bits", "8",
                         "--epochs", "1", "--data", dir + "/crops", "--validation", dir + "/crops", "--out", dir + "/lsq"]
        let r = try FlyTallyBinary.run(arguments, timeout: 300)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("lsq W4/A8 on") && r.stdout.contains("Ave. bits 4.00"), "\(r.stdout)")
        let model = try TraitModelFile.load(dir + "/lsq/model.safetensors")
        #expect(model.quantization == nil && !model.hasAttachedQuantizers, "the output is a plain float model")
        #expect(FileManager.default.fileExists(atPath: dir + "/lsq/fine-tune.checkpoint.safetensors"))
        let again = try FlyTallyBinary.run(arguments, timeout: 60)
        #expect(again.status == 1 && again.stderr.contains("--resume"), "an existing checkpoint is never overwritten")
        let resumed = try FlyTallyBinary.run(arguments + ["--resume"], timeout: 300)
        #expect(resumed.status == 0 && resumed.stderr.contains("resuming after epoch 1 of 1"), "\(resumed.stderr)")
        let qat = try FlyTallyBinary.run(["compress", dir + "/traits.safetensors", "--method", "qat", "--epochs", "1", "--data", dir + "/crops",
                                          "--out", dir + "/qat"], timeout: 300)
        #expect(qat.status == 0, "\(qat.stderr)")
        let bad = try FlyTallyBinary.run(["compress", dir + "/traits.safetensors", "--method", "inq", "--inq-portions", "0.5,0.4,1",
                                          "--data", dir + "/crops", "--out", dir + "/x"])
        #expect(bad.status != 0 && bad.stderr.contains("--inq-portions"), "\(bad.stderr)")
    }

    /// LSQ-BN, INQ and SQS end to end on a tiny model: each writes a compressed file that is
    /// smaller than the float model, loads as an ordinary classifier whose weights are exactly the
    /// fine-tuned float weights written beside it, and reports its metrics; INQ weights are all
    /// zero or ± powers of two.
    @Test func everyMethodWritesASmallerLoadableCompressedFile() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let runs: [(String, [String], Double?)] = [
            ("lsq-bn", ["--method", "lsq-bn", "--weight-bits", "4", "--epochs", "1"], 4),
            ("inq", ["--method", "inq", "--weight-bits", "5", "--inq-portions", "0.5,1", "--epochs", "1"], 5),
            ("sqs", ["--method", "sqs", "--epochs", "1", "--finetune-epochs", "1", "--initial-sparsity", "0.4"], nil),
        ]
        let floatBytes = try FileManager.default.attributesOfItem(atPath: dir + "/traits.safetensors")[.size] as! Int
        for (name, options, bits) in runs {
            let out = dir + "/\(name).safetensors"
            let r = try FlyTallyBinary.run(["compress", dir + "/traits.safetensors"] + options
                                           + ["--data", dir + "/crops", "--validation", dir + "/crops", "--out", out], timeout: 300)
            #expect(r.status == 0, "\(name): \(r.stderr)")
            let compressedBytes = try FileManager.default.attributesOfItem(atPath: out)[.size] as! Int
            #expect(compressedBytes < floatBytes, "\(name): \(compressedBytes) ≥ \(floatBytes) bytes")
            let loaded = try TraitModelFile.load(out)
            let baked = try TraitModelFile.load(dir + "/\(name).work/model.safetensors")
            for ((n, a), (_, b)) in zip(loaded.namedParameters(), baked.namedParameters()) where n.hasSuffix("weight") && a.value.rank >= 2 {
                let worst = zip(a.value.scalars, b.value.scalars).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= 1e-5 * max(1, b.value.scalars.map(abs).max() ?? 1), "\(name) \(n): decompressed ≠ fine-tuned by \(worst)")
                if name == "inq" {
                    #expect(a.value.scalars.allSatisfy { $0 == 0 || abs($0).significandBitPattern == 0 }, "\(n): not powers of two")
                }
            }
            let report = try FlyTallyBinary.run(["compress", "--report", out, "--json"])
            #expect(report.status == 0, "\(report.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as! [String: Any]
            if let bits { #expect(json["averageBits"] as? Double == bits, "\(name)") }
            #expect((json["compressionRatio"] as? Double ?? 0) > 1 && (json["accuracyDropPoints"] as? [Double])?.count == 3)
        }
        // A finished INQ run resumes to the same end without retraining.
        let again = try FlyTallyBinary.run(["compress", dir + "/traits.safetensors", "--method", "inq", "--weight-bits", "5", "--inq-portions", "0.5,1",
                                            "--epochs", "1", "--data", dir + "/crops", "--out", dir + "/inq.safetensors", "--resume"], timeout: 300)
        #expect(again.status == 0 && again.stderr.contains("INQ round 1: resuming after epoch 1 of 1"), "\(again.stderr)")
        // An ensemble of a model with itself is the model; a wrong member file is named.
        func accuracies(_ arguments: [String]) throws -> [Double] {
            let r = try FlyTallyBinary.run(["eval", "--data", dir + "/crops", "--json"] + arguments)
            #expect(r.status == 0, "\(r.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
            return (json["traits"] as! [[String: Any]]).map { $0["accuracy"] as! Double }
        }
        let single = try accuracies(["--model", dir + "/inq.safetensors"])
        #expect(try accuracies(["--model", dir + "/inq.safetensors", "--ensemble", dir + "/inq.safetensors"]) == single)
        #expect(try accuracies(["--model", dir + "/inq.safetensors", "--mirror"]).count == 3)
        // --mirror is --crop-views 2 (the whole JSON alike); 4 copies run; the two together only when they agree.
        func evalJSON(_ arguments: [String]) throws -> String {
            let r = try FlyTallyBinary.run(["eval", "--model", dir + "/inq.safetensors", "--data", dir + "/crops", "--json"] + arguments)
            #expect(r.status == 0, "\(r.stderr)")
            return r.stdout
        }
        #expect(try evalJSON(["--mirror"]) == evalJSON(["--crop-views", "2"]))
        #expect(try accuracies(["--model", dir + "/inq.safetensors", "--crop-views", "4"]).count == 3)
        #expect(try evalJSON(["--crop-views", "4"]) != evalJSON(["--crop-views", "2"]), "four copies reach the classifier")
        let contradictory = try FlyTallyBinary.run(["eval", "--model", dir + "/inq.safetensors", "--data", dir + "/crops", "--mirror", "--crop-views", "4"])
        #expect(contradictory.status != 0 && contradictory.stderr.contains("--mirror means --crop-views 2"), "\(contradictory.stderr)")
        let mirroredDetector = try FlyTallyBinary.run(["eval", "--detector", "--model", dir + "/inq.safetensors", "--mirror", "--data", dir + "/crops"])
        #expect(mirroredDetector.status != 0 && mirroredDetector.stderr.contains("are for trait classifiers, not with --detector"), "\(mirroredDetector.stderr)")
        let badMember = try FlyTallyBinary.run(["eval", "--model", dir + "/inq.safetensors", "--ensemble", dir + "/crops/crops.csv", "--data", dir + "/crops"])
        #expect(badMember.status == 1 && badMember.stderr.contains("crops.csv"), "\(badMember.stderr)")
        let notCompressed = try FlyTallyBinary.run(["compress", "--report", dir + "/traits.safetensors"])
        #expect(notCompressed.status == 1 && notCompressed.stderr.contains("not a compressed model file"), "\(notCompressed.stderr)")
    }
}
