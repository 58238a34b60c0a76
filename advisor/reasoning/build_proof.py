"""A first build of the rules engine in a forked child, so that rules durable-rules cannot build stop a command
with a French message instead of hanging it.

durable-rules builds its rulesets in C: on some rules it takes hours (measured: a form of 40 rules, each
an ``any`` over 20 thresholds of one number), and while it does, neither Ctrl-C nor a timeout reaches the
process. So the command line first builds the same rules in a child process, which it stops after
``BUILD_SECONDS``. A build that succeeded is remembered in the cache folder (``knowledge/cache.py``), keyed
by the compiled rules and the engine's binary: the proof costs a few hundredths of a second, once.

Only where ``os.fork`` exists, from the main thread of a process that runs no other (forking a threaded
process may leave the child waiting on a lock another thread held); elsewhere the rules are built as
before. While it waits, SIGTERM and SIGHUP stop the child first; the child also dies with its parent
(Linux) and, in any case, a little after its time is up.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import EngineLimitError
from ..knowledge import cache
from .parts import ADVICE, part_label

BUILD_SECONDS = 60.0
NOTICE_SECONDS = 2.0  # a build that takes longer than this is worth telling the person about
_REFUSED = 3  # the child's exit status when durable-rules refused the rules: the parent builds and says why


def prove_build(definition: Mapping[str, Any], build: Callable[[Callable[[str], None]], Any],
                seconds: float | None = None, waiting: Callable[[], None] | None = None) -> None:
    """Build the rules once in a child process, unless a build of the same rules succeeded before here.

    Args:
        definition: the compiled rulesets (their digest names the proof).
        build: builds the engine's host, calling its argument with each part's name first.
        seconds: how long the child may build (``BUILD_SECONDS`` by default).
        waiting: called once if the build takes more than ``NOTICE_SECONDS`` (to tell the person).

    Raises:
        EngineLimitError: the build did not end within ``seconds``, or the child stopped abruptly (names the part).
    """
    alone = threading.active_count() == 1 and threading.current_thread() is threading.main_thread()
    if not hasattr(os, "fork") or not alone:
        return
    import durable_rules_engine  # type: ignore[import-not-found]  # the C extension: rebuilt, it is another engine

    info = os.stat(durable_rules_engine.__file__)
    engine = f"{durable_rules_engine.__file__}|{info.st_size}|{info.st_mtime_ns}|"
    name = "build-" + hashlib.sha256((engine + json.dumps(definition, sort_keys=True)).encode()).hexdigest()[:32]
    if cache.remembered(name):
        return
    seconds = BUILD_SECONDS if seconds is None else seconds
    status, part = _build_in_child(build, seconds, waiting)
    if status is None:
        raise EngineLimitError(f"le moteur de règles n'a pas fini de construire les règles de {part_label(part)} "
                               f"après {seconds:.0f} s : elles lui demandent trop de combinaisons. {ADVICE} "
                               "Vérifiez ensuite la base avec « advisor rules check ».")
    if os.WIFSIGNALED(status):
        raise EngineLimitError(f"le moteur de règles s'est arrêté brutalement en construisant les règles de "
                               f"{part_label(part)}. {ADVICE} Vérifiez ensuite la base avec « advisor rules check ».")
    if os.waitstatus_to_exitcode(status) == 0:
        cache.remember(name)
    # A refusal (``_REFUSED``) is explained by the build in this process, which fails the same way, at once.


class _Signalled(BaseException):
    """SIGTERM or SIGHUP reached the parent while the child builds."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _signalled(signum: int, frame: Any) -> None:
    raise _Signalled(signum)


# Signals that end the command: the child is stopped first, then the command ends as the signal says.
_ENDING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def _build_in_child(build: Callable[[Callable[[str], None]], Any], seconds: float,
                    waiting: Callable[[], None] | None) -> tuple[int | None, str]:
    """Run ``build`` in a forked child: (its wait status, or None when stopped after ``seconds``; the last part)."""
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: build, tell each part, never return into the parent's code
        os.close(read_end)
        _bound_to(parent, seconds)
        code = 0
        try:
            build(lambda part: os.write(write_end, part.encode() + b"\n"))
        except BaseException:  # noqa: BLE001 - any failure: the parent builds again and reports it
            code = _REFUSED
        os._exit(code)
    os.close(write_end)
    part, received = "", b""
    start = time.monotonic()
    deadline = start + seconds
    notice = start + NOTICE_SECONDS if waiting is not None else None
    # (A signal the command ignores, as under ``nohup``, stays ignored.)
    previous = {signum: signal.signal(signum, _signalled) for signum in _ENDING
                if signal.getsignal(signum) is not signal.SIG_IGN}
    try:
        while True:
            now = time.monotonic()
            if waiting is not None and notice is not None and now >= notice:
                waiting()
                notice = None
            if now >= deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return None, part
            wake = min(deadline, notice) if notice is not None else deadline
            if not select.select([read_end], [], [], wake - now)[0]:
                continue  # time to tell the person, or to stop the child
            chunk = os.read(read_end, 4096)
            if not chunk:  # the child ended
                return os.waitpid(pid, 0)[1], part
            received += chunk
            *done, received = received.split(b"\n")
            if done:
                part = done[-1].decode()
    except BaseException as stop:  # Ctrl-C, SIGTERM, SIGHUP while waiting: leave no child building
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        if isinstance(stop, _Signalled):  # then end as the signal would have ended the command
            signal.signal(stop.signum, previous[stop.signum])
            os.kill(os.getpid(), stop.signum)
            raise SystemExit(128 + stop.signum) from None  # its handler let the command live: end it still
        raise
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        os.close(read_end)


def _bound_to(parent: int, seconds: float) -> None:
    """In the child: stopped by the system even inside C code, by Ctrl-C, with its parent (Linux), and in any
    case once its time is up."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(int(seconds) + 2)
    die_with_parent(parent)


def die_with_parent(parent: int) -> None:
    """In a child process that may spend long in durable-rules' C code: killed by the system when ``parent``
    dies (Linux), rather than left running alone; ends at once if the parent is already gone."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(_REFUSED)
