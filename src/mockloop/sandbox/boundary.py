"""The OS sandbox around a run: bubblewrap on Linux, sandbox-exec on macOS, or none.

The boundary is the operating system's, not Python's: in bubblewrap the candidate's process gets
new user, PID, network, IPC, UTS and cgroup namespaces, a read-only view of the Python runtime
(its standard library, plus the site-packages entries of modules a question `requires`), the
workspace on a size-limited tmpfs, its own /proc, /dev and /tmp, and nothing else: no home, no
MOCKLOOP_HOME, no banks, no config, no network, and an environment built from an allow-list.

Why no seccomp filter: every attack in scope (reading files, writing outside, sockets, signals to
mockloop, processes outliving the run) is stopped by the namespaces and mounts above;
`--new-session` closes the TIOCSTI terminal injection and `--disable-userns` nested user
namespaces, the two holes seccomp filters usually plug. A filter would only shrink the kernel's
attack surface against a kernel exploit, and needs a compiled BPF program the standard library
cannot build; it is left out rather than half-done.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import logging
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

BWRAP = "bubblewrap"
SANDBOX_EXEC = "sandbox-exec"
NONE = "none"
WORKDIR = "/work"  # the workspace inside the sandbox
SITE = "/site"  # required third-party modules, read-only
TMP_MB = 8  # /tmp; with the workspace tmpfs, the cap on everything a run can write
HARNESS_PATH = "/run/mockloop/harness.py"
INSTALL_HINT = (
    "no OS sandbox: candidate code runs with rlimits and an audit hook only "
    "(install bubblewrap: `apt-get install bubblewrap` or `dnf install bubblewrap`; "
    "--require-sandbox makes this an error)"
)
_LIBRARY_DIRS = ("/usr/lib", "/usr/lib64", "/usr/lib32", "/lib", "/lib64", "/lib32")
_log = logging.getLogger("mockloop.sandbox")
_policy = {"require": False, "warned": False}
_notice: list[Callable[[str], None]] = []  # where the "no sandbox" line goes (the CLI: stderr)


class SandboxUnavailable(Exception):
    """No OS sandbox here, and the settings require one (exit 2)."""

    status = 2


def on_notice(show: Callable[[str], None]) -> None:
    """Show the "no OS sandbox" line with `show` (default: a mockloop.sandbox log warning)."""
    _notice[:] = [show]


def require_sandbox(required: bool = True) -> None:
    """Refuse to run candidate code without an OS sandbox (the --require-sandbox flag)."""
    _policy["require"] = required


def _required() -> bool:
    if _policy["require"]:
        return True
    from mockloop.config import load_settings

    return load_settings().require_sandbox


@dataclass(frozen=True)
class Boundary:
    """How to start the harness: the command prefix and the paths it sees."""

    name: str  # bubblewrap, sandbox-exec or none
    python: str
    harness: str
    workdir: str | None  # None: the runner makes a host temporary folder
    prefix: tuple[str, ...] = ()
    site: str | None = None

    def command(self, result_fd: int, module: str, workdir: str) -> list[str]:
        """The full command line for one run."""
        argv = [self.python, "-I", *(["-S"] if self.name == BWRAP else [])]
        argv += [self.harness, str(result_fd), module, workdir, self.site or ""]
        prefix = list(self.prefix)
        if self.name == SANDBOX_EXEC:  # the profile's writable folder is this run's
            prefix[1:1] = ["-D", f"WORK={Path(workdir).resolve()}"]
        return [*prefix, *argv]


def available() -> str:
    """The name of the OS sandbox this machine offers (none when there is none)."""
    if os.environ.get("MOCKLOOP_NO_SANDBOX"):  # tests and benchmarks: act as if there were none
        return NONE
    if sys.platform.startswith("linux") and bwrap_works():
        return BWRAP
    if sys.platform == "darwin" and shutil.which("sandbox-exec"):
        return SANDBOX_EXEC
    return NONE


def check_required() -> None:
    """Raise SandboxUnavailable when a sandbox is required and there is none."""
    if _required() and available() == NONE:
        raise SandboxUnavailable(
            "--require-sandbox: no OS sandbox is available to run candidate code "
            "(install bubblewrap: `apt-get install bubblewrap` or `dnf install bubblewrap`)"
        )


def choose(requires: Iterable[str] = (), workspace_mb: int = 64) -> Boundary:
    """The best sandbox available here; warn once (or refuse) when there is none."""
    harness = str(Path(__file__).with_name("harness.py"))
    kind = available()
    if kind == BWRAP:
        return _bubblewrap(harness, list(requires), workspace_mb)
    if kind == SANDBOX_EXEC:
        return _sandbox_exec(harness, list(requires))
    check_required()
    if not _policy["warned"]:
        _policy["warned"] = True
        (_notice[0] if _notice else _log.warning)(INSTALL_HINT)
    return Boundary(NONE, sys.executable, harness, None)


@functools.cache
def bwrap_works() -> bool:
    """bwrap is installed and can create the namespaces (user namespaces may be disabled)."""
    path = shutil.which("bwrap")
    if path is None:
        return False
    probe = [path, "--unshare-all", "--die-with-parent", *_ro_binds(_LIBRARY_DIRS)]
    probe += ["--ro-bind", _real_python(), "/probe", "/probe", "-c", "pass"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=10, env={}, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _real_python() -> str:
    """The base interpreter (not the venv's link): the sandbox holds no venv."""
    return os.path.realpath(getattr(sys, "_base_executable", sys.executable))


def _ro_binds(paths: Iterable[str]) -> list[str]:
    args: list[str] = []
    for path in paths:
        if Path(path).is_symlink():
            args += ["--symlink", str(Path(path).readlink()), path]
        elif Path(path).is_dir():
            args += ["--ro-bind", path, path]
    return args


def _bubblewrap(harness: str, requires: list[str], workspace_mb: int) -> Boundary:
    python = _real_python()
    prefix = os.path.realpath(sys.base_prefix)
    stdlib = sysconfig.get_paths(vars={"base": prefix, "platbase": prefix})
    args = [shutil.which("bwrap") or "bwrap", "--unshare-all", "--disable-userns"]
    args += ["--die-with-parent", "--new-session", "--clearenv"]
    args += ["--unshare-user", "--uid", "65534", "--gid", "65534"]
    args += _ro_binds(_LIBRARY_DIRS)
    args += ["--ro-bind", prefix, prefix]
    if not python.startswith(prefix + "/"):
        args += ["--ro-bind", python, python]
    # The runtime's own site-packages (pip, setuptools, whatever was installed) stays hidden.
    for key in ("purelib", "platlib"):
        if Path(stdlib[key]).is_dir() and stdlib[key].startswith(prefix + "/"):
            args += ["--tmpfs", stdlib[key], "--remount-ro", stdlib[key]]
    args += ["--proc", "/proc", "--dev", "/dev", "--size", str(TMP_MB << 20), "--tmpfs", "/tmp"]
    args += ["--size", str(workspace_mb << 20), "--tmpfs", WORKDIR]
    args += ["--ro-bind", harness, HARNESS_PATH]
    entries = site_entries(requires)
    for name, source in entries.items():
        args += ["--ro-bind", source, f"{SITE}/{name}"]
    # bwrap's own root and /dev are tmpfs the sandbox user could fill: only /work and /tmp,
    # both size-limited, stay writable.
    args += ["--remount-ro", "/", "--remount-ro", "/dev", "--chdir", WORKDIR]
    return Boundary(BWRAP, python, HARNESS_PATH, WORKDIR, tuple(args), SITE if entries else None)


def site_entries(modules: Iterable[str]) -> dict[str, str]:
    """site-packages entries (name -> path) for these modules and what their packages need."""
    return dict(_site_entries(tuple(sorted(modules)))) if modules else {}


@functools.cache
def _site_entries(modules: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    if not modules:
        return ()
    by_module = importlib.metadata.packages_distributions()
    seen: set[str] = set()
    todo = [dist for name in modules for dist in by_module.get(name, [])]
    entries: dict[str, str] = {}
    while todo:
        dist_name = todo.pop()
        key = _canonical(dist_name)
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            continue
        for requirement in dist.requires or []:
            if "extra ==" not in requirement:
                todo.append(re.split(r"[\s;<>=!~\[(]", requirement, maxsplit=1)[0])
        base = Path(str(dist.locate_file("")))
        for file in dist.files or []:
            top = file.parts[0]
            if top != ".." and top not in entries and (base / top).exists():
                entries[top] = str(base / top)
    return tuple(entries.items())


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _sandbox_exec(harness: str, requires: list[str]) -> Boundary:
    """macOS: a Seatbelt profile with the same shape. UNTESTED: written without a Mac to run on."""
    python = _real_python()
    prefix = os.path.realpath(sys.base_prefix)
    entries = site_entries(requires)
    site = str(Path(next(iter(entries.values()))).parent) if entries else None
    readable = " ".join(f'(subpath "{path}")' for path in entries.values())
    profile = f"""(version 1)
(deny default)
(allow process-exec (literal "{python}"))
(allow process-fork)
(allow signal (target self))
(allow sysctl-read)
(allow file-read* (subpath "/usr/lib") (subpath "/System/Library") (subpath "/private/var/db/dyld")
                  (subpath "{prefix}") (literal "{harness}") (subpath (param "WORK")) {readable}
                  (literal "/dev/null") (literal "/dev/urandom") (literal "/dev/random"))
(allow file-write* (subpath (param "WORK")) (literal "/dev/null"))
(allow file-read-metadata)
(deny network*)
"""
    return Boundary(SANDBOX_EXEC, python, harness, None, ("sandbox-exec", "-p", profile), site)
