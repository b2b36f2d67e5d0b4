// The parameter table of `TrialConfig`: names, defaults, parsing from text, validation and the
// canonical form. This is the one place that knows a parameter's name; the command line, sweep
// files, CSV columns and the README's configuration reference are all derived from it.

extension TrialConfig {
    /// One row of the configuration reference.
    public struct Parameter: Sendable {
        public let name: String
        /// What values are allowed, for help texts.
        public let values: String
        /// The default, for help texts.
        public let defaultValue: String
        public let summary: String
    }

    /// Every parameter, in the order of the configuration reference.
    public static let parameters: [Parameter] = [
        .init(name: "task", values: choices(TaskKind.self), defaultValue: "echo",
              summary: "echo: repeat the input bit from `echo` steps ago; remember-first: name the first symbol at the last step"),
        .init(name: "method", values: choices(TrainingMethod.self), defaultValue: "bptt",
              summary: "truncated BPTT, or BPTD (gradient split by temporal lag, one optimizer per lag)"),
        .init(name: "layers", values: "1 | 2", defaultValue: "1", summary: "stacked Elman layers"),
        .init(name: "hidden", values: "1 … 65536", defaultValue: "20", summary: "hidden units per layer"),
        .init(name: "nonlinearity", values: choices(Nonlinearity.self), defaultValue: "tanh", summary: "φ in h_t = φ(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)"),
        .init(name: "optimizer", values: choices(OptimizerKind.self), defaultValue: "adamw", summary: "PyTorch's update rule of that name"),
        .init(name: "lr", values: "> 0", defaultValue: "0.0003", summary: "learning rate"),
        .init(name: "beta1", values: "[0, 1)", defaultValue: "0.95", summary: "Adam/AdamW first-moment decay"),
        .init(name: "beta2", values: "[0, 1)", defaultValue: "0.95", summary: "Adam/AdamW second-moment decay"),
        .init(name: "eps", values: "≥ 0", defaultValue: "1e-08", summary: "added to the root of the second moment (Adam, AdamW, RMSprop)"),
        .init(name: "weight_decay", values: "≥ 0", defaultValue: "0.01 for adamw, 0 otherwise",
              summary: "decoupled decay for adamw; an L2 term added to the gradient for adam, rmsprop and sgd (as in PyTorch)"),
        .init(name: "momentum", values: "[0, 1)", defaultValue: "0", summary: "momentum of sgd and rmsprop"),
        .init(name: "alpha", values: "[0, 1]", defaultValue: "0.99", summary: "RMSprop's smoothing constant"),
        .init(name: "clip", values: "≥ 0", defaultValue: "1", summary: "gradient clipping threshold; 0 turns clipping off"),
        .init(name: "clip_mode", values: choices(ClipMode.self), defaultValue: "norm",
              summary: "norm: rescale to global L2 norm `clip` (per lag group under bptd); value: clamp each entry"),
        .init(name: "batch", values: "1 … 1000000", defaultValue: "50 for echo, 64 for remember-first", summary: "sequences trained in parallel"),
        .init(name: "seq_len", values: "≥ 1, a multiple of bptt_t", defaultValue: "2000", summary: "steps per sequence"),
        .init(name: "bptt_t", values: "1 … 100000", defaultValue: "20", summary: "steps per training window (truncation length)"),
        .init(name: "echo", values: "0 … seq_len − 1", defaultValue: "3", summary: "echo: how many steps back the target looks"),
        .init(name: "classes", values: "2 … 4096", defaultValue: "8", summary: "remember-first: symbols in the alphabet"),
        .init(name: "train_size", values: "≥ 1, a multiple of batch", defaultValue: "512", summary: "remember-first: training sequences per epoch"),
        .init(name: "test_size", values: "≥ 1", defaultValue: "128", summary: "remember-first: test sequences"),
        .init(name: "epochs", values: "0 … 1000000", defaultValue: "5", summary: "passes over the training data"),
        .init(name: "data", values: choices(DataMode.self), defaultValue: "fresh", summary: "fresh: new training data every epoch; fixed: one set reused"),
        .init(name: "loss_at", values: choices(LossPosition.self), defaultValue: "every",
              summary: "echo: a loss term at every step, or at each window's last step only (remember-first: always last)"),
        .init(name: "precision", values: choices(Precision.self), defaultValue: "f32", summary: "float32 or float64 arithmetic"),
        .init(name: "metrics_every", values: "≥ 1", defaultValue: "10", summary: "record per-window metrics every this many windows"),
        .init(name: "seed", values: "0 … 2^64 − 1", defaultValue: "0", summary: "keys every random stream of the trial"),
    ]

