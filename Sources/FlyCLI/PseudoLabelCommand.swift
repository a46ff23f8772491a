import ArgumentParser
import ConsoleOutput
import Datasets
import Foundation
import ImageIO
import TensorKernels
import Traits

/// `flytally pseudo-label`: a teacher model labels unlabelled crops for training.
struct PseudoLabel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pseudo-label",
        abstract: "Label unlabelled fly crops with a teacher model (or the mean of several), keeping only confident calls.",
        discussion: """
            A trait is labelled when the teachers' mean probability is at least --confidence \
            from the other side; other traits stay unknown (they do not train). Crops with no \
            confident trait are left out. OUT receives the crops (PNG) and crops.csv with \
            pseudo = yes on every row, ready for `flytally train --data OUT` next to the \
            person-labelled data.
            """)

    @Argument(help: "Unlabelled crop images or directories.")
    var crops: [String]

    @Option(parsing: .upToNextOption, help: "Teacher model file(s) (e.g. the Large classifier, or several Small ones).")
    var teacher: [String]

    @Option(help: "Confidence needed to keep a call, in (0.5, 1).")
    var confidence: Float = 0.95

    @Option(help: ArgumentHelp("Output directory.", valueName: "dir"))
    var out: String

    @Option(help: "Threads.")
    var threads = 2

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !crops.isEmpty else { throw ValidationError("Give at least one crop image or directory.") }
        guard !teacher.isEmpty else { throw ValidationError("Give at least one --teacher model.") }
        guard confidence > 0.5 && confidence < 1 else { throw ValidationError("--confidence must be within (0.5, 1).") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1…256.") }
    }

    func run() throws {
        EngineThreads.set(threads)
        var teachers: [TraitClassifier] = []
        for path in teacher {
            do { teachers.append(try TraitModelFile.load(path)) } catch { throw InputFailure("\(error)") }
        }
        do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
            throw InputFailure("\(out): cannot create output directory (\(error.localizedDescription))")
        }
        let collected = ImageFileCollector.collect(crops)
        let problems = ProblemReport()
        for p in collected.problems { problems.add("\(p)") }
        var images: [(String, RGBImage)] = []
        for path in collected.files {
            do { images.append((path, try ImageDecoder.decode(fileAt: path).image)) } catch { problems.add("\(error)") }
        }
        let labeller = PseudoLabeller(teachers: teachers, confidence: confidence)
        let probabilities = labeller.probabilities(images.map(\.1))
        var rows: [TraitCSV.Row] = [], used = Set<String>()
        for ((path, image), p) in zip(images, probabilities) {
            let traits = labeller.traits(p)
            guard traits.eye != nil || traits.wing != nil || traits.sex != nil else { continue }
            var name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension + ".png"
            var n = 2
            while used.contains(name) { name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension + "-\(n).png"; n += 1 }
            used.insert(name)
            do { try ImageEncoder.write(image, to: (out as NSString).appendingPathComponent(name)) } catch { problems.add("\(error)"); continue }
            let fly = FlyAnnotation(id: rows.count + 1, box: BoundingBox(x: 0, y: 0, width: Double(image.width), height: Double(image.height)),
                                    traits: traits)
            rows.append(TraitCSV.Row(file: name, fly: fly, pseudoLabelled: true))
        }
        do { try TraitCSV.write(rows, to: (out as NSString).appendingPathComponent("crops.csv")) } catch { throw InputFailure("\(out)/crops.csv: \(error)") }
        if !output.quiet {
            let labelled = { (k: KeyPath<FlyTraits, Bool>) in rows.filter { $0.fly.traits[keyPath: k] }.count }
            print("\(rows.count) of \(images.count) crops pseudo-labelled (eye \(labelled(\.hasEye)), wing \(labelled(\.hasWing)), sex \(labelled(\.hasSex))) → \(out)/crops.csv")
        }
        if !problems.isEmpty {
            problems.lines.forEach { StandardError.line("skipped: \($0)") }
            throw BatchHadProblems()
        }
    }
}

private extension FlyTraits {
    var hasEye: Bool { eye != nil }
    var hasWing: Bool { wing != nil }
    var hasSex: Bool { sex != nil }
}
