import Foundation

/// Randomness a failing run can repeat: SplitMix64 from a seed that `CILO_TEST_SEED` sets
/// (else a new one), printed with the test's name so a failure says how to replay it.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    let seed: UInt64

    init(for test: String) {
        seed = ProcessInfo.processInfo.environment["CILO_TEST_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64.max)
        state = seed
        print("\(test): seed \(seed) (CILO_TEST_SEED=\(seed) repeats it)")
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
