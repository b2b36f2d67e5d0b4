/// Runs one trial of a validated, resolved configuration: the epochs, windows, gradient engine,
/// clipping, optimizers, metrics and test passes. Specialised for each scalar type and task.
///
/// Everything is allocated in `init`; `run` allocates nothing per window.
final class Trainer<T: Scalar, Task: SequenceTask> {
    let config: TrialConfig
    var task: Task
    let network: ElmanNetwork<T>
    /// The training window (with backward buffers) and the test window (forward only).
    let window: WindowBuffers<T>
    let testWindow: WindowBuffers<T>
    /// 1 under BPTT; under BPTD one per lag, T or `max_lag` + 1.
    let groups: Int
    /// The window's gradient groups, `groups` × P.
    let gradients: Buffer<T>
    /// The previous window's gradient groups, before clipping (kept when the next window reports
    /// cosines, and every window under `lag_weighting: cosine`).
    let previousGradients: Buffer<T>
    /// Σ_Δ G[Δ], for BPTD's overall gradient norm: P.
    let summedGradient: Buffer<T>
    /// One optimizer per group; group Δ ≥ 1 of BPTD has no read-out and updates the prefix of
    /// recurrent parameters only.
    let optimizers: [Optimizer<T>]
    /// BPTD's lag weighting: each group's weight and the history behind it.
    let lagWeights: LagWeights<T>
    /// ‖∂L/∂h_t‖ of the epoch's last window, t = 1 … T.
    var probe: [Double]
    var spectralNorms: [SpectralNorm]

    init(config: TrialConfig, task: Task) {
        self.config = config
        self.task = task
        let shape = NetworkShape(inputs: task.inputs, hidden: config.hidden, layers: config.layers,
                                 outputs: task.outputs, nonlinearity: config.nonlinearity)
        network = ElmanNetwork(shape: shape)
        network.initialize(seed: config.seed)
        window = WindowBuffers(shape: shape, batch: task.batch, steps: task.steps)
        testWindow = WindowBuffers(shape: shape, batch: task.testBatch, steps: task.steps, forwardOnly: true)
        groups = config.gradientGroups
        let p = network.layout.count, recurrent = network.layout.recurrentCount
        gradients = Buffer(count: groups * p)
        previousGradients = Buffer(count: groups * p)
        summedGradient = Buffer(count: config.method == .bptd ? p : 0)
        let settings = OptimizerSettings(config)
        optimizers = (0..<groups).map { Optimizer(settings, count: $0 == 0 ? p : recurrent) }
        lagWeights = LagWeights(config, groups: groups, stride: p)
        probe = [Double](repeating: 0, count: task.steps)
        spectralNorms = (0..<config.layers).map { _ in SpectralNorm(size: config.hidden) }
    }

    /// Trains the epochs after `checkpoint` (all, without one) up to `last` (all, without one):
    /// stopping early there is `paused`, with a checkpoint. A checkpoint also goes to
    /// `onCheckpoint` after every `checkpointEvery`-th epoch before the last.
    func run(from checkpoint: TrialCheckpoint? = nil, until last: Int? = nil, checkpointEvery: Int? = nil,
             shouldStop: () -> Bool, onMetric: (MetricRecord) -> Void,
             onCheckpoint: (TrialCheckpoint) -> Void = { _ in }) throws -> TrialOutcome {
        var outcome = TrialOutcome(status: .completed)
        let clock = ContinuousClock()
        var step = 0
        if let checkpoint {
            try restore(checkpoint)
            step = checkpoint.step
            outcome.epochsCompleted = checkpoint.epoch
        }
        let end = min(config.epochs, last ?? config.epochs)
        for epoch in stride(from: outcome.epochsCompleted + 1, through: end, by: 1) {
            let epochStart = clock.now
            task.prepareTraining(epoch: epoch)
            var lossSum = 0.0, lossWindows = 0, correct = 0, scored = 0
            for batch in 0..<task.trainingBatches {
                window.resetState()
                for index in 0..<task.windowsPerSequence {
                    let targets = task.fillTrainingWindow(window, batch: batch, window: index)
                    network.forward(window)
                    let score = Loss.evaluate(window, kind: task.loss, targets: targets, gradients: targets.lossSteps != nil)
                    correct += score.correct
                    scored += score.scored
                    if let lossSteps = targets.lossSteps {
                        step += 1
                        let loss = score.loss
                        let isProbe = batch == task.trainingBatches - 1 && index == task.windowsPerSequence - 1
                        guard loss.isFinite, train(lossSteps: lossSteps, step: step, epoch: epoch, loss: loss,
                                                   probe: isProbe, onMetric: onMetric)
                        else {
                            outcome.status = .diverged
                            outcome.divergedStep = step
                            outcome.steps = step
                            outcome.trainingSeconds += seconds(clock.now - epochStart)
                            return outcome
                        }
                        lossSum += loss
                        lossWindows += 1
                    }
                    window.carryState()
                    if shouldStop() {
                        outcome.status = .cancelled
                        outcome.steps = step
                        outcome.trainingSeconds += seconds(clock.now - epochStart)
                        return outcome
                    }
                }
            }
            outcome.trainingSeconds += seconds(clock.now - epochStart)
            let test = evaluate()
            let trainLoss = lossWindows > 0 ? lossSum / Double(lossWindows) : .nan
            let trainAccuracy = scored > 0 ? Double(correct) / Double(scored) : .nan
            let scoresAccuracy = task.loss.scoresAccuracy
            onMetric(MetricRecord(epoch: epoch, step: nil, metric: .trainLoss, value: trainLoss))
            if scoresAccuracy { onMetric(MetricRecord(epoch: epoch, step: nil, metric: .trainAccuracy, value: trainAccuracy)) }
            onMetric(MetricRecord(epoch: epoch, step: nil, metric: .testLoss, value: test.loss))
            if scoresAccuracy { onMetric(MetricRecord(epoch: epoch, step: nil, metric: .testAccuracy, value: test.accuracy)) }
            for t in 1...task.steps {
                onMetric(MetricRecord(epoch: epoch, step: nil, metric: .stateGradientNorm, lag: task.steps - t, value: probe[t - 1]))
            }
            onMetric(MetricRecord(epoch: epoch, step: nil, metric: .wallSeconds, value: seconds(clock.now - epochStart)))
            outcome.epochsCompleted = epoch
            outcome.trainLoss = trainLoss
            outcome.trainAccuracy = scoresAccuracy ? trainAccuracy : nil
            outcome.testLoss = test.loss
            outcome.testAccuracy = scoresAccuracy ? test.accuracy : nil
            if epoch < config.epochs && (epoch == end || checkpointEvery.map { epoch % $0 == 0 } == true) {
                onCheckpoint(snapshot(epoch: epoch, step: step))
            }
        }
        outcome.steps = step
        if end < config.epochs { outcome.status = .paused }
        return outcome
    }

