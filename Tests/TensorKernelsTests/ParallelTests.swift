import Foundation
import TensorKernels
import Testing

@Suite struct ParallelMapTests {
    /// Results come back in index order whatever chunk computed them, including uneven splits
    /// and counts smaller than the thread count.
    @Test func resultsInIndexOrder() {
        for count in [0, 1, 2, 3, 17, 1000] {
            let squares = parallelMap(count) { i in (i, i * i) }
            #expect(squares.map(\.0) == Array(0..<count))
            #expect(squares.map(\.1) == (0..<count).map { $0 * $0 })
        }
    }

    /// Work that takes different times per index still lands in its own slot.
    @Test func unevenWorkKeepsItsSlot() {
        let strings = parallelMap(64) { i -> String in
            var s = ""
            for _ in 0..<(i % 7) * 200 { s = String(i) }
            return s.isEmpty ? String(i) : s
        }
        #expect(strings == (0..<64).map(String.init))
    }
}
