import Foundation
import Synchronization

/// How progress is shown.
public enum ProgressStyle: Sendable {
    /// One line redrawn in place with a bar, rate and ETA (for terminals).
    case live
    /// Ordinary lines every 10 % (for logs and pipes).
    case plain
    /// Nothing (`--quiet`).
    case silent

    /// `live` when standard error is a terminal, otherwise `plain`; `silent` when quiet.
    public static func automatic(quiet: Bool) -> ProgressStyle {
        if quiet { return .silent }
        return Terminal.isInteractive(fileDescriptor: STDERR_FILENO) ? .live : .plain
    }
}

/// Progress of a countable job, written to standard error (so standard output stays clean
/// for results and `--json`). Safe to advance from several threads.
public final class ProgressBar: Sendable {
    private struct State {
        var done = 0
        var lastDraw = -Double.infinity
        var lastPlainDecile = 0
        var finished = false
    }

    private let title: String
    private let total: Int
    private let unit: String
    private let style: ProgressStyle
    private let clock: @Sendable () -> Double
    private let write: @Sendable (String) -> Void
    private let writeResult: @Sendable (String) -> Void
    private let start: Double
    private let state = Mutex(State())

    /// - Parameters:
    ///   - unit: what is counted, plural ("photos", "files").
    ///   - clock: seconds from any fixed origin; injectable for tests.
    ///   - write: where the text goes; standard error by default.
    public init(title: String, total: Int, unit: String = "items", style: ProgressStyle,
                clock: @escaping @Sendable () -> Double = { ProgressBar.monotonicSeconds() },
                write: @escaping @Sendable (String) -> Void = { StandardError.write($0) },
                writeResult: @escaping @Sendable (String) -> Void = { StandardOutput.write($0) }) {
        self.title = title
        self.total = max(total, 0)
        self.unit = unit
        self.style = style
        self.clock = clock
        self.write = write
        self.writeResult = writeResult
        self.start = clock()
    }

    /// Records `count` more finished items and redraws when due (live: at most 10 times a
    /// second; plain: each time another 10 % is done).
    public func advance(by count: Int = 1) {
        let now = clock()
        let text: String? = state.withLock { s in
            guard !s.finished else { return nil }
            s.done = min(s.done + count, total)
            switch style {
            case .silent:
                return nil
            case .live:
                guard now - s.lastDraw >= 0.1 || s.done == total else { return nil }
                s.lastDraw = now
                return "\r" + liveLine(done: s.done, now: now) + Terminal.clearToEndOfLine
            case .plain:
                let decile = total == 0 ? 10 : s.done * 10 / total
                guard decile > s.lastPlainDecile, s.done < total else { return nil }
                s.lastPlainDecile = decile
                return plainLine(done: s.done, now: now) + "\n"
            }
        }
        if let text { write(text) }
    }

    /// Prints a result line on standard output without garbling a live bar: the bar is
    /// cleared, the line printed, and the bar drawn again below it.
    public func printResult(_ line: String) {
        let now = clock()
        state.withLock { s in
            if style == .live && !s.finished && s.lastDraw > -Double.infinity {
                write("\r" + Terminal.clearToEndOfLine)
                writeResult(line + "\n")
                write("\r" + liveLine(done: s.done, now: now) + Terminal.clearToEndOfLine)
            } else {
                writeResult(line + "\n")
            }
        }
    }

    /// Ends the bar with a summary line ("title: 40 photos in 3.1 s (12.9/s)").
    public func finish() {
        let now = clock()
        let text: String? = state.withLock { s in
            guard !s.finished else { return nil }
            s.finished = true
            let elapsed = now - start
            let summary = "\(title): \(s.done) \(unit) in \(Self.formatSeconds(elapsed))"
                + (elapsed > 0 && s.done > 0 ? " (\(Self.formatRate(Double(s.done) / elapsed))/s)" : "")
            switch style {
            case .silent: return nil
            case .live: return "\r" + summary + Terminal.clearToEndOfLine + "\n"
            case .plain: return summary + "\n"
            }
        }
        if let text { write(text) }
    }

    func liveLine(done: Int, now: Double) -> String {
        let width = 24
        let filled = total == 0 ? width : done * width / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        return "\(title) \(bar) \(done)/\(total) \(unit)" + rateAndETA(done: done, now: now)
    }

    func plainLine(done: Int, now: Double) -> String {
        let percent = total == 0 ? 100 : done * 100 / total
        return "\(title): \(done)/\(total) \(unit) (\(percent)%)" + rateAndETA(done: done, now: now)
    }

    private func rateAndETA(done: Int, now: Double) -> String {
        let elapsed = now - start
        guard done > 0, elapsed > 0 else { return "" }
        let rate = Double(done) / elapsed
        let remaining = Double(total - done) / rate
        return ", \(Self.formatRate(rate))/s, ETA \(Self.formatClock(remaining))"
    }

    static func formatRate(_ rate: Double) -> String {
        rate >= 100 ? String(Int(rate.rounded())) : String(format: "%.1f", rate)
    }

    static func formatSeconds(_ seconds: Double) -> String {
        seconds < 60 ? String(format: "%.1f s", seconds) : formatClock(seconds)
    }

    /// "m:ss" or "h:mm:ss".
    static func formatClock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        let h = total / 3600, m = total / 60 % 60, s = total % 60
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }

    public static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
