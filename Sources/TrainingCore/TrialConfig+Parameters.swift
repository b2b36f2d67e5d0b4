// The parameter table of `TrialConfig`: for each parameter its name, allowed values, default,
// summary, how to read it and how to set it from text. This is the one place that knows a
// parameter; the command line, sweep files, CSV columns, the canonical form (and so trial ids)
// and the README's configuration reference are all derived from it.

extension TrialConfig {
    /// One row of the configuration reference, with the accessors that make it work.
    public struct Parameter: Sendable {
        public let name: String
        /// What values are allowed, for help texts.
        public let values: String
        /// The default, for help texts.
        public let defaultValue: String
        public let summary: String
        /// The parameter's value in a configuration (resolved where its default depends on others).
        let read: @Sendable (TrialConfig) -> Value
        /// Sets it from its text form; range checks that need other parameters are `validate()`'s.
        let write: @Sendable (inout TrialConfig, String) throws -> Void
        /// The numbers it takes, where it takes numbers: what a sweep's distribution is checked
        /// against without drawing from it.
        public var numbers: Numbers = .none
    }

    /// The numbers a parameter takes.
    public enum Numbers: Sendable {
        /// Not a number (a choice, a switch), or numbers no distribution should draw (the seed).
        case none
        case integers(ClosedRange<Int>)
        /// Reals for which `accepts` holds (an interval, open or closed at either end).
        case reals(accepts: @Sendable (Double) -> Bool)

        /// Whether every value from `low` to `high` is acceptable (integers: also whole): the ends
        /// are tested, an infinite end as the largest finite number, and an end of 0 that is only
        /// approached (`lowOpen`) as the smallest positive one.
        public func admits(low: Double, high: Double, lowOpen: Bool = false, integral: Bool) -> Bool {
            let a = low.isInfinite ? -Double.greatestFiniteMagnitude : lowOpen ? low.nextUp : low
            let b = high.isInfinite ? Double.greatestFiniteMagnitude : high
            switch self {
            case .none: return false
            case .integers(let range): return integral && Double(range.lowerBound) <= a && b <= Double(range.upperBound)
            case .reals(let accepts): return accepts(a) && accepts(b)
            }
        }
    }

