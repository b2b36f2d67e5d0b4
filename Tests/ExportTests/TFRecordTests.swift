import Testing
import TrainingCore
@testable import Export
import TrialFarm

/// TensorBoard's record framing and event encoding against bytes made independently: the CRC-32C
/// check value of "123456789" (0xE3069283, the published test vector), and records written by
/// TensorBoard's own Python `RecordWriter` from `event_pb2.Event`s (tensorboard 2.21):
///
///     w = RecordWriter(f)
///     w.write(event_pb2.Event(wall_time=1.5, file_version="brain.Event:2").SerializeToString())
///     e = event_pb2.Event(wall_time=1.5, step=7)
///     e.summary.value.add(tag="window/grad_cos_lag_3", simple_value=0.0)
///     w.write(e.SerializeToString())
@Suite struct TFRecordTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    @Test("the masked CRC-32C of \"123456789\" is TensorFlow's mask of the check value 0xE3069283")
    func maskedCRC() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        // ((0xE3069283 >>> 15) | (0xE3069283 << 17)) + 0xa282ead8 mod 2^32, and tensorboard's masked_crc32c.
        #expect(TFRecord.maskedCRC(Array("123456789".utf8)) == 0xC78A_B0E5)
    }

    @Test("a file-version event and a scalar of 0 are framed byte for byte as TensorBoard's RecordWriter frames them")
    func framing() throws {
        var file: [UInt8] = []
        var header = Tensorflow_Event()
        header.wallTime = 1.5
        header.fileVersion = TensorBoardEvents.fileVersion
        TFRecord.append(try header.serializedBytes(), to: &file)
        let record = MetricRecord(epoch: 1, step: 7, metric: .gradCosine, lag: 3, value: 0)
        TFRecord.append(try TensorBoardEvents.event(record, wallTime: 1.5).serializedBytes(), to: &file)
        #expect(file == Self.bytes("1800000000000000a37f4b2209000000000000f83f1a0d627261696e2e4576656e743a322a28646c2b"
                                    + "00000000000000861bc34b09000000000000f83f10072a1e0a1c0a1577696e646f772f677261645f"
                                    + "636f735f6c61675f33150000000085927c43"))
    }

    @Test("series names: per-epoch and per-window records apart, the lag a suffix; steps are epochs or windows")
    func seriesNames() {
        #expect(SeriesName.of(MetricRecord(epoch: 2, step: nil, metric: .testAccuracy, value: 1)) == "epoch/test_acc")
        #expect(SeriesName.step(MetricRecord(epoch: 2, step: nil, metric: .testAccuracy, value: 1)) == 2)
        #expect(SeriesName.of(MetricRecord(epoch: 2, step: 40, metric: .trainLoss, value: 1)) == "window/train_loss")
        #expect(SeriesName.step(MetricRecord(epoch: 2, step: 40, metric: .trainLoss, value: 1)) == 40)
        #expect(SeriesName.of(MetricRecord(epoch: 1, step: 3, metric: .gradNorm, lag: 0, value: 1)) == "window/grad_norm_lag_0")
    }

    @Test("YAML quoting escapes quotes, backslashes and controls; file URIs percent-encode")
    func quoting() {
        #expect(MLflowStore.yaml("a \"b\" \\ c\n\u{1B}é") == "\"a \\\"b\\\" \\\\ c\\u000A\\u001Bé\"")
        #expect(MLflowStore.fileURI("/tmp/a b/ü") == "file:///tmp/a%20b/%C3%BC")
    }
}
