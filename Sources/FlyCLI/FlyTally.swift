import ArgumentParser

/// The `flytally` root command. Subcommands appear here only once they work.
public struct FlyTally: ParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "flytally",
        abstract: "Count Drosophila phenotypes in photos.",
        discussion: """
            FlyTally finds every anaesthetised fly in a photo, reads its eye colour \
            (red/white), wing length (long/miniature) and sex, counts the eight phenotypes and \
            tests the cross with genetics statistics, on an ordinary CPU in seconds.

            Start with `flytally count PHOTOS --out DIR` (see docs/COUNTING.md).

            Exit status: 0 success, 1 usage or input error (including batches in which some \
            files were skipped), 2 internal error.
            """,
        version: version,
        subcommands: [Count.self, Inspect.self, Simulate.self, DatasetCommand.self, Train.self, Eval.self, Audit.self, PseudoLabel.self, Explain.self, Quantize.self, Compress.self, Bench.self]
    )

    public init() {}
}
