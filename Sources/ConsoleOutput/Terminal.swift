import Foundation

/// Facts about the terminal the process writes to.
public enum Terminal {
    /// True when the descriptor is a terminal and the environment does not ask for plain
    /// output (`TERM=dumb`, or `CI` set, as CI logs are not terminals worth redrawing).
    public static func isInteractive(fileDescriptor: Int32) -> Bool {
        let environment = ProcessInfo.processInfo.environment
        if environment["TERM"] == "dumb" || environment["CI"] != nil { return false }
        return isatty(fileDescriptor) == 1
    }

    /// ANSI "erase to end of line", so a shorter redraw leaves no leftovers.
    public static let clearToEndOfLine = "\u{1B}[K"
}

/// Unbuffered writes to standard error (progress, warnings, the problems report).
public enum StandardError {
    public static func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Foundation.write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }

    /// Writes one line (a newline is added).
    public static func line(_ text: String) { write(text + "\n") }
}

/// Writes to standard output through the same buffer as `print`, flushed at once so
/// results and progress (on standard error) appear in order on a terminal.
public enum StandardOutput {
    public static func write(_ text: String) {
        print(text, terminator: "")
        fflush(nil)  // nil flushes every C stream, stdout included
    }
}
