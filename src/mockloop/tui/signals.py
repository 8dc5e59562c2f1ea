"""SIGTERM and SIGHUP (a closed terminal) stop a session cleanly, with the draft saved.

Every turn is on disk before the next prompt, so saving only needs the draft and the time spent
on the current prompt: a running prompt intercepts the signal and quits through the engine. Outside
a prompt the signal raises `Terminated`, which unwinds like Ctrl-C.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

Interceptor = Callable[[int], bool]  # returns True when it will stop the session itself

_interceptors: list[Interceptor] = []
_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Terminated(BaseException):
    """A stop signal arrived while no prompt was running (a BaseException, like Ctrl-C)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_status(self) -> int:
        """The shell convention: 128 + the signal number (143 for SIGTERM, 129 for SIGHUP)."""
        return 128 + self.signum


def exit_status(signum: int) -> int:
    """128 + the signal number."""
    return 128 + signum


@contextmanager
def intercept(handler: Interceptor) -> Iterator[None]:
    """Let `handler` take stop signals while the block runs (e.g. while a prompt is shown)."""
    _interceptors.append(handler)
    try:
        yield
    finally:
        _interceptors.remove(handler)


@contextmanager
def save_on_signals(on_hangup: Callable[[], None] | None = None) -> Iterator[None]:
    """Handle SIGTERM and SIGHUP for the duration; `on_hangup` runs first when the terminal goes."""

    def handle(signum: int, frame: FrameType | None) -> None:
        if signum == getattr(signal, "SIGHUP", None) and on_hangup is not None:
            on_hangup()
        if _interceptors and _interceptors[-1](signum):
            return
        raise Terminated(signum)

    previous: dict[int, object] = {}
    for signum in _SIGNALS:
        try:
            previous[signum] = signal.signal(signum, handle)
        except ValueError:  # not the main thread (e.g. an embedding app): keep the defaults
            continue
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)  # type: ignore[arg-type]
