"""Reading a candidate's workspace without trusting it.

A workspace is the candidate's: it may hold symlinks to ~/.ssh or /dev/zero, FIFOs, sockets or
devices. Walking it never follows a symlink, reads only regular files (opened with O_NOFOLLOW and
O_NONBLOCK, then checked again with fstat, so a file swapped for a FIFO in between is not read),
and stops at a total size. Whatever is left out is listed with the reason.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

SKIP_DIRS = frozenset(
    {".git", "__pycache__", ".venv", "venv", "node_modules", ".mypy_cache", ".pytest_cache"}
)
MAX_TOTAL_BYTES = 32 << 20


@dataclass
class Files:
    """The regular files read from a workspace (relative path -> bytes), and what was skipped."""

    files: dict[str, bytes] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Total bytes read."""
        return sum(len(data) for data in self.files.values())


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symlink"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def read_regular(path: Path, limit: int) -> bytes | str:
    """The bytes of a regular file, at most `limit`; else why it was not read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        return "a symlink" if path.is_symlink() else f"unreadable ({exc.strerror})"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return _kind(info.st_mode)
        if info.st_size > limit:
            return f"too large ({info.st_size:,} bytes)"
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
        return data if len(data) <= limit else f"too large (over {limit:,} bytes)"
    finally:
        os.close(fd)


def walk(
    root: Path,
    *,
    skip_dirs: frozenset[str] = SKIP_DIRS,
    max_total: int = MAX_TOTAL_BYTES,
    max_file: int | None = None,
) -> Files:
    """Every regular file under `root`, sorted, without following links or reading special files."""
    found = Files()
    used = 0
    for folder, dirs, names in os.walk(root, followlinks=False):
        base = Path(folder)
        kept = []
        for name in sorted(dirs):
            relative = (base / name).relative_to(root)
            if name in skip_dirs:
                continue
            if (base / name).is_symlink():
                found.skipped.append(f"{relative} (a symlink)")
            else:
                kept.append(name)
        dirs[:] = kept
        for name in sorted(names):
            entry = (base / name).relative_to(root).as_posix()
            room = max_total - used
            data = read_regular(base / name, room if max_file is None else min(room, max_file))
            if isinstance(data, str):
                found.skipped.append(f"{entry} ({data})")
                continue
            found.files[entry] = data
            used += len(data)
    return found