    /// Every parameter, in the order of the configuration reference.
    public static let parameters: [Parameter] = [
        choice("task", \.task, "echo: repeat the input bit from `echo` steps ago; remember-first: name the first symbol at the last step; copy and adding: Arjovsky et al.'s long-memory problems"),
        choice("method", \.method, "truncated BPTT, or BPTD (gradient split by temporal lag, one optimizer per lag)"),
        integer("layers", \.layers, in: 1...2, values: "1 | 2", "stacked Elman layers"),
        integer("hidden", \.hidden, in: 1...65536, "hidden units per layer"),
        choice("nonlinearity", \.nonlinearity, "φ in h_t = φ(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)"),
        choice("optimizer", \.optimizer, "PyTorch's update rule of that name; nsgd: SGD on each group's gradient divided by its L_p norm"),
        real("lr", \.lr, .positive, "learning rate"),
        real("beta1", \.beta1, .unitOpen, "Adam/AdamW first-moment decay"),
        real("beta2", \.beta2, .unitOpen, "Adam/AdamW second-moment decay"),
        real("eps", \.eps, .nonNegative, "added to the root of the second moment (Adam, AdamW, RMSprop, snr weighting)"),
        Parameter(name: "weight_decay", values: Rule.nonNegative.values, defaultValue: "0.01 for adamw, 0 otherwise",
                  summary: "decoupled decay for adamw; an L2 term added to the gradient for adam, rmsprop and sgd (as in PyTorch), and for nsgd after the normalisation",
                  read: { .real($0.effectiveWeightDecay) },
                  write: { config, text in config.weightDecay = try Rule.nonNegative.parse("weight_decay", text) },
                  numbers: .reals(accepts: Rule.nonNegative.check)),
        real("momentum", \.momentum, .unitOpen, "momentum of sgd, nsgd and rmsprop"),
        real("alpha", \.alpha, .unitClosed, "RMSprop's smoothing constant"),
        flag("amsgrad", \.amsgrad, "adam and adamw: divide by the running maximum of the second moment (PyTorch's amsgrad=True)"),
        choice("norm_p", \.normP, "nsgd: the L_p norm each group's gradient is divided by"),
        real("clip", \.clip, Rule(values: "≥ 0", message: "must be ≥ 0 (0 turns clipping off)") { $0 >= 0 },
             "gradient clipping threshold; 0 turns clipping off"),
        choice("clip_mode", \.clipMode, "norm: rescale to L2 norm `clip` when larger; value: clamp each entry; rescale: to L2 norm `clip` on every step (per lag group under bptd)"),
        choice("lag_weighting", \.lagWeighting, "bptd: scale each lag group's step by w_Δ ∈ [0, 1] from its own history (cosine of consecutive gradients, or signal-to-noise)"),
        real("lag_weight_beta", \.lagWeightBeta, .unitOpen, "decay of the averages behind lag_weighting (cosine; snr for non-Adam optimizers)"),
        Parameter(name: "max_lag", values: "none | 0 … bptt_t − 1", defaultValue: "none",
                  summary: "bptd: the longest lag with a group (and optimizer) of its own; none keeps all bptt_t",
                  read: { $0.maxLag.map { .integer($0) } ?? .text("none") },
                  write: { config, text in
                      config.maxLag = text == "none" ? nil : try parseInteger("max_lag", text, in: 0...100_000, none: true)
                  },
                  numbers: .integers(0...100_000)),
        choice("lag_tail", \.lagTail, "bptd with max_lag: drop the longer lags (not computed), or merge them into the group of lag max_lag"),
        Parameter(name: "batch", values: "1 … 1000000", defaultValue: "50 for echo, 64 otherwise",
                  summary: "sequences trained in parallel",
                  read: { .integer($0.batchSize) },
                  write: { config, text in config.batch = try parseInteger("batch", text, in: 1...1_000_000) },
                  numbers: .integers(1...1_000_000)),
        Parameter(name: "seq_len", values: "≥ 1, a multiple of bptt_t", defaultValue: "2000 (copy: delay + 20)",
                  summary: "steps per sequence",
                  read: { .integer($0.sequenceLength) },
                  write: { config, text in config.seqLen = try parseInteger("seq_len", text, in: 1...1_000_000_000) },
                  numbers: .integers(1...1_000_000_000)),
        integer("bptt_t", \.bpttT, in: 1...100_000, "steps per training window (truncation length)"),
        integer("echo", \.echo, in: 0...1_000_000_000, values: "0 … seq_len − 1", "echo: how many steps back the target looks"),
        integer("delay", \.delay, in: 1...1_000_000_000, values: "≥ 1", "copy: steps from the last symbol to the delimiter (Arjovsky et al.'s T); seq_len = delay + 20"),
        integer("classes", \.classes, in: 2...4096, "remember-first: symbols in the alphabet"),
        integer("train_size", \.trainSize, in: 1...100_000_000, values: "≥ 1, a multiple of batch", "remember-first, copy, adding: training sequences per epoch"),
        integer("test_size", \.testSize, in: 1...100_000_000, values: "≥ 1", "remember-first, copy, adding: test sequences"),
        integer("epochs", \.epochs, in: 0...1_000_000, "passes over the training data"),
        choice("data", \.data, "fresh: new training data every epoch; fixed: one set reused"),
        choice("loss_at", \.lossAt, "echo: a loss term at every step, or at each window's last step only (remember-first, adding: always last; copy: always every)"),
        choice("precision", \.precision, "float32 or float64 arithmetic"),
        integer("metrics_every", \.metricsEvery, in: 1...1_000_000_000, values: "≥ 1", "record per-window metrics every this many windows"),
        Parameter(name: "seed", values: "0 … 2^64 − 1", defaultValue: "0", summary: "keys every random stream of the trial",
                  read: { .unsigned($0.seed) },
                  write: { config, text in
                      guard let value = UInt64(text) else { throw ConfigurationError("seed", "must be an integer in 0 … 2^64 − 1 (got '\(text)')") }
                      config.seed = value
                  }),
    ]

    /// The names of all parameters, in reference order.
    public static let parameterNames: [String] = parameters.map(\.name)

    /// Each parameter's position in `parameters`.
    private static let parameterIndex: [String: Int] = Dictionary(uniqueKeysWithValues: parameterNames.enumerated().map { ($1, $0) })

    /// Sets parameter `name` from its text form, as given on the command line or in a file.
    /// Range checks that need other parameters are left to `validate()`.
    public mutating func set(_ name: String, to text: String) throws {
        guard let index = Self.parameterIndex[name] else { throw Self.unknown(name) }
        try Self.parameters[index].write(&self, text.trimmingWhitespace)
    }

