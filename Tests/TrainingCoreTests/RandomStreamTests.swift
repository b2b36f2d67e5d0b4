import Testing
@testable import TrainingCore

@Suite struct RandomStreamTests {
    @Test("the generator's output is fixed forever (changing it changes every trial's numbers)")
    func knownValues() {
        // SplitMix64's reference sequence from state 0: 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, …
        var reference = RandomStream(seed: 0, purpose: .initialization)
        reference.state = 0
        #expect(reference.next() == 0xE220_A839_7B1D_CDAF)
        #expect(reference.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    /// The first two draws of each purpose's stream for seed 42, index 3, computed independently
    /// (Python, from the formula in RandomStream's doc comment).
    static let keyedDraws: [(RandomStream.Purpose, UInt64, UInt64)] = [
        (.initialization, 0x5576_C634_EECE_25F3, 0x1886_EA05_17F2_45E4),
        (.trainingData, 0x9CF4_028D_5143_47EF, 0xC9E2_6F49_5BFE_7BF2),
        (.testData, 0x1197_0A5B_16E9_10EA, 0x9B72_8F5C_4271_0B90),
        (.sweepSampling, 0x0233_5901_B2AC_0EA4, 0xF0DD_0358_175B_1C12),
    ]

    @Test("each keyed stream's first draws are fixed forever", arguments: keyedDraws)
    func keyedStreams(_ purpose: RandomStream.Purpose, _ first: UInt64, _ second: UInt64) {
        var stream = RandomStream(seed: 42, purpose: purpose, index: 3)
        #expect(stream.next() == first)
        #expect(stream.next() == second)
        var defaults = RandomStream(seed: 0, purpose: .initialization)
        #expect(defaults.next() == 0x10C2_6C49_DFE3_12CF)
    }

    @Test("streams differ by seed, purpose and index")
    func separateStreams() {
        var seen = Set<UInt64>()
        for seed: UInt64 in [0, 1, 2] {
            for purpose in [RandomStream.Purpose.initialization, .trainingData, .testData, .sweepSampling] {
                for index: UInt64 in [0, 1, 2] {
                    var stream = RandomStream(seed: seed, purpose: purpose, index: index)
                    seen.insert(stream.next())
                }
            }
        }
        #expect(seen.count == 36)
    }

    @Test("uniform numbers cover their range evenly")
    func uniformity() {
        var stream = RandomStream(seed: 9, purpose: .testData)
        var buckets = [Int](repeating: 0, count: 10)
        for _ in 0..<100_000 {
            let u = stream.nextUnit()
            #expect(u >= 0 && u < 1)
            buckets[Int(u * 10)] += 1
        }
        #expect(buckets.allSatisfy { abs($0 - 10_000) < 500 })
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[stream.nextBelow(7)] += 1 }
        #expect(counts.allSatisfy { abs($0 - 10_000) < 500 })
    }
}
