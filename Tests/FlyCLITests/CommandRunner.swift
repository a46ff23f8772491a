import Foundation

/// Runs the built `flytally` executable as a user would, with a time limit so a hang fails
/// the test instead of stalling the suite.
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

enum FlyTallyBinary {
    /// The executable sits next to the test bundle in the build products directory.
    static let url: URL = {
        #if os(Linux)
        let testExecutable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return testExecutable.deletingLastPathComponent().appendingPathComponent("flytally")
        #else
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("flytally")
        }
        return Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("flytally")
        #endif
    }()

    static let fixtures: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/images").path

    static func fixture(_ name: String) -> String { fixtures + "/" + name }

    static func run(_ arguments: [String], timeout: TimeInterval = 60) throws -> CommandResult {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["CI"] = "1"   // plain progress lines, as in logs
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain both pipes while the process runs so a full pipe cannot block it.
        nonisolated(unsafe) var outData = Data(), errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            group.wait()
            return CommandResult(status: -1, stdout: String(decoding: outData, as: UTF8.self),
                                 stderr: "TIMED OUT after \(timeout) s\n" + String(decoding: errData, as: UTF8.self))
        }
        process.waitUntilExit()
        group.wait()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }
}
