// A trainer's state at the end of an epoch, out and back in (see `TrialCheckpoint`). Everything
// a later epoch reads that an earlier one wrote is here, in this order.

extension Trainer {
    /// The state after epoch `epoch`, `step` updates in.
    func snapshot(epoch: Int, step: Int) -> TrialCheckpoint {
        var writer = CheckpointWriter()
        writer.bytes = TrialCheckpoint.magic + [UInt8(MemoryLayout<T>.size)]
        writer.integer(epoch)
        writer.integer(step)
        writer.section(network.parameters)
        writer.section(previousGradients)
        for optimizer in optimizers {
            writer.section([optimizer.steps])
            writer.section(optimizer.firstMoment)
            writer.section(optimizer.secondMoment)
            writer.section(optimizer.maximumSecondMoment)
        }
        lagWeights.write(to: &writer)
        for norm in spectralNorms { norm.write(to: &writer) }
        return TrialCheckpoint(epoch: epoch, step: step, bytes: writer.bytes)
    }

    /// Takes the state of `checkpoint`, which must come from this configuration.
    func restore(_ checkpoint: TrialCheckpoint) throws {
        guard checkpoint.bytes.count > 4, checkpoint.bytes[4] == UInt8(MemoryLayout<T>.size) else {
            throw CheckpointError(reason: "another precision")
        }
        guard checkpoint.epoch >= 0, checkpoint.epoch < config.epochs else { throw CheckpointError(reason: "epoch \(checkpoint.epoch) is not before the last") }
        var reader = CheckpointReader(checkpoint.bytes, at: 21)
        try reader.section(into: network.parameters, "the parameters")
        try reader.section(into: previousGradients, "the previous gradients")
        for (group, optimizer) in optimizers.enumerated() {
            var steps = [0]
            try reader.section(into: &steps, "optimizer \(group)'s step count")
            optimizer.steps = steps[0]
            try reader.section(into: optimizer.firstMoment, "optimizer \(group)'s first moment")
            try reader.section(into: optimizer.secondMoment, "optimizer \(group)'s second moment")
            try reader.section(into: optimizer.maximumSecondMoment, "optimizer \(group)'s maximum second moment")
        }
        try lagWeights.read(from: &reader)
        for index in spectralNorms.indices { try spectralNorms[index].read(from: &reader) }
        guard reader.offset == checkpoint.bytes.count else { throw CheckpointError(reason: "it has more than this trial's state") }
    }
}
