import Testing
import TrainingCore
@testable import TrialFarm

@Suite struct FlatJSONTests {
    @Test("the canonical form reads back through the flat reader")
    func roundTrip() throws {
        let config = try configuration(["method": "bptd", "lr": "1e-05", "seed": "18446744073709551615", "task": "remember-first"])
        #expect(try TrialConfig(flatJSON: config.canonicalJSON()) == config.resolved)
        #expect(try TrialConfig(flatJSON: " { \"hidden\" : 7 , \"nonlinearity\":\"relu\" } ").hidden == 7)
        #expect(try TrialConfig(flatJSON: "{}") == TrialConfig())
    }

    @Test("anything else is refused", arguments: ["", "[]", "{", "{\"hidden\":}", "{\"hidden\":4,}", "{\"hidden\":4}x",
                                                  "{\"hidden\":{\"a\":1}}", "{\"task\":\"e\\\"cho\"}", "{\"hidden\" 4}", "{\"hiden\":4}"])
    func refusals(_ text: String) {
        #expect(throws: ConfigurationError.self) { try TrialConfig(flatJSON: text) }
    }
}

/// A configuration with some parameters set from text.
private func configuration(_ changes: [String: String]) throws -> TrialConfig {
    var config = TrialConfig()
    for (name, value) in changes.sorted(by: { $0.key < $1.key }) { try config.set(name, to: value) }
    return config
}
