import Glibc

/// A failed system call, keeping errno, the operation and the path it concerned.
public struct SystemError: Error, CustomStringConvertible, Equatable, Sendable {
    public var operation: String
    public var path: String
    public var errno: Int32

    public init(_ operation: String, path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String { "cannot \(operation) '\(path)': \(String(cString: strerror(errno)))" }
}
