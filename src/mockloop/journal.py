"""Append-only files done carefully: one writer per file, durable appends, a torn tail repaired.

The store builds session transcripts on these primitives. Nothing here knows what a record is:
the caller says which last line is readable (`repair_tail`), so this module stays small.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable
from pathlib import Path

__all__ = ["FileLock", "Locked", "append", "create_exclusive", "fsync_dir", "repair_tail"]

_BLOCK = 64 * 1024


class Locked(Exception):
    """Another process holds the file's lock; `pid` is the holder (0 when it did not say)."""

    def __init__(self, path: Path, pid: int) -> None:
        super().__init__(f"{path} is locked by process {pid or 'unknown'}")
        self.path = path
        self.pid = pid


class FileLock:
    """An exclusive OS lock (flock) on `lock_path`; the holder writes its pid into the file.

    The lock file is never deleted: unlinking a lock file that another process has just opened
    would let a third process lock a new file of the same name, and two writers would run.
    The OS drops the lock when its holder dies, even by SIGKILL, so no stale lock survives.
    """

    def __init__(self, lock_path: Path) -> None:
        self.path = lock_path
        self._fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(self._fd)
            os.close(self._fd)
            raise Locked(lock_path, pid) from None
        except OSError:
            os.close(self._fd)
            raise
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)

    def release(self) -> None:
        """Drop the lock (idempotent)."""
        if self._fd >= 0:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = -1


def _read_pid(fd: int) -> int:
    try:
        return int(os.pread(fd, 32, 0).decode("ascii", "replace").strip() or 0)
    except (OSError, ValueError):
        return 0


def create_exclusive(path: Path) -> int:
    """Create `path` for appending; FileExistsError if anything already has that name."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
    fsync_dir(path.parent)  # the new name itself must survive a power cut
    return fd


def fsync_dir(directory: Path) -> None:
    """Make a directory's entries (a created or renamed file) durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def append(fd: int, data: bytes, *, sync: bool) -> None:
    """Append `data` whole, or not at all: a failed write (disk full) is cut back off."""
    before = os.fstat(fd).st_size
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        if sync:
            os.fsync(fd)
    except OSError:
        # If even this fails, the reader skips a torn last line and the next writer repairs it.
        with contextlib.suppress(OSError):
            os.ftruncate(fd, before)
        raise


def _last_line_start(fd: int, size: int) -> int:
    """Offset where the file's last line starts (ignoring one final newline)."""
    end = size - 1 if os.pread(fd, 1, size - 1) == b"\n" else size
    position = end
    while position > 0:
        start = max(0, position - _BLOCK)
        found = os.pread(fd, position - start, start).rfind(b"\n")
        if found >= 0:
            return start + found + 1
        position = start
    return 0


def repair_tail(fd: int, path: Path, readable: Callable[[bytes], bool]) -> int:
    """Make the file end with a whole, readable line before anything is appended to it.

    Last lines the caller cannot read (cut by a crash or a full disk) are moved, byte for byte,
    to `<name>.torn` and cut off, until the last line is readable: what is appended next must
    never follow damage, or the damage would no longer be at the tail. A readable last line
    missing its newline gets it. Returns how many bytes were set aside (0: nothing was torn).
    """
    size = os.fstat(fd).st_size
    cut, damaged = size, False
    while cut > 0:
        start = _last_line_start(fd, cut)
        tail = os.pread(fd, cut - start, start)
        if tail.strip():  # blank lines are harmless: look past them
            if readable(tail.rstrip(b"\n")):
                break
            damaged = True
        cut = start
    if not damaged:
        cut = size
    if cut == size:
        if size and os.pread(fd, 1, size - 1) != b"\n":
            append(fd, b"\n", sync=True)
        return 0
    torn = path.with_name(path.name + ".torn")
    bad = os.pread(fd, size - cut, cut)
    # Kept first, cut second: a crash in between leaves the bytes in both places, never none.
    with torn.open("ab") as keep:
        keep.write(bad if bad.endswith(b"\n") else bad + b"\n")
        keep.flush()
        os.fsync(keep.fileno())
    os.ftruncate(fd, cut)
    os.fsync(fd)
    if cut and os.pread(fd, 1, cut - 1) != b"\n":
        append(fd, b"\n", sync=True)
    return size - cut
