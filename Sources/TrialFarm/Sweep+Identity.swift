import TrainingCore

// When two sweep files are the same study: an output folder holds one study, which may grow —
// more seeds, more samples, a higher run_cap — keeping every finished trial (trial ids are
// content hashes), but not change what its existing trials are.

extension Sweep {
    /// The canonical text of what decides a search's draws, in the order that decides them:
    /// the method, sample_seed, grid_over, each parameter's specification in the file's order,
    /// and for bayes the objective and TPE's settings. Seeds and the number of draws are not in
    /// it: they may grow.
    var searchText: String {
        var lines = ["method: \(method.rawValue)", "sample_seed: \(sampleSeed)", "grid_over: \(gridOver)"]
        if method == .bayes || method == .race || earlyTerminate != nil {
            lines.append("metric: \(metric.rawValue) \(goal.rawValue) \(aggregate.rawValue) \(target.map { "\($0)" } ?? "-")")
        }
        if method == .bayes { lines.append("bayes: \(bayes.startup) \(bayes.generation) \(bayes.candidates)") }
        if method == .race { lines.append("race: \(race.firstTest) \(race.test.rawValue) \(race.alpha) \(race.iterations)") }
        if let early = earlyTerminate {
            lines.append("early_terminate: \(early.minIter ?? 0) \(early.maxIter ?? 0) \(early.s ?? 0) \(early.eta) \(early.strict) \(early.brackets ?? 0)")
        }
        lines += parameters.map { "\($0.name): \(ResolvedSweep.describe($0.specification))" }
        return lines.joined(separator: "\n")
    }

    /// What makes `self` another study than `old` (empty: the same, perhaps grown). Each line says
    /// what changed.
    func changes(from old: Sweep) -> [String] {
        var changes: [String] = []
        func compare<T: Equatable>(_ key: String, _ a: T, _ b: T, _ show: (T) -> String) {
            if a != b { changes.append("\(key): \(show(a)) → \(show(b))") }
        }
        compare("method", old.method, method) { $0.rawValue }
        if method != .grid || old.method != .grid {
            compare("sample_seed", old.sampleSeed, sampleSeed) { "\($0)" }
            compare("grid_over", old.gridOver, gridOver) { "[\($0.joined(separator: ", "))]" }
        }
        // What a search does with results (the metric only where results decide something).
        if method == old.method {
            let decides = [old, self].allSatisfy { $0.method == .bayes || $0.method == .race || $0.earlyTerminate != nil }
            let settings = { (sweep: Sweep) in
                Dictionary(ResolvedSweep.searchSettings(sweep).filter { $0.key != "metric" || decides }, uniquingKeysWith: { a, _ in a })
            }
            let (before, after) = (settings(old), settings(self))
            for key in ["metric", "bayes", "race", "early_terminate"] where before[key] != after[key] {
                changes.append("\(key): \(before[key] ?? "none") → \(after[key] ?? "none")")
            }
        }
        let before = Dictionary(uniqueKeysWithValues: old.parameters.map { ($0.name, ResolvedSweep.describe($0.specification)) })
        let after = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, ResolvedSweep.describe($0.specification)) })
        for name in TrialConfig.parameterNames where before[name] != after[name] {
            changes.append("parameters.\(name): \(before[name] ?? "(default)") → \(after[name] ?? "(default)")")
        }
        if method == old.method && method != .grid && changes.isEmpty && old.parameters.map(\.name) != parameters.map(\.name) {
            changes.append("parameters: their order changed (it decides what is drawn)")
        }
        // Sets, not seeds.contains: a study of a million seeds compared with its grown self.
        let current = Set(seeds)
        let removed = old.seeds.filter { !current.contains($0) }
        if !removed.isEmpty { changes.append("seeds: \(removed.map(String.init).joined(separator: ", ")) removed (their results would be dropped)") }
        if method == .bayes && old.method == .bayes && current != Set(old.seeds) {
            changes.append("seeds: a bayes search scored its proposals on its seeds; other seeds change what it would have proposed")
        }
        if method != .grid && samples < old.samples {
            changes.append("samples: \(old.samples) → \(samples) (fewer draws would drop results)")
        }
        return changes
    }

    /// How `self` grows `old` (seeds and draws added), for the log; nil when nothing grows.
    func growth(from old: Sweep) -> String? {
        var parts: [String] = []
        let before = Set(old.seeds)
        let added = seeds.filter { !before.contains($0) }
        if !added.isEmpty { parts.append("\(added.count) seed\(added.count == 1 ? "" : "s") added") }
        if method != .grid && samples > old.samples { parts.append("samples \(old.samples) → \(samples)") }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }
}

extension SweepPlan {
    /// `sweepID`: the exact sweep — grid and random: a hash of its sorted trial ids (whatever the
    /// key order of the file); bayes: of its search text with its seeds and draws.
    /// `studyID`: what may not change when a folder's study grows — grid: a hash of its sorted
    /// configuration ids (seeds may be added); random and bayes: of its search text.
    static func identities(_ sweep: Sweep, configurationIDs: [UInt64], trials: [Trial]) -> (sweep: String, study: String) {
        let searchHash = SHA256.hex(sweep.searchText.utf8)
        switch sweep.method {
        case .grid:
            // Early stopping decides what the trials come to: it is part of the study.
            let early = sweep.earlyTerminate == nil ? "" : "\n" + sweep.searchText
            return (hexLines(trials.map(\.id), then: early), hexLines(configurationIDs, then: early))
        case .random:
            return (hexLines(trials.map(\.id), then: ""), searchHash)
        case .bayes, .race:
            let exact = sweep.searchText + "\nseeds: \(sweep.seeds)\nsamples: \(sweep.samples)"
            return (SHA256.hex(exact.utf8), searchHash)
        }
    }

    /// The SHA-256 (hex) of `ids` sorted, each as 16 hex digits, one a line (no newline after the
    /// last), followed by `suffix`: hashed as it is written, a few kilobytes at a time, rather
    /// than joined into one string (a million ids made 17 MB of short strings first).
    static func hexLines(_ ids: [UInt64], then suffix: String) -> String {
        var hasher = SHA256()
        var text: [UInt8] = []
        text.reserveCapacity(17 * 256)
        let digits = Array("0123456789abcdef".utf8)
        for (number, id) in ids.sorted().enumerated() {
            if number > 0 { text.append(UInt8(ascii: "\n")) }
            for shift in stride(from: 60, through: 0, by: -4) { text.append(digits[Int(id >> UInt64(shift) & 0xf)]) }
            if text.count >= 16 * 256 {
                hasher.update(text)
                text.removeAll(keepingCapacity: true)
            }
        }
        hasher.update(text)
        hasher.update(suffix.utf8)
        return hasher.finalizeHex()
    }
}