    /// Gradients, metrics, clipping and updates for one window whose forward pass and loss are
    /// done. Returns false if an update made a parameter non-finite.
    private func train(lossSteps: ClosedRange<Int>, step: Int, epoch: Int, loss: Double, probe isProbe: Bool,
                       onMetric: (MetricRecord) -> Void) -> Bool {
        let p = network.layout.count, g = gradients.base
        switch config.method {
        case .bptt: GradientEngine.bptt(network, window, lossSteps: lossSteps, into: g)
        case .bptd:
            GradientEngine.bptd(network, window, lossSteps: lossSteps, into: g, count: groups, tail: config.lagTail, total: isProbe)
        }
        if isProbe { recordProbe(lastLossStep: lossSteps.upperBound) }

        let every = config.metricsEvery
        let reports = step % every == 0
        if reports { reportGradients(step: step, epoch: epoch, loss: loss, onMetric: onMetric) }
        let weighting = config.lagWeighting
        if weighting == .cosine {
            // Each group's cosine with its gradient one window before, both before clipping.
            for group in 0..<groups {
                let cosine = step > 1 ? Kernels.cosine(g + group * p, previousGradients.base + group * p, p) : nil
                lagWeights.observe(group: group, cosine: cosine)
            }
        }
        if weighting == .cosine || (step + 1) % every == 0 { previousGradients.base.update(from: g, count: groups * p) }

        for group in 0..<groups {
            let gradient = g + group * p, optimizer = optimizers[group]
            if config.clip > 0 {
                switch config.clipMode {
                case .norm: Clipping.clipNorm(gradient, count: optimizer.count, maxNorm: config.clip)
                case .value: Clipping.clipValue(gradient, count: optimizer.count, limit: config.clip)
                case .rescale: Clipping.rescale(gradient, count: optimizer.count, toNorm: config.clip)
                }
            }
            let parameters = network.parameters.base
            switch weighting {
            case .none:
                optimizer.step(parameters: parameters, gradients: gradient)
            case .cosine:
                optimizer.step(parameters: parameters, gradients: gradient, weight: lagWeights.weights[group])
            case .snr where optimizer.settings.kind.isAdam:
                // The weight depends on the moments this step makes: the step in two halves.
                let ratio = optimizer.updateAdamMoments(parameters: parameters, gradients: gradient)
                lagWeights.observe(group: group, signalToNoise: ratio)
                optimizer.applyAdamUpdate(parameters: parameters, weight: lagWeights.weights[group])
            case .snr:
                lagWeights.observe(group: group, gradient: gradient, count: optimizer.count)
                optimizer.step(parameters: parameters, gradients: gradient, weight: lagWeights.weights[group])
            }
        }
        guard Kernels.allFinite(network.parameters.base, p) else { return false }
        if reports {
            reportWeights(step: step, epoch: epoch, onMetric: onMetric)
            if weighting != .none {
                for group in 0..<groups {
                    onMetric(MetricRecord(epoch: epoch, step: step, metric: .lagWeight, lag: group, value: lagWeights.weights[group]))
                }
            }
        }
        return true
    }