    /// The row of parameter `name`, or nil if there is none.
    public static func parameter(named name: String) -> Parameter? {
        parameterIndex[name].map { parameters[$0] }
    }

    /// The value of parameter `name` (resolved), or nil if there is no such parameter.
    public func value(of name: String) -> Value? {
        Self.parameterIndex[name].map { Self.parameters[$0].read(self) }
    }

    /// Throws the "unknown parameter" error, with a suggestion, unless `name` is a parameter.
    public static func checkName(_ name: String) throws {
        guard parameterIndex[name] != nil else { throw unknown(name) }
    }

    private static func unknown(_ name: String) -> ConfigurationError {
        ConfigurationError(name, "unknown parameter" + suggestion(for: name))
    }

    /// A parameter's value with its type, for writers that distinguish numbers from text.
    public enum Value: Sendable, Equatable, CustomStringConvertible {
        case text(String)
        case integer(Int)
        case unsigned(UInt64)
        case real(Double)

        /// The canonical text: choices as written, numbers in their shortest exact form.
        public var description: String {
            switch self {
            case .text(let value): value
            case .integer(let value): "\(value)"
            case .unsigned(let value): "\(value)"
            case .real(let value): "\(value)"
            }
        }

        /// The value as a JSON literal.
        public var json: String {
            if case .text(let value) = self { return "\"\(value)\"" }
            return description
        }
    }

    /// Every parameter's value (resolved), in reference order.
    public var parameterValues: [(name: String, value: Value)] {
        Self.parameters.map { ($0.name, $0.read(self)) }
    }

