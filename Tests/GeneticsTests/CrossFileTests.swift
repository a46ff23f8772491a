import Foundation
import Testing
@testable import Genetics

/// A scratch directory per test; `remove()` it with `defer` (explicitly, because ARC may end
/// an object's life at its last use, before the files are read).
struct ScratchDirectory {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("genetics-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func remove() { try? FileManager.default.removeItem(at: url) }

    func write(_ name: String, _ text: String) -> String {
        let path = url.appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }
}

@Suite struct CrossFileTests {
    @Test func validFileWithLinkageIsRead() throws {
        let dir = ScratchDirectory()
        defer { dir.remove() }
        let path = dir.write("reciprocal.json", """
        {
          "name": "reciprocal-white-miniature",
          "description": "F2 of wild-type females × white miniature males",
          "linkage": {"genes": "w and m", "mapDistance": 34.6},
          "classes": [
            {"name": "females", "sex": "female", "ratio": 2},
            {"eye": "red", "wing": "long", "sex": "male", "ratio": 1, "role": "parental"},
            {"eye": "white", "wing": "miniature", "sex": "male", "ratio": 1, "role": "parental"},
            {"eye": "red", "wing": "miniature", "sex": "male", "ratio": 1, "role": "recombinant"},
            {"eye": "white", "wing": "long", "sex": "male", "ratio": 1, "role": "recombinant"}
          ],
          "tests": ["eye-wing"]
        }
        """)
        let cross = try Cross.read(path: path)
        #expect(cross.name == "reciprocal-white-miniature")
        #expect(cross.classes.count == 5)
        #expect(cross.classes[0].name == "females" && cross.classes[0].eye == nil && cross.classes[0].ratio == 2)
        #expect(cross.classes[1].name == "red-eyed long-winged male")
        #expect(cross.classes[3].role == .recombinant)
        #expect(cross.linkage == Linkage(genes: "w and m", mapDistance: 34.6))
        #expect(cross.tests == [.eyeWing])
        // r = 0.2: females 1/2; males (1 − r)/4 = 0.2, r/4 = 0.05 (by hand).
        let p = cross.expectedProportions(recombination: 0.2)
        #expect(zip(p, [0.5, 0.2, 0.2, 0.05, 0.05]).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func minimalFileUsesDefaults() throws {
        let dir = ScratchDirectory()
        defer { dir.remove() }
        let cross = try Cross.read(path: dir.write("min.json", #"{"classes": [{"sex": "female", "ratio": 1}, {"sex": "male", "ratio": 1}]}"#))
        #expect(cross.name == "custom" && cross.description.isEmpty && cross.linkage == nil && !cross.allowUncovered)
        #expect(cross.classes.map(\.name) == ["female", "male"])
    }

    @Test func builtInCrossesRoundTripThroughTheFileFormat() throws {
        for name in Cross.builtInNames {
            let cross = try Cross.named(name)
            let data = try JSONEncoder().encode(cross)
            #expect(try Cross.parse(data, file: "\(name).json") == cross)
        }
    }

    /// Each malformed file gives one line that starts with the file's path and names the problem.
    @Test(arguments: [
        ("", "not a JSON file (the file is empty)"),
        ("{\"classes\": [", "not a JSON file"),
        ("[1, 2]", "the top level: expected an object"),
        (#"{"classes": []}"#, "the cross has no classes"),
        (#"{"name": "x"}"#, "missing \"classes\""),
        (#"{"classes": [{"eye": "red", "ratio": 1}]}"#, "only one class"),
        (#"{"classes": [{"eye": "red", "ratio": 3}, {"eye": "white", "ratio": 0}]}"#,
         "class 'white-eyed' has ratio 0; ratios must be positive"),
        (#"{"classes": [{"eye": "red", "ratio": 3}, {"eye": "white", "ratio": -2}]}"#, "class 'white-eyed' has ratio -2"),
        (#"{"classes": [{"eye": "red", "ratio": 3}, {"eye": "white", "ratio": "1"}]}"#, "classes[1].ratio: expected a number"),
        (#"{"classes": [{"eye": "red", "ratio": 3}, {"eye": "white"}]}"#, "classes[1]: missing \"ratio\""),
        (#"{"classes": [{"eye": "red", "ratio": 3}, {"name": "odd", "eye": "blue", "ratio": 1}]}"#,
         "class 'odd' has unknown eye value 'blue' (expected red or white)"),
        (#"{"classes": [{"wing": "vestigial", "ratio": 3}, {"wing": "long", "ratio": 1}]}"#,
         "class '#1' has unknown wing value 'vestigial' (expected long or miniature)"),
        (#"{"classes": [{"sex": "both", "ratio": 3}, {"sex": "male", "ratio": 1}]}"#, "unknown sex value 'both'"),
        (#"{"classes": [{"eye": "red", "ratio": 3}, {"wing": "long", "ratio": 1}]}"#,
         "classes 'red-eyed' and 'long-winged' overlap (both match red-eyed long-winged female)"),
        (#"{"classes": [{"eye": "red", "ratio": 3}, {"eye": "white", "wing": "long", "ratio": 1}]}"#,
         "no class matches white-eyed miniature-winged female, white-eyed miniature-winged male"),
        (#"{"classes": [{"eyes": "red", "ratio": 3}, {"eye": "white", "ratio": 1}]}"#, "unknown key \"eyes\" in class '#1'"),
        (#"{"classes": [{"eye": "red", "ratio": 3}, {"eye": "white", "ratio": 1}], "test": []}"#, "unknown key \"test\" in the cross"),
        (#"{"classes": [{"eye": "red", "ratio": 3}, {"eye": "white", "ratio": 1}], "tests": ["eye-colour"]}"#, "unknown test \"eye-colour\""),
        (#"{"classes": [{"name": "a", "eye": "red", "ratio": 3}, {"name": "a", "eye": "white", "ratio": 1}]}"#, "two classes are called 'a'"),
        (#"{"classes": [{"eye": "red", "ratio": 1, "role": "parental"}, {"eye": "white", "ratio": 1, "role": "recombinant"}]}"#,
         "class 'red-eyed' has a role but the cross has no \"linkage\""),
        (#"{"linkage": {"genes": "a b"}, "classes": [{"eye": "red", "ratio": 1}, {"eye": "white", "ratio": 1}]}"#,
         "needs parental and recombinant classes"),
        (#"{"linkage": {"genes": "a b"}, "classes": [{"eye": "red", "ratio": 2, "role": "parental"}, {"eye": "white", "ratio": 1, "role": "recombinant"}]}"#,
         "ratios add up to 2 but the recombinant classes' to 1"),
        (#"{"linkage": {"genes": "a b"}, "classes": [{"eye": "red", "ratio": 1, "role": "maternal"}, {"eye": "white", "ratio": 1}]}"#,
         "unknown role value 'maternal' (expected parental or recombinant)"),
        (#"{"linkage": {"gene": "a b"}, "classes": [{"eye": "red", "ratio": 1}, {"eye": "white", "ratio": 1}]}"#,
         "unknown key \"gene\" in \"linkage\""),
    ])
    func malformedFileGivesOneLineNamingTheFile(text: String, problem: String) {
        let dir = ScratchDirectory()
        defer { dir.remove() }
        let path = dir.write("bad.json", text)
        do {
            _ = try Cross.read(path: path)
            Issue.record("expected an error for \(text)")
        } catch {
            let message = error.description
            #expect(message.hasPrefix(path + ": "), "\(message)")
            #expect(message.contains(problem), "\(message)")
            #expect(!message.contains("\n"))
        }
    }

    @Test func unreadableFiles() {
        let dir = ScratchDirectory()
        defer { dir.remove() }
        let missing = dir.url.appendingPathComponent("nope.json").path
        #expect(throws: GeneticsError.unreadable(file: missing, reason: "no such file")) { try Cross.read(path: missing) }
        #expect(throws: GeneticsError.unreadable(file: dir.url.path, reason: "it is a directory")) { try Cross.read(path: dir.url.path) }
    }
}
