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
        // The keyed streams' first draws.
        var stream = RandomStream(seed: 42, purpose: .trainingData, index: 3)
        let first = stream.next()
        var again = RandomStream(seed: 42, purpose: .trainingData, index: 3)
        #expect(again.next() == first)
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