    /// The canonical JSON of the resolved configuration: keys sorted, no spaces, numbers in
    /// their shortest exact form. `includingSeed: false` gives the configuration's identity
    /// across seeds.
    public func canonicalJSON(includingSeed: Bool = true) -> String {
        var fields = canonicalFields()
        if !includingSeed { fields.remove(at: Self.seedPosition) }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// The canonical JSON without the seed, and cut around the seed's value: `beforeSeed +
    /// String(seed) + afterSeed` is `canonicalJSON()` with any seed. A sweep's trials differ only
    /// in their seed, so it serialises a configuration once rather than once per seed (a million
    /// seeds spent 13 s serialising).
    public func canonicalJSONParts() -> (unseeded: String, beforeSeed: String, afterSeed: String) {
        let fields = canonicalFields(), seed = Self.seedPosition
        let before = fields[..<seed].joined(separator: ","), after = fields[(seed + 1)...].joined(separator: ",")
        // Neither side is empty: "seed" sorts neither first nor last among the names.
        return ("{" + before + "," + after + "}", "{" + before + ",\"seed\":", "," + after + "}")
    }

    /// `"name":value` for every parameter, by name.
    private func canonicalFields() -> [String] {
        Self.sortedParameters.map { "\"\($0.name)\":\($0.read(self).json)" }
    }

    private static let sortedParameters = parameters.sorted { $0.name < $1.name }
    private static let seedPosition = sortedParameters.firstIndex { $0.name == "seed" }!

    /// Checks what single-parameter parsing cannot: combinations, and whether the trial fits in
    /// memory. Throws the first problem found, naming its parameter.
    ///
    /// A switch that turns something on where it cannot apply (`amsgrad: true` with a non-Adam
    /// optimizer, `lag_weighting` or `max_lag` with bptt) is refused; a setting of an option that
    /// is off (`norm_p` without nsgd, `lag_tail` without `max_lag`, `delay` without copy) is
    /// inert, as `echo` is for remember-first.
    public func validate() throws {
        let batch = batchSize, seqLen = sequenceLength
        if task == .copy && seqLen != CopyTask.length(delay: delay) {
            throw ConfigurationError("delay", "copy needs seq_len = delay + 20 (10 symbols, the delay, 10 outputs): delay \(delay) needs seq_len \(CopyTask.length(delay: delay)), not \(seqLen)")
        }
        if seqLen % bpttT != 0 {
            throw ConfigurationError("seq_len", "must be a multiple of bptt_t (\(seqLen) is not a multiple of \(bpttT))")
        }
        if task == .echo && echo >= seqLen {
            throw ConfigurationError("echo", "must be less than seq_len (\(echo) ≥ \(seqLen))")
        }
        if task == .adding && seqLen < 2 {
            throw ConfigurationError("seq_len", "adding needs at least 2 steps, one marker in each half (got \(seqLen))")
        }
        if task != .echo && trainSize % batch != 0 {
            throw ConfigurationError("train_size", "must be a multiple of batch (\(trainSize) is not a multiple of \(batch))")
        }
        if amsgrad && !optimizer.isAdam {
            throw ConfigurationError("amsgrad", "applies to adam and adamw only (optimizer is \(optimizer.rawValue))")
        }
        if method == .bptt && lagWeighting != .none {
            throw ConfigurationError("lag_weighting", "applies to bptd only: it weights the lag groups (method is bptt)")
        }
        if let maxLag {
            if method == .bptt { throw ConfigurationError("max_lag", "applies to bptd only: it cuts the lag groups (method is bptt)") }
            if maxLag >= bpttT { throw ConfigurationError("max_lag", "must be less than bptt_t (\(maxLag) ≥ \(bpttT)); none keeps every lag") }
        }
        let bytes = estimatedMemoryBytes
        if bytes > Self.memoryLimitBytes {
            let gib = Double(bytes) / Double(1 << 30)
            let shown = (gib * 10).rounded() / 10
            throw ConfigurationError(
                "hidden", "this trial needs about \(shown) GiB for its buffers (hidden × batch × bptt_t too large; limit 8 GiB)")
        }
    }

    /// What one trial may allocate.
    public static let memoryLimitBytes = 8 << 30

    /// The bytes a trial's buffers take (parameters, gradients, optimizer states, window
    /// workspace and data), within a few percent.
    public var estimatedMemoryBytes: Int {
        let scalar = precision == .f32 ? 4 : 8
        let (inputs, outputs): (Int, Int)
        switch task {
        case .echo: (inputs, outputs) = (1, 1)
        case .rememberFirst: (inputs, outputs) = (classes, classes)
        case .copy: (inputs, outputs) = (CopyTask.inputClasses, CopyTask.outputClasses)
        case .adding: (inputs, outputs) = (2, 1)
        }
        let h = hidden, b = batchSize, t = bpttT, seqLen = sequenceLength
        let parameters = layers * (h * h + h * 2) + h * (inputs + h * (layers - 1)) + outputs * (h + 1)
        // Per group: the gradient, the previous window's, two moments, AMSGrad's maximum, the snr
        // weighting's two averages (non-Adam optimizers).
        let perGroup = 4 + (amsgrad ? 1 : 0) + (lagWeighting == .snr && !optimizer.isAdam ? 2 : 0)
        let parameterBytes = parameters * (gradientGroups * perGroup + 1) * scalar
        let workspace = (layers * h * (t + 1) * b * 6 + (inputs + 2 * outputs) * t * b) * scalar
        let testBatch = task == .echo ? b : testSize
        let testWorkspace = (layers * h * (t + 1) * testBatch * 2 + (inputs + outputs) * t * testBatch) * scalar
        let data: Int
        switch task {
        case .echo: data = 2 * seqLen * b
        case .rememberFirst: data = 2 * seqLen * (trainSize + testSize)
        case .copy: data = CopyTask.symbols * (trainSize + testSize)
        case .adding: data = (8 * seqLen + 16) * (trainSize + testSize)
        }
        return parameterBytes + workspace + testWorkspace + data
    }

    // MARK: Building the table

    /// The allowed range of a real parameter: as shown in the reference, as said in an error,
    /// and as checked.
    struct Rule: Sendable {
        let values: String
        let message: String
        let check: @Sendable (Double) -> Bool

        static let positive = Rule(values: "> 0", message: "must be > 0") { $0 > 0 }
        static let nonNegative = Rule(values: "≥ 0", message: "must be ≥ 0") { $0 >= 0 }
        static let unitOpen = Rule(values: "[0, 1)", message: "must be in [0, 1)") { $0 >= 0 && $0 < 1 }
        static let unitClosed = Rule(values: "[0, 1]", message: "must be in [0, 1]") { $0 >= 0 && $0 <= 1 }

        func parse(_ name: String, _ text: String) throws -> Double {
            guard let value = Double(text), value.isFinite else {
                throw ConfigurationError(name, "must be a finite number (got '\(text)')")
            }
            guard check(value) else { throw ConfigurationError(name, "\(message) (got \(text))") }
            return value
        }
    }

    private static func choice<E: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ path: WritableKeyPath<TrialConfig, E> & Sendable, _ summary: String
    ) -> Parameter where E.RawValue == String {
        Parameter(name: name, values: choices(E.self), defaultValue: TrialConfig()[keyPath: path].rawValue, summary: summary,
                  read: { .text($0[keyPath: path].rawValue) },
                  write: { config, text in
                      guard let value = E(rawValue: text) else {
                          throw ConfigurationError(name, "must be one of \(choices(E.self)) (got '\(text)')")
                      }
                      config[keyPath: path] = value
                  })
    }

