import Glibc

// One copy of the rows on disk. While a sweep runs, `completed.csv` gets each trial's rows as it
// finishes, so its order is the workers'; `metrics.csv` must hold them in plan order. Rather than
// a second file of every row, the run's end rewrites `completed.csv` in plan order, with the header
// row — exactly what `metrics.csv` holds — and `metrics.csv` becomes a second name of that file.

extension ResultStore {
    /// Whether `completed.csv` is, byte for byte, what `metrics.csv` holds: the header row, then
    /// every done trial's rows in plan order, nothing between or after.
    public func rowsAreInPlanOrder() throws -> Bool {
        let header = Array((Self.metricsHeader + "\n").utf8)
        guard completed >= 0, try FileSystem.size(completed, path: completedPath) >= header.count,
              try FileSystem.read(completed, count: header.count, at: 0, path: completedPath) == header
        else { return false }
        var end = header.count
        for index in plan.trials.indices where isComplete(index) {
            guard let rows = finished[index]?.rows else { continue }
            if rows.isEmpty { continue }
            guard rows.lowerBound == end else { return false }
            end = rows.upperBound
        }
        return end == (try FileSystem.size(completed, path: completedPath))
    }

    /// Rewrites `completed.csv` in plan order with the header row (nothing to do if it is so
    /// already), when no attempt is running and everything is committed. Crash-safe: the new file
    /// is written beside it and synced, the journal records the rewrite (`compacted`), then it is
    /// renamed into place; reopening finishes or drops an interrupted rewrite
    /// (`settleCompaction`), and finds the rows by their trial ids (`locateCompactedRows`). A
    /// block whose checksum fails on the way is left where it is, and the file too.
    public func compactRows() throws {
        guard let journal, running.isEmpty, !hasUncommitted, try !rowsAreInPlanOrder() else { return }
        let path = folder + "/" + Self.compactingName
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError("write", path: path, errno: errno) }
        var keep = false
        defer {
            if !keep {
                close(fd)
                try? FileSystem.remove(path)
            }
        }
        try FileSystem.write(fd, Self.metricsHeader + "\n", at: 0, path: path)
        var length = Self.metricsHeader.utf8.count + 1
        var moved: [(index: Int, rows: Range<Int>)] = []
        for index in plan.trials.indices where isComplete(index) {
            guard let entry = finished[index], let rows = entry.rows else { continue }
            var crc = CRC32C()
            try FileSystem.copy(rows.count, from: completed, at: rows.lowerBound, path: completedPath, to: fd, at: length, path: path, crc: &crc)
            guard crc.value == entry.rowsCRC else { return }  // changed since it was checked: verify and the next run see to it
            moved.append((index, length..<(length + rows.count)))
            length += rows.count
        }
        guard fsync(fd) == 0 else { throw SystemError("write", path: path, errno: errno) }
        FileSystem.syncDirectory(folder)  // the rewrite's name survives a crash once journaled
        detachMetrics()
        try journal.append(["compacted\t\(length)"])
        guard rename(path, completedPath) == 0 else { throw SystemError("rename into", path: completedPath, errno: errno) }
        keep = true
        // Read-only from here on, under both its names: a program saving over metrics.csv in
        // place would otherwise change the durable rows (a run makes it writable again on opening).
        _ = fchmod(fd, 0o444)
        FileSystem.syncDirectory(folder)
        close(completed)
        completed = fd
        completedPath = folder + "/" + Self.completedName
        completedLength = length
        for (index, rows) in moved { finished[index]?.rows = rows }
    }

    /// Makes `metrics.csv` a second name of `completed.csv` when that holds exactly its bytes
    /// (after `compactRows`); returns false where it does not, where a coordinator runs (its next
    /// trial would change the file under that name), or where the file system has no second
    /// names, and `metrics.csv` must be written as a file of its own.
    func linkMetrics() throws -> Bool {
        // Read-only, hold the folder's lock meanwhile: no coordinator may start appending between
        // the check and the link (a coordinator's own store holds it already).
        var lock: Int32 = -1
        defer { if lock >= 0 { close(lock) } }
        if journal == nil {
            lock = open(folder + "/" + Journal.fileName, O_RDONLY | O_CLOEXEC)
            guard lock >= 0, flock(lock, LOCK_SH | LOCK_NB) == 0 else { return false }
        }
        guard try rowsAreInPlanOrder() else { return false }
        let metrics = folder + "/metrics.csv", temporary = folder + "/.metrics.csv.link"
        // Already (rename would leave the temporary name: both are names of one file).
        if Self.isSecondName(metrics, of: completed) { return true }
        try? FileSystem.remove(temporary)
        guard link(completedPath, temporary) == 0 else { return false }
        guard rename(temporary, metrics) == 0 else {
            try? FileSystem.remove(temporary)
            throw SystemError("rename into", path: metrics, errno: errno)
        }
        FileSystem.syncDirectory(folder)
        metricsMayShareRows = true
        return true
    }

    /// Before `completed.csv` changes: if `metrics.csv` is a second name of it, removes that name,
    /// so that `metrics.csv` never shows rows out of plan order (it is written again when the run
    /// ends, and by `summarize`).
    func detachMetrics() {
        guard metricsMayShareRows else { return }
        metricsMayShareRows = false
        Self.removeMetricsName(of: completed, in: folder)
    }

    /// Removes `metrics.csv` from `folder` if it is a second name of the file open as `rows`.
    static func removeMetricsName(of rows: Int32, in folder: String) {
        if isSecondName(folder + "/metrics.csv", of: rows) { try? FileSystem.remove(folder + "/metrics.csv") }
    }

    /// Whether `path` names the file open as `fd`.
    static func isSecondName(_ path: String, of fd: Int32) -> Bool {
        var file = stat(), named = stat()
        return fstat(fd, &file) == 0 && lstat(path, &named) == 0 && file.st_dev == named.st_dev && file.st_ino == named.st_ino
    }
}