    /// train_loss, grad_norm and grad_cos of a reporting window (before clipping).
    private func reportGradients(step: Int, epoch: Int, loss: Double, onMetric: (MetricRecord) -> Void) {
        let p = network.layout.count, g = gradients.base
        onMetric(MetricRecord(epoch: epoch, step: step, metric: .trainLoss, value: loss))
        let hasPrevious = step > 1
        if groups == 1 {
            onMetric(MetricRecord(epoch: epoch, step: step, metric: .gradNorm, value: Kernels.sumOfSquares(g, p).squareRoot()))
            if hasPrevious {
                onMetric(MetricRecord(epoch: epoch, step: step, metric: .gradCosine,
                                      value: Kernels.cosine(g, previousGradients.base, p)))
            }
            return
        }
        let sum = summedGradient.base
        sum.update(repeating: 0, count: p)
        for group in 0..<groups {
            let gradient = g + group * p
            for i in 0..<p { sum[i] += gradient[i] }
        }
        onMetric(MetricRecord(epoch: epoch, step: step, metric: .gradNorm, value: Kernels.sumOfSquares(sum, p).squareRoot()))
        for group in 0..<groups {
            let gradient = g + group * p
            onMetric(MetricRecord(epoch: epoch, step: step, metric: .gradNorm, lag: group,
                                  value: Kernels.sumOfSquares(gradient, p).squareRoot()))
        }
        if hasPrevious {
            for group in 0..<groups {
                onMetric(MetricRecord(epoch: epoch, step: step, metric: .gradCosine, lag: group,
                                      value: Kernels.cosine(g + group * p, previousGradients.base + group * p, p)))
            }
        }
    }

    /// ‖W_hh‖, its largest singular value and the optimizers' moment norms for W_hh, after the
    /// window's updates.
    private func reportWeights(step: Int, epoch: Int, onMetric: (MetricRecord) -> Void) {
        let h = config.hidden
        for layer in 0..<config.layers {
            let (norm, sigma, first, second): (Metric, Metric, Metric, Metric) = layer == 0
                ? (.weightHHNorm, .weightHHSigmaMax, .weightHHFirstMomentNorm, .weightHHSecondMomentNorm)
                : (.weightHH1Norm, .weightHH1SigmaMax, .weightHH1FirstMomentNorm, .weightHH1SecondMomentNorm)
            let offset = network.layout.weightHH(layer)
            let w = UnsafePointer(network.parameters.base + offset)
            onMetric(MetricRecord(epoch: epoch, step: step, metric: norm, value: Kernels.sumOfSquares(w, h * h).squareRoot()))
            onMetric(MetricRecord(epoch: epoch, step: step, metric: sigma,
                                  value: spectralNorms[layer].largestSingularValue(of: w)))
            for group in 0..<groups {
                let optimizer = optimizers[group], lag = groups == 1 ? nil : group
                if optimizer.firstMoment.count > 0 {
                    onMetric(MetricRecord(epoch: epoch, step: step, metric: first, lag: lag,
                                          value: Kernels.sumOfSquares(optimizer.firstMoment.base + offset, h * h).squareRoot()))
                }
                if optimizer.secondMoment.count > 0 {
                    onMetric(MetricRecord(epoch: epoch, step: step, metric: second, lag: lag,
                                          value: Kernels.sumOfSquares(optimizer.secondMoment.base + offset, h * h).squareRoot()))
                }
            }
        }
    }

    /// ‖∂L/∂h_t‖ for t = 1 … T from the total sensitivities the engine left (0 after the last
    /// loss step, where nothing depends on h_t).
    private func recordProbe(lastLossStep: Int) {
        let b = window.lanes, n = window.columns
        let totals = config.method == .bptt ? window.sensitivities : window.totalSensitivities
        for t in 1...window.steps {
            var sum = 0.0
            if t <= lastLossStep {
                for l in 0..<totals.count {
                    let layer = totals[l].base
                    for i in 0..<config.hidden { sum += Kernels.sumOfSquares(layer + i * n + (t - 1) * b, b) }
                }
            }
            probe[t - 1] = sum.squareRoot()
        }
    }

    /// One pass over the test set from h = 0.
    func evaluate() -> (loss: Double, accuracy: Double) {
        var lossSum = 0.0, lossTerms = 0, correct = 0, scored = 0
        for batch in 0..<task.testBatches {
            testWindow.resetState()
            for index in 0..<task.windowsPerSequence {
                let targets = task.fillTestWindow(testWindow, batch: batch, window: index)
                network.forward(testWindow)
                let score = Loss.evaluate(testWindow, kind: task.loss, targets: targets, gradients: false)
                lossSum += score.lossSum
                lossTerms += score.lossTerms
                correct += score.correct
                scored += score.scored
                testWindow.carryState()
            }
        }
        return (lossTerms > 0 ? lossSum / Double(lossTerms) : .nan, scored > 0 ? Double(correct) / Double(scored) : .nan)
    }

    private func seconds(_ duration: Duration) -> Double {
        let (whole, fraction) = duration.components
        return Double(whole) + Double(fraction) * 1e-18
    }
}
