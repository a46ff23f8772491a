import ArgumentParser
import ConsoleOutput

/// Exit statuses of `flytally` (documented in the README).
public enum ExitStatus: Int32, Sendable {
    case ok = 0
    /// Bad usage or bad input (including a batch in which some items were skipped).
    case inputError = 1
    /// A bug or an environment failure inside FlyTally.
    case internalError = 2
}

/// A failure the user can fix: printed as "flytally: message" and exit status 1.
public struct InputFailure: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A batch finished but skipped some items (already reported): exit status 1, no extra text.
struct BatchHadProblems: Error {}

/// Entry point shared by the executable and the tests: parses, runs, and maps every outcome
/// onto an exit status, so nothing escapes as a crash or as ArgumentParser's own codes.
public enum FlyTallyMain {
    public static func run(_ arguments: [String]) -> Int32 {
        if let message = CPUFeatures.missingFeaturesMessage() {
            StandardError.line("flytally: \(message)")
            return ExitStatus.internalError.rawValue
        }
        var command: any ParsableCommand
        do {
            command = try FlyTally.parseAsRoot(arguments)
        } catch {
            // Help and --version are "errors" that end the parse successfully.
            if FlyTally.exitCode(for: error) == .success {
                print(FlyTally.fullMessage(for: error))
                return ExitStatus.ok.rawValue
            }
            StandardError.line("flytally: " + FlyTally.message(for: error))
            StandardError.line("Run 'flytally help' (or add --help to a subcommand) for usage.")
            return ExitStatus.inputError.rawValue
        }
        do {
            try command.run()
            return ExitStatus.ok.rawValue
        } catch let failure as InputFailure {
            StandardError.line("flytally: \(failure.message)")
            return ExitStatus.inputError.rawValue
        } catch is BatchHadProblems {
            return ExitStatus.inputError.rawValue
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch {
            if FlyTally.exitCode(for: error) == .success {        // e.g. `flytally` alone: show help
                print(FlyTally.fullMessage(for: error))
                return ExitStatus.ok.rawValue
            }
            StandardError.line("flytally: internal error: \(error)")
            return ExitStatus.internalError.rawValue
        }
    }
}
