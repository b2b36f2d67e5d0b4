import TrainingCore
import TrialFarm

/// How the report writes the values of a sweep's parameters — in legends, the overview, the
/// leaderboard and the search charts alike: choices and whole numbers as they are, reals to 3
/// significant digits, or as many more as it takes to keep the sweep's different values apart.
struct ParameterLabels {
    /// The digits of each real-valued parameter that varies.
    private var digits: [String: Int] = [:]

    init(plan: SweepPlan) {
        for name in plan.variedParameters {
            let reals = plan.configurations.compactMap { configuration -> Double? in
                if case .real(let value)? = configuration.value(of: name) { return value }
                return nil
            }
            if !reals.isEmpty { digits[name] = SignificantDigits.distinguishing(reals) }
        }
    }

    /// A value of parameter `name`, as the report writes it.
    func text(_ name: String, _ value: TrialConfig.Value) -> String {
        if case .real(let number) = value { return SignificantDigits.format(number, digits: digits[name] ?? 3) }
        return value.description
    }

    /// The value of parameter `name` in `configuration`.
    func text(_ name: String, of configuration: TrialConfig) -> String {
        configuration.value(of: name).map { text(name, $0) } ?? ""
    }

    /// `lr=0.00252 beta1=0.872`: the given parameters of `configuration`.
    func label(_ names: [String], of configuration: TrialConfig) -> String {
        names.map { "\($0)=\(text($0, of: configuration))" }.joined(separator: " ")
    }
}