    /// The names of all parameters, in reference order.
    public static var parameterNames: [String] { parameters.map(\.name) }

    private static func choices<E: RawRepresentable & CaseIterable>(_: E.Type) -> String where E.RawValue == String {
        E.allCases.map(\.rawValue).joined(separator: " | ")
    }

    /// Sets parameter `name` from its text form, as given on the command line or in a file.
    /// Range checks that need other parameters are left to `validate()`.
    public mutating func set(_ name: String, to text: String) throws {
        let text = text.trimmingWhitespace
        switch name {
        case "task": task = try Self.choice(name, text)
        case "method": method = try Self.choice(name, text)
        case "layers": layers = try Self.integer(name, text, in: 1...2)
        case "hidden": hidden = try Self.integer(name, text, in: 1...65536)
        case "nonlinearity": nonlinearity = try Self.choice(name, text)
        case "optimizer": optimizer = try Self.choice(name, text)
        case "lr": lr = try Self.real(name, text, check: { $0 > 0 }, "must be > 0")
        case "beta1": beta1 = try Self.real(name, text, check: { $0 >= 0 && $0 < 1 }, "must be in [0, 1)")
        case "beta2": beta2 = try Self.real(name, text, check: { $0 >= 0 && $0 < 1 }, "must be in [0, 1)")
        case "eps": eps = try Self.real(name, text, check: { $0 >= 0 }, "must be ≥ 0")
        case "weight_decay": weightDecay = try Self.real(name, text, check: { $0 >= 0 }, "must be ≥ 0")
        case "momentum": momentum = try Self.real(name, text, check: { $0 >= 0 && $0 < 1 }, "must be in [0, 1)")
        case "alpha": alpha = try Self.real(name, text, check: { $0 >= 0 && $0 <= 1 }, "must be in [0, 1]")
        case "clip": clip = try Self.real(name, text, check: { $0 >= 0 }, "must be ≥ 0 (0 turns clipping off)")
        case "clip_mode": clipMode = try Self.choice(name, text)
        case "batch": batch = try Self.integer(name, text, in: 1...1_000_000)
        case "seq_len": seqLen = try Self.integer(name, text, in: 1...1_000_000_000)
        case "bptt_t": bpttT = try Self.integer(name, text, in: 1...100_000)
        case "echo": echo = try Self.integer(name, text, in: 0...1_000_000_000)
        case "classes": classes = try Self.integer(name, text, in: 2...4096)
        case "train_size": trainSize = try Self.integer(name, text, in: 1...100_000_000)
        case "test_size": testSize = try Self.integer(name, text, in: 1...100_000_000)
        case "epochs": epochs = try Self.integer(name, text, in: 0...1_000_000)
        case "data": data = try Self.choice(name, text)
        case "loss_at": lossAt = try Self.choice(name, text)
        case "precision": precision = try Self.choice(name, text)
        case "metrics_every": metricsEvery = try Self.integer(name, text, in: 1...1_000_000_000)
        case "seed":
            guard let value = UInt64(text) else {
                throw ConfigurationError(name, "must be an integer in 0 … 2^64 − 1 (got '\(text)')")
            }
            seed = value
        default:
            try Self.checkName(name)
        }
    }

