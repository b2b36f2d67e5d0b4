/// The project's random generator: SplitMix64 (Steele, Lea & Flood, "Fast splittable
/// pseudorandom number generators", OOPSLA 2014), one independent stream per purpose.
///
/// A stream's starting state is
/// `mix(mix(mix(seed + γ) ^ purpose·0xD1B54A32D192ED03) ^ index·0xABC98388FB8FAC03)`, with `mix`
/// the SplitMix64 finaliser and γ = 0x9E3779B97F4A7C15; each draw adds γ to the state and
/// returns `mix(state)`. Doubles take the top 53 bits of a draw. Because a
/// trial's numbers are drawn only from streams keyed by (seed, purpose, index), they depend on
/// nothing else — not on the host, the worker, or what other trials ran before.
///
/// Purposes:
/// - `initialization`: the network's parameters, tensor by tensor in PyTorch's order;
/// - `trainingData`: the training data, with `index` the epoch (0 for every epoch when
///   `data: fixed`);
/// - `testData`: the test set, generated once per trial.
public struct RandomStream: Sendable {
    public enum Purpose: UInt64, Sendable {
        case initialization = 1
        case trainingData = 2
        case testData = 3
        /// Random search over sweep parameters (the farm's, keyed by `sample_seed`).
        case sweepSampling = 4
    }

    @usableFromInline static let golden: UInt64 = 0x9E37_79B9_7F4A_7C15
    @usableFromInline var state: UInt64

    /// A stream keyed by a trial's seed, the purpose of the numbers and an index within it.
    public init(seed: UInt64, purpose: Purpose, index: UInt64 = 0) {
        var key = Self.mix(seed &+ Self.golden)
        key = Self.mix(key ^ (purpose.rawValue &* 0xD1B5_4A32_D192_ED03))
        key = Self.mix(key ^ (index &* 0xABC9_8388_FB8F_AC03))
        state = key
    }

    /// The SplitMix64 finaliser (a bijection of UInt64 with good avalanche).
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= Self.golden
        return Self.mix(state)
    }

    /// A uniform double in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform double in [low, high).
    @inlinable
    public mutating func nextUniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * nextUnit()
    }

    /// A uniform integer in 0..<bound (Lemire's multiply-high; its bias is below 2^−50 here).
    @inlinable
    public mutating func nextBelow(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }
}
