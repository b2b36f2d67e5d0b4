import TrialFarm

/// TFRecord framing, the container of TensorBoard's event files: each record is
///
///     uint64 length           little-endian
///     uint32 masked CRC-32C of the 8 length bytes
///     length bytes of data    (here a serialized `Event`)
///     uint32 masked CRC-32C of the data
///
/// A masked CRC rotates the CRC-32C right by 15 bits and adds 0xa282ead8 (TensorFlow's
/// `crc32c::Mask`, tensorflow/core/lib/hash/crc32c.h), so that a CRC of data holding CRCs is not
/// itself a CRC.
enum TFRecord {
    static func maskedCRC(_ bytes: some Sequence<UInt8>) -> UInt32 {
        let crc = CRC32C.checksum(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    /// Appends `data` to `file` as one record.
    static func append(_ data: [UInt8], to file: inout [UInt8]) {
        let length = withUnsafeBytes(of: UInt64(data.count).littleEndian, Array.init)
        file += length
        withUnsafeBytes(of: maskedCRC(length).littleEndian) { file += $0 }
        file += data
        withUnsafeBytes(of: maskedCRC(data).littleEndian) { file += $0 }
    }
}