    /// Throws the "unknown parameter" error, with a suggestion, unless `name` is a parameter.
    public static func checkName(_ name: String) throws {
        guard parameterNames.contains(name) else { throw ConfigurationError(name, "unknown parameter" + suggestion(for: name)) }
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
        let c = resolved
        return [
            ("task", .text(c.task.rawValue)), ("method", .text(c.method.rawValue)), ("layers", .integer(c.layers)),
            ("hidden", .integer(c.hidden)), ("nonlinearity", .text(c.nonlinearity.rawValue)),
            ("optimizer", .text(c.optimizer.rawValue)), ("lr", .real(c.lr)), ("beta1", .real(c.beta1)),
            ("beta2", .real(c.beta2)), ("eps", .real(c.eps)), ("weight_decay", .real(c.effectiveWeightDecay)),
            ("momentum", .real(c.momentum)), ("alpha", .real(c.alpha)), ("clip", .real(c.clip)),
            ("clip_mode", .text(c.clipMode.rawValue)), ("batch", .integer(c.batchSize)), ("seq_len", .integer(c.seqLen)),
            ("bptt_t", .integer(c.bpttT)), ("echo", .integer(c.echo)), ("classes", .integer(c.classes)),
            ("train_size", .integer(c.trainSize)), ("test_size", .integer(c.testSize)), ("epochs", .integer(c.epochs)),
            ("data", .text(c.data.rawValue)), ("loss_at", .text(c.lossAt.rawValue)),
            ("precision", .text(c.precision.rawValue)), ("metrics_every", .integer(c.metricsEvery)),
            ("seed", .unsigned(c.seed)),
        ]
    }

    /// The canonical JSON of the resolved configuration: keys sorted, no spaces, numbers in
    /// their shortest exact form. `includingSeed: false` gives the configuration's identity
    /// across seeds.
    public func canonicalJSON(includingSeed: Bool = true) -> String {
        let fields = parameterValues
            .filter { includingSeed || $0.name != "seed" }
            .sorted { $0.name < $1.name }
            .map { "\"\($0.name)\":\($0.value.json)" }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// Checks what single-parameter parsing cannot: combinations, and whether the trial fits in
    /// memory. Throws the first problem found, naming its parameter.
    public func validate() throws {
        let batch = batchSize
        if seqLen % bpttT != 0 {
            throw ConfigurationError("seq_len", "must be a multiple of bptt_t (\(seqLen) is not a multiple of \(bpttT))")
        }
        if task == .echo && echo >= seqLen {
            throw ConfigurationError("echo", "must be less than seq_len (\(echo) ≥ \(seqLen))")
        }
        if task == .rememberFirst && trainSize % batch != 0 {
            throw ConfigurationError("train_size", "must be a multiple of batch (\(trainSize) is not a multiple of \(batch))")
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
        let (inputs, outputs) = task == .echo ? (1, 1) : (classes, classes)
        let h = hidden, b = batchSize, t = bpttT
        let parameters = layers * (h * h + h * 2) + h * (inputs + h * (layers - 1)) + outputs * (h + 1)
        let groups = method == .bptd ? t : 1
        // gradients, the previous window's gradients, two moments per group
        let parameterBytes = parameters * (groups * 4 + 1) * scalar
        let workspace = (layers * h * (t + 1) * b * 6 + (inputs + 2 * outputs) * t * b) * scalar
        let testBatch = task == .echo ? b : testSize
        let testWorkspace = (layers * h * (t + 1) * testBatch * 2 + (inputs + outputs) * t * testBatch) * scalar
        let data = task == .echo ? 2 * seqLen * b : 2 * seqLen * (trainSize + testSize)
        return parameterBytes + workspace + testWorkspace + data
    }

    // MARK: Parsing helpers

    private static func choice<E: RawRepresentable & CaseIterable>(_ name: String, _ text: String) throws -> E
    where E.RawValue == String {
        if let value = E(rawValue: text) { return value }
        throw ConfigurationError(name, "must be one of \(choices(E.self)) (got '\(text)')")
    }

    private static func integer(_ name: String, _ text: String, in range: ClosedRange<Int>) throws -> Int {
        // Accept integral reals ("32.0", "1e3"), which YAML and JSON writers produce.
        let value: Int
        if let exact = Int(text) {
            value = exact
        } else if let real = Double(text), real.isFinite, real.rounded() == real, abs(real) < 9e18 {
            value = Int(real)
        } else {
            throw ConfigurationError(name, "must be an integer (got '\(text)')")
        }
        guard range.contains(value) else {
            throw ConfigurationError(name, "must be in \(range.lowerBound) … \(range.upperBound) (got \(value))")
        }
        return value
    }

    private static func real(_ name: String, _ text: String, check: (Double) -> Bool, _ rule: String) throws -> Double {
        guard let value = Double(text), value.isFinite else {
            throw ConfigurationError(name, "must be a finite number (got '\(text)')")
        }
        guard check(value) else { throw ConfigurationError(name, "\(rule) (got \(text))") }
        return value
    }

    private static func suggestion(for name: String) -> String {
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
