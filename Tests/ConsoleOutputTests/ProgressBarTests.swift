import Synchronization
import Testing
@testable import ConsoleOutput

/// A fake clock and a capturing sink make the bar's output exact.
final class Capture: Sendable {
    let text = Mutex("")
    let results = Mutex("")
    let now = Mutex(0.0)
    var clock: @Sendable () -> Double { { self.now.withLock { $0 } } }
    func advanceClock(_ seconds: Double) { now.withLock { $0 += seconds } }
}

@Suite struct ProgressBarTests {
    @Test func plainModePrintsEveryTenPercentAndASummary() {
        let capture = Capture()
        let bar = ProgressBar(title: "count", total: 20, unit: "photos", style: .plain, clock: capture.clock,
                              write: { s in capture.text.withLock { $0 += s } })
        for _ in 0..<20 {
            capture.advanceClock(0.5)
            bar.advance()
        }
        bar.finish()
        let lines = capture.text.withLock { $0 }.split(separator: "\n")
        // Lines at 2, 4, …, 18 done (nine deciles below 100 %), then the summary.
        #expect(lines.count == 10)
        #expect(lines[0] == "count: 2/20 photos (10%), 2.0/s, ETA 0:09")
        #expect(lines.last == "count: 20 photos in 10.0 s (2.0/s)")
    }

    @Test func liveModeRedrawsInPlaceAtMostTenTimesASecond() {
        let capture = Capture()
        let bar = ProgressBar(title: "x", total: 100, style: .live, clock: capture.clock,
                              write: { s in capture.text.withLock { $0 += s } })
        for _ in 0..<100 {
            capture.advanceClock(0.01)
            bar.advance()
        }
        let text = capture.text.withLock { $0 }
        let redraws = text.filter { $0 == "\r" }.count
        #expect(redraws >= 9 && redraws <= 11, "\(redraws) redraws in one second")
        #expect(text.contains("100/100 items"))
        #expect(!text.contains("\n"))
    }

    @Test func silentPrintsNothingButResultsStillGoThrough() {
        let capture = Capture()
        let bar = ProgressBar(title: "x", total: 3, style: .silent, clock: capture.clock,
                              write: { s in capture.text.withLock { $0 += s } },
                              writeResult: { s in capture.results.withLock { $0 += s } })
        bar.advance()
        bar.printResult("result line")
        bar.finish()
        #expect(capture.text.withLock { $0 }.isEmpty)
        #expect(capture.results.withLock { $0 } == "result line\n")
    }

    @Test func clockFormatting() {
        #expect(ProgressBar.formatClock(9) == "0:09")
        #expect(ProgressBar.formatClock(61.2) == "1:02")
        #expect(ProgressBar.formatClock(3725) == "1:02:05")
        #expect(ProgressBar.formatRate(2.04) == "2.0" && ProgressBar.formatRate(1234.4) == "1234")
    }

    @Test func problemReportListsEverySkippedItem() {
        let report = ProblemReport()
        #expect(report.summary(total: 5).isEmpty)
        report.add("a.jpg: empty file (0 bytes)")
        report.add("b.png: truncated PNG")
        #expect(report.summary(total: 5) == "Skipped 2 of 5 files:\n  a.jpg: empty file (0 bytes)\n  b.png: truncated PNG\n")
    }
}
