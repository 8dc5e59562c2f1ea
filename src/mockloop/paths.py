"""Where mockloop's files are: its home, its cache, and the banks and rubrics in use.

Only the standard library and platformdirs: quick commands import this without pydantic or yaml.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Iterable
from pathlib import Path

import platformdirs

__all__ = [
    "builtin_content_dir",
    "cache_dir",
    "content_dirs",
    "content_fingerprint",
    "home",
    "write_cache",
    "yaml_files",
]


# The modules that define the shape of a validated bank or rubric; found by import machinery,
# not by file name, so a move or rename fails loudly here instead of silently skipping them.
SCHEMA_MODULES = ("mockloop.models", "mockloop.content")


def _source_files(modules: Iterable[str]) -> tuple[Path, ...]:
    files = []
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None or not Path(spec.origin).is_file():
            raise RuntimeError(f"{name}: its source file is missing; reinstall mockloop")
        files.append(Path(spec.origin))
    return tuple(files)


SCHEMA_FILES = _source_files(SCHEMA_MODULES)


def home() -> Path:
    """mockloop's data directory: the `home` setting (MOCKLOOP_HOME), else the platform's."""
    from mockloop.config import current

    chosen = current().home
    return chosen if chosen is not None else Path(platformdirs.user_data_dir("mockloop"))


def cache_dir() -> Path:
    """Disposable derived data (e.g. the bank summary); inside the home when one is set."""
    from mockloop.config import current

    if current().home is not None:
        return home() / "cache"
    return Path(platformdirs.user_cache_dir("mockloop"))


def builtin_content_dir() -> Path:
    """Where the shipped banks and rubrics are: inside the wheel, or at the repository root."""
    override = os.environ.get("MOCKLOOP_BUILTIN_CONTENT")  # tests in a subprocess: a stand-in
    if override:
        return Path(override)
    packaged = Path(__file__).parent / "_content"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2]


def content_dirs(kind: str) -> list[Path]:
    """Directories holding `kind` ("question_banks" or "rubrics"), built-in first."""
    dirs = [builtin_content_dir() / kind]
    extra = os.environ.get(f"MOCKLOOP_{kind.upper()}", "")
    dirs.extend(Path(p) for p in extra.split(os.pathsep) if p)
    return dirs


def yaml_files(paths: Iterable[Path]) -> list[Path]:
    """Expand directories into their *.yaml / *.yml files, sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        else:
            files.append(path)
    return files


def content_fingerprint() -> str:
    """A key that changes whenever a bank or rubric file in use is added, removed or edited."""
    from mockloop import __version__

    digest = hashlib.sha256(__version__.encode())
    files = [
        path for kind in ("question_banks", "rubrics") for path in yaml_files(content_dirs(kind))
    ]
    # The cache holds validated models: a change to their definition (an editable install keeps
    # its version number) must invalidate it as surely as an edited bank.
    for path in SCHEMA_FILES:  # no try: a schema file that vanished is a broken install
        stat = path.stat()
        digest.update(f"{path.resolve()}\0{stat.st_mtime_ns}\0{stat.st_size}\n".encode())
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue  # a bank removed while we looked: the next fingerprint will not list it
        digest.update(f"{path.resolve()}\0{stat.st_mtime_ns}\0{stat.st_size}\n".encode())
    return digest.hexdigest()


def write_cache(name: str, text: str) -> None:
    """Replace cache_dir()/name atomically; a cache that cannot be written only costs speed."""
    path = cache_dir() / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)  # a concurrent reader sees the old file or the new one
    except OSError:
        pass