    /// A switch, written `false` or `true`.
    private static func flag(_ name: String, _ path: WritableKeyPath<TrialConfig, Bool> & Sendable, _ summary: String) -> Parameter {
        Parameter(name: name, values: "false | true", defaultValue: String(TrialConfig()[keyPath: path]), summary: summary,
                  read: { .text(String($0[keyPath: path])) },
                  write: { config, text in
                      guard let value = Bool(text) else { throw ConfigurationError(name, "must be one of false | true (got '\(text)')") }
                      config[keyPath: path] = value
                  })
    }

    private static func integer(_ name: String, _ path: WritableKeyPath<TrialConfig, Int> & Sendable, in range: ClosedRange<Int>,
                                values: String? = nil, _ summary: String) -> Parameter {
        Parameter(name: name, values: values ?? "\(range.lowerBound) … \(range.upperBound)",
                  defaultValue: String(TrialConfig()[keyPath: path]), summary: summary,
                  read: { .integer($0[keyPath: path]) },
                  write: { config, text in config[keyPath: path] = try parseInteger(name, text, in: range) },
                  numbers: .integers(range))
    }

    private static func real(_ name: String, _ path: WritableKeyPath<TrialConfig, Double> & Sendable, _ rule: Rule,
                             _ summary: String) -> Parameter {
        let value = TrialConfig()[keyPath: path]
        // Whole defaults as people write them ("1", not "1.0").
        let shown = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
        return Parameter(name: name, values: rule.values, defaultValue: shown, summary: summary,
                         read: { .real($0[keyPath: path]) },
                         write: { config, text in config[keyPath: path] = try rule.parse(name, text) },
                         numbers: .reals(accepts: rule.check))
    }

    private static func choices<E: RawRepresentable & CaseIterable>(_: E.Type) -> String where E.RawValue == String {
        E.allCases.map(\.rawValue).joined(separator: " | ")
    }

    private static func parseInteger(_ name: String, _ text: String, in range: ClosedRange<Int>, none: Bool = false) throws -> Int {
        // Accept integral reals ("32.0", "1e3"), which YAML and JSON writers produce.
        let value: Int
        if let exact = Int(text) {
            value = exact
        } else if let real = Double(text), real.isFinite, real.rounded() == real, abs(real) < 9e18 {
            value = Int(real)
        } else {
            throw ConfigurationError(name, "must be \(none ? "none or " : "")an integer (got '\(text)')")
        }
        guard range.contains(value) else {
            throw ConfigurationError(name, "must be in \(range.lowerBound) … \(range.upperBound) (got \(value))")
        }
        return value
    }

    /// Names other tools use for the same parameter (a W&B sweep of a PyTorch script, say).
    private static let otherNames = ["learning_rate": "lr", "batch_size": "batch", "hidden_size": "hidden", "num_layers": "layers",
                                     "n_layers": "layers", "n_epochs": "epochs", "num_epochs": "epochs", "seq_length": "seq_len",
                                     "sequence_length": "seq_len", "grad_clip": "clip", "max_grad_norm": "clip", "wd": "weight_decay"]

    private static func suggestion(for name: String) -> String {
        if let known = otherNames[name] { return " (did you mean '\(known)'?)" }
        let close = parameterNames.min { editDistance($0, name) < editDistance($1, name) }
        if let close, editDistance(close, name) <= 2 { return " (did you mean '\(close)'?)" }
        return " (known: \(parameterNames.joined(separator: ", ")))"
    }

    /// Levenshtein distance, for "did you mean" suggestions.
    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in a.indices {
            var diagonal = row[0]
            row[0] = i + 1
            for j in b.indices {
                let above = row[j + 1]
                row[j + 1] = min(above + 1, row[j] + 1, diagonal + (a[i] == b[j] ? 0 : 1))
                diagonal = above
            }
        }
        return row[b.count]
    }
}

extension String {
    var trimmingWhitespace: String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
