import Foundation
import Testing

/// Black-box test of `flytally bench count` on a tiny FlySim set with the bundled models: it
/// reports the crop copies it classified (four by default, as `count`), and refuses a
/// contradictory pair of options with one line.
@Suite struct BenchCountCLITests {
    @Test func benchCountReportsItsCropViews() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-benchcount-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let simulated = try FlyTallyBinary.run(["simulate", "--photos", "1", "--flies", "6", "--megapixels", "0.5...0.5", "--seed", "5",
                                                "--out", dir + "/set", "-q"], timeout: 120)
        #expect(simulated.status == 0, "\(simulated.stderr)")
        func bench(_ extra: [String]) throws -> [String: Any] {
            let r = try FlyTallyBinary.run(["bench", "count", "--data", dir + "/set", "--repeats", "1", "--json"] + extra, timeout: 120)
            #expect(r.status == 0, "\(r.stderr)")
            return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
        }
        let byDefault = try bench([]), one = try bench(["--no-mirror"]), two = try bench(["--crop-views", "2"])
        #expect(byDefault["cropViews"] as? Int == 4 && byDefault["mirror"] as? Bool == true)
        #expect(one["cropViews"] as? Int == 1 && one["mirror"] as? Bool == false)
        #expect(two["cropViews"] as? Int == 2 && two["trueFlies"] as? Int == 6)
        let refused = try FlyTallyBinary.run(["bench", "count", "--data", dir + "/set", "--no-mirror", "--crop-views", "2"])
        #expect(refused.status != 0 && refused.stderr.contains("--no-mirror means --crop-views 1"), "\(refused.stderr)")
    }
}
